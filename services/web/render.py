"""Templates, the page middlewares (language, signed-in person, CSRF, security headers) and error pages.

Handlers stay thin: parse the form, call a service through :class:`~services.web.backend.Backend`,
then :func:`render` a template or redirect. A :class:`BackendError` that a handler does not catch
becomes a page saying what happened in words (401 sends the person to sign in); nothing technical,
no stack trace, reaches the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from shared import formatting, labels
from shared.auth import Role
from shared.proxies import forwarded_client
from shared.security_headers import content_security_policy
from shared.web import REQUEST_ID_KEY

from . import i18n
from .backend import Backend, BackendError
from .event_status_words import status_label
from .i18n import N_
from .i18n import gettext as _
from .keys import SETTINGS_KEY, TEMPLATES_KEY
from .session import (
    CSRF_FIELD,
    CSRF_HEADER,
    LANGUAGE_COOKIE,
    USER_KEY,
    clear_session,
    cookie_options,
    csrf_token,
    csrf_valid,
    remember_anonymous_cookie,
    session_token,
)
from .settings import WebSettings

log = logging.getLogger("services.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BACKEND_KEY = web.RequestKey("web_backend", Backend)
LANGUAGE_KEY = web.RequestKey("web_language", str)

# Scripts and styles only from our own origin, no inline code, forms post only to us; no framing and the
# rest of the lock-down as every service (shared.security_headers, which also sends nosniff and DENY).
CONTENT_SECURITY_POLICY = content_security_policy(
    default_src="'self'",
    script_src="'self'",
    style_src="'self'",
    img_src="'self' data:",
    connect_src="'self'",
    form_action="'self'",
)


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.filters.update(when=i18n.format_when, clock=i18n.format_clock, day=i18n.format_day)
    # The rest of shared.formatting and shared.labels, in the page language: {{ contact.phone|phone }},
    # {{ value|amount }}, {{ need.title|quoted }}, {{ event.time_zone|zone }}, {{ m.status|label("meeting_status") }}.
    env.filters.update(
        phone=_in_page_language(formatting.phone),
        amount=_in_page_language(formatting.amount),
        number=_in_page_language(formatting.number),
        quoted=_in_page_language(formatting.quoted),
        zone=_in_page_language(formatting.zone_name),
        label=lambda value, kind: labels.label(kind, value, i18n.current_language.get()),
        event_status=status_label,  # {{ event.status|event_status }}: shared.event_states' label
        sorted_sv=_sorted_sv,
    )
    return env


def _in_page_language(function: Callable[..., str]) -> Callable[..., str]:
    """A :mod:`shared.formatting` function as a filter: the value, the page language, then the filter's arguments."""
    return lambda value, *args: function(value, i18n.current_language.get(), *args)


def _sorted_sv(items: Iterable[Any], attribute: str | None = None) -> list[Any]:
    """``{{ municipalities|sorted_sv("name") }}``: in Swedish alphabetical order (å, ä, ö after z)."""
    return formatting.sorted_sv(items, key=(lambda item: item[attribute]) if attribute else None)


def settings_of(request: web.Request) -> WebSettings:
    return request.app[SETTINGS_KEY]


def backend(request: web.Request) -> Backend:
    return request[BACKEND_KEY]


def user(request: web.Request) -> dict[str, Any] | None:
    """The signed-in person's principal (role, organisation_id, label), or None."""
    return request.get(USER_KEY)


def language_url(request: web.Request, language: str) -> str:
    """This page in another language (GET pages only; the choice is remembered in a cookie)."""
    query = {k: v for k, v in request.query.items() if k != "lang"}
    query["lang"] = language
    return str(request.rel_url.with_query(query))


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    """A page from ``templates/``, with what every page needs in its context."""
    env = request.app[TEMPLATES_KEY]
    language = request.get(LANGUAGE_KEY, i18n.DEFAULT_LANGUAGE)
    base = {
        "request_path": request.path,
        "lang": language,
        "other_language": "en" if language == "sv" else "sv",
        "other_language_url": language_url(request, "en" if language == "sv" else "sv"),
        "user": user(request),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request, settings_of(request)),
        "static": lambda name: str(request.app.router["static"].url_for(filename=name)),
        "form": {},
        "errors": {},
    }
    base.update(context or {})
    html = env.get_template(template).render(base)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def redirect(location: str) -> web.HTTPSeeOther:
    """After a successful POST: 303 so a reload does not post again."""
    return web.HTTPSeeOther(location)


def require_user(request: web.Request, *roles: Role) -> dict[str, Any]:
    """The signed-in person, or off to sign in (then back here); 403 when their role may not see the page."""
    person = user(request)
    if person is None:
        raise web.HTTPSeeOther("/logga-in?next=" + quote(request.path_qs, safe=""))
    allowed = {role.value for role in roles} | {Role.ORGANISER.value}
    if Role.ORGANISER in roles:
        allowed.add(Role.SUPPORTER.value)  # a supporter opens organiser pages; the services decide per event
    if roles and person["role"] not in allowed:
        raise BackendError(403)
    return person


