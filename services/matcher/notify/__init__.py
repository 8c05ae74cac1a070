"""Notifications: the outbox a publish writes, delivered at least once to webhooks and by e-mail.

- :mod:`.webhooks`: signing (``Affarstraff-Signature``, Stripe-style), :func:`.webhooks.verify_signature` for
  receivers, and the POST.
- :mod:`.mail`: the e-mail a payload describes (text, HTML, attachments, the agenda link) and SMTP sending.
- :mod:`.deliver`: claim due rows, send, settle; the background loop the app runs (:func:`.deliver.outbox_context`).

Each attempt ends in an :class:`Outcome`: delivered, retry later, or stop (no attempt can succeed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    DELIVERED = "delivered"
    # A passing failure (timeout, 5xx, 4xx SMTP reply): try again after a back-off while attempts remain.
    RETRY = "retry"
    # No attempt can succeed (410 Gone, SMTP 5xx, malformed payload, webhook deleted): keep the row, stop.
    STOP = "stop"


@dataclass(frozen=True)
class Outcome:
    """How one delivery attempt ended; ``detail`` is for people and never holds a secret.

    Examples
    --------
    >>> Outcome.retry("receiver answered 503").verdict
    <Verdict.RETRY: 'retry'>
    """

    verdict: Verdict
    detail: str = ""

    @classmethod
    def delivered(cls, detail: str = "") -> Outcome:
        return cls(Verdict.DELIVERED, detail)

    @classmethod
    def retry(cls, detail: str) -> Outcome:
        return cls(Verdict.RETRY, detail)

    @classmethod
    def stop(cls, detail: str) -> Outcome:
        return cls(Verdict.STOP, detail)
