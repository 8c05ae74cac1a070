"""Who is signed in, and CSRF protection for every form.

The session cookie holds the person's API token (issued by the registry at sign-in, valid 12 hours,
revoked at sign-out): ``HttpOnly`` so scripts cannot read it, ``Secure``, ``SameSite=Lax`` so other
sites cannot send it with a form, and under the ``__Host-`` prefix when secure so no subdomain can
set it. Every POST must also carry a CSRF token: an HMAC of the session token (or, before sign-in,
of a random cookie) under ``WEB_SECRET``, so a page on another site cannot forge one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from aiohttp import web

from shared.settings import secret_value

from .settings import WebSettings

SESSION_COOKIE = "atr_session"
ANON_COOKIE = "atr_anon"
LANGUAGE_COOKIE = "atr_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 12 * 3600

USER_KEY = web.RequestKey("web_user", dict)
ANON_NEW_KEY = web.RequestKey("web_anon_new", str)


def cookie_name(settings: WebSettings, base: str) -> str:
    """``__Host-`` names need Secure, path / and no domain; we meet all three when secure."""
    return f"__Host-{base}" if settings.cookie_secure else base


def cookie_options(settings: WebSettings, max_age: int | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"httponly": True, "secure": settings.cookie_secure, "samesite": "Lax", "path": "/"}
    if max_age is not None:
        options["max_age"] = max_age
    return options


def session_token(request: web.Request, settings: WebSettings) -> str | None:
    return request.cookies.get(cookie_name(settings, SESSION_COOKIE)) or None


def set_session(response: web.StreamResponse, settings: WebSettings, token: str) -> None:
    response.set_cookie(cookie_name(settings, SESSION_COOKIE), token, **cookie_options(settings, SESSION_SECONDS))


def clear_session(response: web.StreamResponse, settings: WebSettings) -> None:
    response.del_cookie(cookie_name(settings, SESSION_COOKIE), path="/", secure=settings.cookie_secure, samesite="Lax")


def _anon_value(request: web.Request, settings: WebSettings) -> str:
    """The random value anonymous forms are bound to (made, and later set as a cookie, on first use)."""
    value = request.cookies.get(cookie_name(settings, ANON_COOKIE)) or request.get(ANON_NEW_KEY)
    if not value:
        value = secrets.token_urlsafe(24)
        request[ANON_NEW_KEY] = value
    return value


def csrf_token(request: web.Request, settings: WebSettings) -> str:
    """The token forms of this page must send back.

    Examples
    --------
    >>> len(_mac("k" * 32, "session:x"))
    43
    """
    token = session_token(request, settings)
    subject = f"session:{token}" if token else f"anon:{_anon_value(request, settings)}"
    return _mac(secret_value(settings.secret) or "", subject)


def _mac(key: str, subject: str) -> str:
    digest = hmac.new(key.encode(), subject.encode(), hashlib.sha256).digest()

    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_valid(request: web.Request, settings: WebSettings, sent: str | None) -> bool:
    """Whether ``sent`` is the token this browser's forms carry (compared in constant time)."""
    if not sent:
        return False
    token = session_token(request, settings)
    key = secret_value(settings.secret) or ""
    anon = request.cookies.get(cookie_name(settings, ANON_COOKIE))
    candidates = [f"session:{token}"] if token else []
    # A form rendered before sign-in may be posted after it (e.g. a second tab); accept its anonymous token.
    if anon:
        candidates.append(f"anon:{anon}")
    return any(hmac.compare_digest(_mac(key, subject), sent) for subject in candidates)


def remember_anonymous_cookie(request: web.Request, response: web.StreamResponse, settings: WebSettings) -> None:
    """Set the anonymous-form cookie if this page made one."""
    value = request.get(ANON_NEW_KEY)
    if value and not response.prepared:
        response.set_cookie(cookie_name(settings, ANON_COOKIE), value, **cookie_options(settings))
