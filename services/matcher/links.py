"""Per-participant agenda links for people without accounts: ``{public_url}/a/{token}``.

A link's token is derived from its row id with a keyed hash (HMAC-SHA256 under ``MATCHER_LINK_SECRET``),
so it is never stored: the database keeps the row id and a SHA-256 of the token (for lookups), and the
matcher can put the same link into every e-mail it sends for that participant. Revoking the row ends the
link; rotating the secret ends every link.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from uuid import UUID

from shared.settings import secret_value

from .settings import MatcherSettings

_LINK_KEY_LABEL = b"affarstraff agenda links v1"
_MAC_BYTES = 16


class LinkSecretMissing(RuntimeError):
    """Neither MATCHER_LINK_SECRET nor MATCHER_SERVICE_TOKEN is set, so no link can be made or checked."""


def link_key(settings: MatcherSettings) -> bytes:
    """The key links are signed with: the link secret, else one derived from the service token."""
    secret = secret_value(settings.link_secret)
    if secret is not None:
        return secret.encode()
    service_token = secret_value(settings.service_token)
    if service_token is None:
        raise LinkSecretMissing("set MATCHER_LINK_SECRET (or MATCHER_SERVICE_TOKEN) to use agenda links")
    return _derived_key(service_token)


@functools.lru_cache(maxsize=8)
def _derived_key(service_token: str) -> bytes:
    # Every link read asks for the key: derived once per token, not once per read.
    return hmac.new(service_token.encode(), _LINK_KEY_LABEL, hashlib.sha256).digest()


def token_for(key: bytes, link_id: UUID) -> str:
    """The link token of ``link_id``: 16 id bytes and a 16-byte MAC, URL-safe base64 without padding.

    Examples
    --------
    >>> token = token_for(b"k" * 32, UUID(int=1))
    >>> len(token), link_id_of(b"k" * 32, token) == UUID(int=1), link_id_of(b"x" * 32, token)
    (43, True, None)
    """
    mac = hmac.new(key, link_id.bytes, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(link_id.bytes + mac).rstrip(b"=").decode()


def link_id_of(key: bytes, token: str) -> UUID | None:
    """The link id a token stands for, or None when it is malformed or not signed with ``key``.

    Examples
    --------
    >>> link_id_of(b"k" * 32, "not-a-token") is None
    True
    """
    if len(token) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 + _MAC_BYTES:
        return None
    link_id = UUID(bytes=raw[:16])
    expected = hmac.new(key, link_id.bytes, hashlib.sha256).digest()[:_MAC_BYTES]
    return link_id if hmac.compare_digest(expected, raw[16:]) else None


def token_hash(token: str) -> bytes:
    """What the database keeps of a token (32 bytes)."""
    return hashlib.sha256(token.encode()).digest()


def agenda_link_url(settings: MatcherSettings, link_id: UUID) -> str:
    """The full URL of a participant's agenda link, as sent in e-mails."""
    return _link_url(str(settings.public_url), link_key(settings), link_id)


@functools.lru_cache(maxsize=65_536)
def _link_url(public_url: str, key: bytes, link_id: UUID) -> str:
    # A link read names its own URL (the QR code of its HTML and PDF): one HMAC per link, not per read.
    return f"{public_url.rstrip('/')}/a/{token_for(key, link_id)}"
