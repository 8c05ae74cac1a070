"""Sign-in links by e-mail (SMTP with aiosmtplib), in Swedish with English below."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import aiosmtplib

from shared.settings import secret_value

from .settings import WebSettings

log = logging.getLogger("services.web.mail")


class MailNotSent(Exception):
    """The mail server could not be reached or refused the message."""


def sign_in_message(settings: WebSettings, to: str, organisation_name: str, url: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = f"Logga in på Affärsträff – {organisation_name}"
    message.set_content(
        f"Hej!\n\nHär är din inloggningslänk för {organisation_name}:\n\n{url}\n\n"
        "Länken gäller i 20 minuter och kan bara användas en gång. "
        "Har du inte bett om den kan du bortse från det här meddelandet.\n\n"
        f"---\n\nHere is your sign-in link for {organisation_name}:\n\n{url}\n\n"
        "It is valid for 20 minutes and works once. If you did not ask for it, ignore this message.\n"
    )
    return message


async def send(settings: WebSettings, message: EmailMessage) -> None:
    """Send one message; raise MailNotSent (the address is never logged, only that sending failed)."""
    if not settings.smtp_host:
        raise MailNotSent("no mail server is configured (WEB_SMTP_HOST)")
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=secret_value(settings.smtp_password),
            start_tls=settings.smtp_starttls,
            timeout=20,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        log.warning("sign-in mail not sent: %s", type(error).__name__)
        raise MailNotSent(type(error).__name__) from None


def password_link_message(settings: WebSettings, to: str, name: str, url: str) -> EmailMessage:
    """The forgotten-password mail ("Glömt lösenordet?"), Swedish first with English below."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = "Nytt lösenord för Affärsträff"
    greeting = f"Hej {name}!" if name else "Hej!"
    message.set_content(
        f"{greeting}\n\nMed den här länken väljer du ett nytt lösenord och loggar in:\n\n{url}\n\n"
        "Länken gäller i 20 minuter och kan bara användas en gång. "
        "Har du inte bett om den kan du bortse från det här meddelandet; ditt lösenord är oförändrat.\n\n"
        f"---\n\nWith this link you choose a new password and sign in:\n\n{url}\n\n"
        "It is valid for 20 minutes and works once. If you did not ask for it, ignore this message; "
        "your password is unchanged.\n"
    )
    return message
