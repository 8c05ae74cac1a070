"""Forgotten passwords ("Glömt lösenordet?") for organisers and buyers, on the sign-in link machinery.

Someone types their address on ``/logga-in/glomt``; the registry makes a one-time link if the address
has an account, and this front end mails it (or shows it, in local development without a mail
server). The page says the same whether or not the address has an account. The link's page asks for
the new password behind a button, so that mail scanners opening the link spend nothing; sending it
sets the password (Argon2id, in the registry), ends the account's other sessions and signs in.

This is also the way in while someone else's wrong guesses make password logins wait: the limit on
failed logins does not apply to links.
"""

from __future__ import annotations

from aiohttp import web

from .auth_pages import start_page
from .backend import BackendError
from .forms import text
from .i18n import gettext as _
from .mail import MailNotSent, password_link_message, send
from .render import backend, render, settings_of
from .session import set_session

PASSWORD_MIN, PASSWORD_MAX = 12, 200


async def forgot_form(request: web.Request) -> web.Response:
    return render(request, "password_forgot.html")


async def send_password_link(request: web.Request) -> web.Response:
    """Mail a link to set a new password; the page says the same whether or not the address has an account."""
    form = await request.post()
    email = text(form, "email")
    if not email or "@" not in email:
        errors = {"email": _("Skriv e-postadressen som du loggar in med.")}
        return render(request, "password_forgot.html", {"form": {"email": email or ""}, "errors": errors}, status=422)
    settings = settings_of(request)
    try:
        answer = await backend(request).post("registry", "/auth/password-links", {"email": email}, as_service=True)
    except BackendError as error:
        if error.status == 429:
            errors = {"email": _("Vi har nyss skickat länkar till den adressen. Vänta en kvart och försök igen.")}
            return render(request, "password_forgot.html", {"form": {"email": email}, "errors": errors}, status=429)
        if error.status != 422:
            raise
        # The registry's stricter address check: the same answer as for an address without an account.
        answer = {"links": []}
    shown: list[dict[str, str]] = []
    failed = False
    for link in answer["links"]:
        url = f"{str(settings.public_url).rstrip('/')}/logga-in/glomt/{link['token']}"
        if settings.dev_show_sign_in_links:
            shown.append({"name": link["name"] or email, "url": url})
            continue
        try:
            await send(settings, password_link_message(settings, email, link["name"], url))
        except MailNotSent:
            failed = True
    return render(request, "password_sent.html", {"dev_links": shown, "failed": failed})


async def reset_form(request: web.Request) -> web.Response:
    return render(request, "password_reset.html", {"token": request.match_info["token"]})


async def reset_password(request: web.Request) -> web.Response:
    """Set the new password with the link's token, and sign in."""
    token = request.match_info["token"]
    form = await request.post()
    password, repeated = str(form.get("password", "")), str(form.get("password_again", ""))
    errors: dict[str, str] = {}
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors["password"] = _("Lösenordet ska ha 12 till 200 tecken.")
    elif password != repeated:
        errors["password_again"] = _("Lösenorden är inte lika.")
    if errors:
        # Nothing is sent: the link stays unused, and the passwords are never sent back to the page.
        return render(request, "password_reset.html", {"token": token, "errors": errors}, status=422)
    try:
        session = await backend(request).post(
            "registry", "/auth/password-links/redeem", {"token": token, "password": password}, anonymous=True
        )
    except BackendError as error:
        if error.status == 422 and any(e.get("pointer") == "/password" for e in error.field_errors):
            errors = {"password": _("Lösenordet ska ha 12 till 200 tecken.")}
            return render(request, "password_reset.html", {"token": token, "errors": errors}, status=422)
        if error.status not in (401, 404, 410, 422):
            raise
        return render(request, "password_reset.html", {"token": None, "expired": True}, status=410)
    response = web.HTTPSeeOther(start_page(session["role"]))
    set_session(response, settings_of(request), session["token"])
    raise response
