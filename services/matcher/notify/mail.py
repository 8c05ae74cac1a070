"""E-mail deliveries: the message an outbox payload describes, and sending it over SMTP.

The payload (written by the publish) is ``{"to", "subject", "text", "html" | null, "link_id" | null,
"attachments": [{"filename", "content_type", "content"}]}``. ``{agenda_url}`` in the text and HTML is
replaced at send time by the participant's agenda link (:func:`services.matcher.links.agenda_link_url`):
the link token is derived from the row id, never stored. Attachment ``content`` is the text itself for
``text/*`` types (an ``.ics`` is ``text/calendar``) and base64 for any other type (a PDF).
"""

from __future__ import annotations

import base64
import binascii
import html
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from uuid import UUID

import aiosmtplib

from shared.settings import secret_value

from ..links import agenda_link_url
from ..settings import MatcherSettings
from . import Outcome

AGENDA_URL_PLACEHOLDER = "{agenda_url}"
TIMEOUT_SECONDS = 30.0


class MalformedPayload(ValueError):
    """The payload cannot become an e-mail (missing field, a line break in a header …): no retry helps."""


def _message_id(delivery_id: UUID, mail_from: str) -> str:
    # The same on every retry of a row, so a client that sees a message twice can tell it is one.
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "affarstraff.invalid"
    return f"<{delivery_id}@{domain}>"


def _attach(message: EmailMessage, attachment: dict[str, Any]) -> None:
    filename = str(attachment["filename"])
    # "text/calendar; method=CANCEL": the type, then parameters (a calendar's method says what it does).
    mime, *parameters = (part.strip() for part in str(attachment["content_type"]).split(";"))
    maintype, _, subtype = mime.partition("/")
    given = dict(p.partition("=")[::2] for p in parameters if "=" in p)
    content = attachment["content"]
    if not subtype or not isinstance(content, str):
        raise MalformedPayload(f"attachment {filename!r} needs a content_type like text/calendar and text content")
    if maintype == "text":
        method = given.get("method", "PUBLISH").strip().upper()
        if subtype == "calendar" and method not in ("PUBLISH", "CANCEL", "REQUEST"):
            raise MalformedPayload(f"attachment {filename!r}: unknown calendar method {method!r}")
        params = {"method": method} if subtype == "calendar" else None
        message.add_attachment(content, subtype=subtype, filename=filename, params=params)
        return
    try:
        data = base64.b64decode(content, validate=True)
    except binascii.Error:
        raise MalformedPayload(f"attachment {filename!r} of type {maintype}/{subtype} is not base64") from None
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


def build_message(
    settings: MatcherSettings, payload: dict[str, Any], *, to: str | None = None, delivery_id: UUID | None = None
) -> EmailMessage:
    """The e-mail ``payload`` describes, from ``settings.mail_from`` to ``to`` (default: ``payload["to"]``).

    Raises :class:`MalformedPayload` when the payload cannot become a message, and
    :class:`services.matcher.links.LinkSecretMissing` when it needs an agenda link but no link secret is set.

    Examples
    --------
    >>> from services.matcher.settings import MatcherSettings
    >>> settings = MatcherSettings(link_secret="k" * 32, public_url="https://matcher.example")
    >>> message = build_message(settings, {"to": "anna@example.se", "subject": "Ditt schema",
    ...     "text": "Se {agenda_url}", "link_id": "00000000-0000-0000-0000-000000000001"})
    >>> message["To"], message["Subject"]
    ('anna@example.se', 'Ditt schema')
    >>> message.get_content().startswith("Se https://matcher.example/a/")
    True
    """
    try:
        text = str(payload["text"])
        html_body = payload.get("html")
        link_id = payload.get("link_id")
        if AGENDA_URL_PLACEHOLDER in text or (html_body and AGENDA_URL_PLACEHOLDER in html_body):
            if link_id is None:
                raise MalformedPayload("the text names {agenda_url} but the payload has no link_id")
            url = agenda_link_url(settings, UUID(str(link_id)))
            text = text.replace(AGENDA_URL_PLACEHOLDER, url)
            if html_body:
                html_body = str(html_body).replace(AGENDA_URL_PLACEHOLDER, html.escape(url, quote=True))
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = to if to is not None else str(payload["to"])
        message["Subject"] = str(payload["subject"])
        message["Date"] = format_datetime(datetime.now(UTC))
        if delivery_id is not None:
            message["Message-ID"] = _message_id(delivery_id, settings.mail_from)
        message.set_content(text)
        if html_body:
            message.add_alternative(str(html_body), subtype="html")
        for attachment in payload.get("attachments") or ():
            _attach(message, attachment)
    except MalformedPayload:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # A missing key, a bad uuid, a header with a line break (the email package refuses it): all final.
        raise MalformedPayload(f"the payload cannot become an e-mail: {type(error).__name__}: {error}") from None
    return message


def envelope_address(address: str) -> str:
    """The bare address of ``Name <addr>`` (what SMTP's MAIL FROM / RCPT TO take).

    Examples
    --------
    >>> envelope_address("Affärsträff <noreply@affarstraff.invalid>")
    'noreply@affarstraff.invalid'
    """
    return parseaddr(address)[1] or address


async def send_message(
    settings: MatcherSettings, message: EmailMessage, recipient: str, *, timeout: float = TIMEOUT_SECONDS
) -> Outcome:
    """Send to ``recipient`` over SMTP with the settings' server, credentials and STARTTLS choice; say how it ended.

    A 5xx reply to the message (recipient unknown, content refused) is final: stop. A 4xx reply, a
    connection error or a timeout: retry later. A refused login is a configuration problem an operator
    fixes, so it is retried too, not a reason to drop the e-mail.
    """
    if settings.smtp_host is None:
        return Outcome.retry("e-mail is off (MATCHER_SMTP_HOST is unset)")
    try:
        await aiosmtplib.send(
            message,
            sender=envelope_address(settings.mail_from),
            recipients=[envelope_address(recipient)],
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=secret_value(settings.smtp_password),
            start_tls=settings.smtp_starttls,
            timeout=timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refused.code for refused in error.recipients]
        detail = "; ".join(f"{r.recipient} refused: {r.code} {r.message}" for r in error.recipients)
        return Outcome.stop(detail) if all(code >= 500 for code in codes) else Outcome.retry(detail)
    except aiosmtplib.SMTPAuthenticationError as error:
        return Outcome.retry(f"the mail server refused our login ({error.code}): check MATCHER_SMTP_USERNAME/PASSWORD")
    except aiosmtplib.SMTPResponseException as error:
        detail = f"the mail server answered {error.code} {error.message}"
        return Outcome.stop(detail) if error.code >= 500 else Outcome.retry(detail)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        return Outcome.retry(f"cannot send e-mail now: {type(error).__name__}: {error}")
    return Outcome.delivered()
