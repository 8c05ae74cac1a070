"""Password hashing for web accounts: scrypt from the standard library, no extra dependency.

Stored form: ``scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>``. The parameters travel with each hash,
so they can be raised later without invalidating stored passwords. N=2**14, r=8, p=1 costs about
16 MiB and some 40 ms per check: slow enough to make guessing a leaked table expensive, fast enough
for a login form. Hashing runs in a thread (:func:`hash_password`, :func:`verify_password`) so the
event loop keeps answering other requests meanwhile.

Passwords are normalised to Unicode NFC first: the same "å" typed on different systems can arrive
composed or decomposed, and must verify either way.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import hmac
import secrets
import unicodedata

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
KEY_BYTES = 32
SALT_BYTES = 16
# Stored parameters above these are refused rather than computed: a corrupted or hostile row must
# not make a login allocate gigabytes.
_MAX_N, _MAX_R, _MAX_P = 2**17, 16, 4
_MAXMEM = 128 * _MAX_R * _MAX_N * 2


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    normalised = unicodedata.normalize("NFC", password).encode("utf-8")
    return hashlib.scrypt(normalised, salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_MAXMEM)


def hash_password_sync(password: str, *, salt: bytes | None = None) -> str:
    """The stored form of ``password`` under a new random salt (or ``salt``, for tests).

    Parameters
    ----------
    password
        The password as typed.
    salt
        16 bytes; a fresh random salt when omitted (always, outside tests).

    Returns
    -------
    str
        ``scrypt$16384$8$1$<salt>$<hash>``, base64 with padding.

    Examples
    --------
    >>> hash_password_sync("correct horse battery", salt=bytes(16))
    'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$VOu9yU93MAPRMAyB8afam0JVM+87Myp/+GerZ1YkZZM='
    >>> hash_password_sync("x") != hash_password_sync("x")  # salted
    True
    """
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = _derive(password, salt, N, R, P, KEY_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password_sync(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored form; False (never an error) for a malformed one.

    Examples
    --------
    >>> stored = hash_password_sync("correct horse battery")
    >>> verify_password_sync("correct horse battery", stored)
    True
    >>> verify_password_sync("correct horse batterY", stored)
    False
    >>> verify_password_sync("lösenord åäö 123", hash_password_sync("lösenord a\\u030aäö 123"))
    True
    >>> verify_password_sync("anything", "md5$abc")
    False
    """
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        n, r, p = (int(value) for value in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P and expected):
        return False
    try:
        key = _derive(password, salt, n, r, p, len(expected))
    except ValueError:  # parameters OpenSSL refuses
        return False
    return hmac.compare_digest(key, expected)


async def hash_password(password: str) -> str:
    """:func:`hash_password_sync` in a worker thread."""
    return await asyncio.to_thread(hash_password_sync, password)


async def verify_password(password: str, stored: str) -> bool:
    """:func:`verify_password_sync` in a worker thread."""
    return await asyncio.to_thread(verify_password_sync, password, stored)


@functools.cache
def _dummy_hash() -> str:
    return hash_password_sync(secrets.token_urlsafe(16))


async def verify_against_dummy(password: str) -> bool:
    """Spend the time of a real check when there is no account, so response times do not tell
    which e-mail addresses have one. Always False."""
    await verify_password(password, await asyncio.to_thread(_dummy_hash))
    return False
