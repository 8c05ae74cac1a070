"""Sign-in and sign-out: organisers and buyers with e-mail and password, SMEs with an e-mailed link.

Sign-in links are redeemed by a POST from a confirmation page, not by opening the link: mail
scanners that open links would otherwise spend them before the person does.
"""

from __future__ import annotations

import contextlib

from aiohttp import web

from shared.auth import Role

from . import public_event_pages
from .backend import BackendError
from .forms import text
from .i18n import gettext as _
from .mail import MailNotSent, send, sign_in_message
from .render import backend, redirect, render, safe_next, settings_of, user
from .session import clear_session, set_session

START_PAGES = {
    Role.ORGANISER.value: "/arrangor",
    Role.BUYER.value: "/kopare",
    Role.SME.value: "/foretag",
    Role.SUPPORTER.value: "/arrangor",  # its granted events only (the registry lists no others)
    Role.ADVISER.value: "/radgivare",  # the firms it gives individual support (support_pages.py)
}


def start_page(role: str, event_id: str | None = None) -> str:
    if role == Role.HOST.value and event_id:
        return f"/arrangor/evenemang/{event_id}/reception"  # a host has the one event's reception
    return START_PAGES.get(role, "/")


async def home(request: web.Request) -> web.Response:
    """The front page: where to start, or straight to one's own start page when signed in."""
    person = user(request)
    if person is not None and start_page(person["role"], person.get("event_id")) != "/":
        raise redirect(start_page(person["role"], person.get("event_id")))
    return render(request, "home.html", {"coming_events": await public_event_pages.coming_events(request)})


async def login_form(request: web.Request) -> web.Response:
    return render(request, "login.html", {"next": safe_next(request.query.get("next"), "")})


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    email, password = text(form, "email"), str(form.get("password", ""))
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = _("Fyll i din e-postadress.")
    if not password:
        errors["password"] = _("Fyll i ditt lösenord.")
    if not errors:
        try:
            session = await backend(request).post(
                "registry", "/auth/login", {"email": email, "password": password}, anonymous=True
            )
        except BackendError as error:
            if error.status == 429:
                # A short pause for the account, or this address over its limit: either way the
                # e-mailed link ("Glömt lösenordet?") still signs the owner in at once.
                errors["_form"] = _(
                    "För många misslyckade försök. Vänta en stund och försök igen, eller välj "
                    "”Glömt lösenordet?” för att logga in med en länk via e-post."
                )
            elif error.status in (401, 422):
                errors["_form"] = _("E-postadressen eller lösenordet stämmer inte.")
            else:
                raise
        else:
            response = web.HTTPSeeOther(safe_next(text(form, "next"), start_page(session["role"])))
            set_session(response, settings_of(request), session["token"])
            raise response
    # The password is never sent back to the page.
    context = {"form": {"email": email or ""}, "errors": errors, "next": safe_next(text(form, "next"), "")}
    return render(request, "login.html", context, status=422)


async def link_form(request: web.Request) -> web.Response:
    return render(request, "link_request.html")


async def send_link(request: web.Request) -> web.Response:
    """Mail a sign-in link to every firm with this contact address; the page says the same either way."""
    form = await request.post()
    email = text(form, "email")
    if not email or "@" not in email:
        errors = {"email": _("Skriv den e-postadress ni angav när företaget registrerades.")}
        return render(request, "link_request.html", {"form": {"email": email or ""}, "errors": errors}, status=422)
    settings = settings_of(request)
    try:
        answer = await backend(request).post("registry", "/auth/sign-in-links", {"email": email}, as_service=True)
    except BackendError as error:
        if error.status != 429:
            raise
        errors = {"email": _("Vi har nyss skickat länkar till den adressen. Vänta en kvart och försök igen.")}
        return render(request, "link_request.html", {"form": {"email": email}, "errors": errors}, status=429)
    shown: list[dict[str, str]] = []
    failed = False
    for link in answer["links"]:
        url = f"{str(settings.public_url).rstrip('/')}/logga-in/lank/{link['token']}"
        if settings.dev_show_sign_in_links:
            shown.append({"name": link["organisation_name"], "url": url})
            continue
        try:
            await send(settings, sign_in_message(settings, email, link["organisation_name"], url))
        except MailNotSent:
            failed = True
    return render(request, "link_sent.html", {"dev_links": shown, "failed": failed})


async def link_confirm(request: web.Request) -> web.Response:
    return render(request, "link_confirm.html", {"token": request.match_info["token"]})


async def redeem_link(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    try:
        session = await backend(request).post(
            "registry", "/auth/sign-in-links/redeem", {"token": token}, anonymous=True
        )
    except BackendError as error:
        if error.status not in (401, 404, 410, 422):
            raise
        return render(request, "link_confirm.html", {"token": None, "expired": True}, status=410)
    response = web.HTTPSeeOther(start_page(session["role"]))
    set_session(response, settings_of(request), session["token"])
    raise response


async def logout(request: web.Request) -> web.Response:
    if user(request) is not None:
        # The cookie goes either way; a token the registry failed to revoke still expires within 12 hours.
        with contextlib.suppress(BackendError):
            await backend(request).post("registry", "/auth/logout")
    response = web.HTTPSeeOther("/")
    clear_session(response, settings_of(request))
    raise response