def safe_next(value: str | None, default: str) -> str:
    """Only our own paths are followed after sign-in (no open redirect to another site).

    Examples
    --------
    >>> safe_next("/foretag", "/"), safe_next("//evil.example", "/"), safe_next("https://x", "/")
    ('/foretag', '/', '/')

    Browsers drop tabs and line breaks from a URL before reading it, so ``/<tab>/evil.example``
    would become ``//evil.example``: any control character is refused too.

    >>> safe_next("/\\t/evil.example", "/"), safe_next("/\\n/evil.example", "/"), safe_next("/kopare?x=1", "/")
    ('/', '/', '/kopare?x=1')
    """
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)
    ):
        return value
    return default


_ERROR_TEXTS = {
    400: (N_("Något i förfrågan stämmer inte"), N_("Gå tillbaka och försök igen.")),
    403: (N_("Du har inte behörighet"), N_("Din inloggning får inte visa eller ändra det här.")),
    404: (N_("Sidan finns inte"), N_("Det du söker finns inte, eller så har det tagits bort.")),
    409: (N_("Det gick inte just nu"), N_("Någon annan ändrade samma sak samtidigt. Ladda om sidan och försök igen.")),
    413: (N_("Filen är för stor"), N_("Skicka en mindre fil, eller dela upp innehållet i flera.")),
    429: (N_("För många försök"), N_("Vänta en stund och försök igen.")),
    503: (N_("Tjänsten svarar inte just nu"), N_("Försök igen om en liten stund.")),
}


# Seconds a browser (or a proxy) is told to wait on a 503 the services gave no Retry-After for.
DEFAULT_RETRY_AFTER = "5"


def error_page(request: web.Request, status: int, retry_after: str | None = None) -> web.Response:
    title, body = _ERROR_TEXTS.get(status, (N_("Något gick fel"), N_("Försök igen om en liten stund.")))
    shown = status if status in _ERROR_TEXTS else 500
    response = render(
        request,
        "error.html",
        {"title": _(title), "message": _(body), "status": shown, "request_id": request.get(REQUEST_ID_KEY)},
        status=shown,
    )
    if shown == 503 or (shown == 429 and retry_after):
        response.headers["Retry-After"] = retry_after if retry_after and retry_after.isdigit() else DEFAULT_RETRY_AFTER
    return response


@web.middleware
async def page_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Language, signed-in person, CSRF check, error pages and security headers for every page."""
    settings = settings_of(request)
    language = i18n.pick_language(request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
    request[LANGUAGE_KEY] = language
    language_token = i18n.current_language.set(language)
    token = session_token(request, settings)
    visitor = forwarded_client(
        request.remote, ",".join(request.headers.getall("X-Forwarded-For", [])) or None, settings.trusted_proxies
    )
    request[BACKEND_KEY] = Backend(request.app, settings, token, request.get(REQUEST_ID_KEY), visitor)
    drop_session = False
    try:
        try:
            if token and not request.path.startswith("/static/"):
                try:
                    request[USER_KEY] = await request[BACKEND_KEY].get("registry", "/auth/whoami")
                except BackendError as error:
                    if error.status != 401:
                        raise  # the registry away: the error page below, session kept
                    drop_session = True  # expired or revoked: carry on signed out
                    request[BACKEND_KEY].token = None
            if request.method == "POST":
                form = await request.post()
                field = form.get(CSRF_FIELD)
                # Our forms send the token as text; a file or bytes under its name is no token (as if missing).
                sent = (field if isinstance(field, str) else None) or request.headers.get(CSRF_HEADER)
                if not csrf_valid(request, settings, sent):
                    log.warning("form without a valid CSRF token on %s", request.path)
                    response: web.StreamResponse = error_page(request, 400)
                    return _finish(request, response, settings, drop_session, language)
            response = await handler(request)
        except BackendError as error:
            if error.status == 401:
                response = web.HTTPSeeOther("/logga-in?next=" + quote(request.path_qs, safe=""))
                drop_session = True
            else:
                if error.status >= 500:
                    log.warning("a service failed for %s: %s", request.path, error)
                response = error_page(request, error.status if error.status in _ERROR_TEXTS else 503, error.retry_after)
        except web.HTTPMove as redirection:  # a redirect with a Location (not a 304, which has none)
            response = web.Response(status=redirection.status, headers={"Location": str(redirection.location)})
            for name, morsel in redirection.cookies.items():
                response.cookies[name] = morsel
        except web.HTTPException as error:
            if error.status < 400:
                raise
            response = error_page(request, error.status)
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            response = error_page(request, 500)
        return _finish(request, response, settings, drop_session, language)
    finally:
        i18n.current_language.reset(language_token)


def _finish(
    request: web.Request, response: web.StreamResponse, settings: WebSettings, drop_session: bool, language: str
) -> web.StreamResponse:
    if drop_session:
        clear_session(response, settings)
    if "lang" in request.query and language == request.query["lang"]:
        response.set_cookie(LANGUAGE_COOKIE, language, **cookie_options(settings, 365 * 24 * 3600))
    remember_anonymous_cookie(request, response, settings)
    headers = response.headers
    # nosniff and frame denial come from shared.security_headers, as on every service's answers.
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        # Pages show personal data: never kept by shared caches or the browser's back-forward cache.
        headers.setdefault("Cache-Control", "no-store")
    return response
