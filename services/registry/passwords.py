"""Password hashing for web accounts: Argon2id (``argon2-cffi``) at OWASP's parameters.

Stored form: the PHC string ``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``, which carries its own
parameters, so they can be raised later without invalidating stored passwords. m=19 MiB, t=2, p=1 is
the first of OWASP's Password Storage Cheat Sheet's equivalent Argon2id settings: about 100 ms to
hash and 30-60 ms to check on this project's 2-core machines. Hashing runs in a thread
(:func:`hash_password`, :func:`verify_password`) so the event loop keeps answering meanwhile.

Older accounts hold ``scrypt$<N>$<r>$<p>$<salt>$<hash>`` (N=2**14, below OWASP's minimum of 2**17).
Those still verify, and :func:`needs_rehash` says so, so that the login re-hashes the password with
Argon2id once it has seen it (the only moment the plain password is known).

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

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2_PREFIX = "$argon2id$"
# OWASP: Argon2id with m=19456 KiB, t=2, p=1 (or an equivalent trade of memory for passes).
TIME_COST, MEMORY_COST_KIB, PARALLELISM = 2, 19_456, 1
_HASHER = argon2.PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=argon2.Type.ID,
)
# Stored parameters above these are refused rather than computed: a corrupted or hostile row must
# not make a login allocate gigabytes or spin for minutes.
_MAX_MEMORY_KIB, _MAX_TIME, _MAX_PARALLELISM = 256 * 1024, 10, 8

LEGACY_SCHEME = "scrypt"
_SCRYPT_MAX_N, _SCRYPT_MAX_R, _SCRYPT_MAX_P = 2**17, 16, 4
_SCRYPT_MAXMEM = 128 * _SCRYPT_MAX_R * _SCRYPT_MAX_N * 2


def _normalised(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def hash_password_sync(password: str) -> str:
    """The stored form of ``password``: Argon2id under a fresh random salt.

    Examples
    --------
    >>> stored = hash_password_sync("correct horse battery")
    >>> stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    True
    >>> hash_password_sync("x") != hash_password_sync("x")  # salted
    True
    """
    return _HASHER.hash(_normalised(password))


def _argon2_parameters_acceptable(stored: str) -> bool:
    try:
        parameters = argon2.extract_parameters(stored)
    except InvalidHashError:
        return False
    return (
        parameters.type is argon2.Type.ID
        and parameters.memory_cost <= _MAX_MEMORY_KIB
        and parameters.time_cost <= _MAX_TIME
        and parameters.parallelism <= _MAX_PARALLELISM
    )


def _verify_scrypt(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != LEGACY_SCHEME:
        return False
    try:
        n, r, p = (int(value) for value in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= _SCRYPT_MAX_N and n & (n - 1) == 0 and 1 <= r <= _SCRYPT_MAX_R and 1 <= p <= _SCRYPT_MAX_P):
        return False
    if not expected:
        return False
    try:
        key = hashlib.scrypt(
            _normalised(password).encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=_SCRYPT_MAXMEM
        )
    except ValueError:  # parameters OpenSSL refuses
        return False
    return hmac.compare_digest(key, expected)


def verify_password_sync(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored form (Argon2id, or a legacy scrypt one); False, never an
    error, for a malformed or hostile one.

    Examples
    --------
    >>> stored = hash_password_sync("correct horse battery")
    >>> verify_password_sync("correct horse battery", stored)
    True
    >>> verify_password_sync("correct horse batterY", stored)
    False
    >>> verify_password_sync("lösenord åäö 123", hash_password_sync("lösenord a\\u030aäö 123"))
    True
    >>> legacy = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$VOu9yU93MAPRMAyB8afam0JVM+87Myp/+GerZ1YkZZM="
    >>> verify_password_sync("correct horse battery", legacy), verify_password_sync("wrong", legacy)
    (True, False)
    >>> verify_password_sync("anything", "md5$abc")
    False
    >>> verify_password_sync("x", "$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43)
    False
    """
    if stored.startswith(ARGON2_PREFIX):
        if not _argon2_parameters_acceptable(stored):
            return False
        try:
            return _HASHER.verify(stored, _normalised(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return _verify_scrypt(password, stored)


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash that just verified should be replaced: legacy scrypt, or Argon2id with
    other parameters than today's.

    Examples
    --------
    >>> needs_rehash(hash_password_sync("x"))
    False
    >>> needs_rehash("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$VOu9yU93MAPRMAyB8afam0JVM+87Myp/+GerZ1YkZZM=")
    True
    """
    if not stored.startswith(ARGON2_PREFIX):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


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
