"""The privacy page (``/integritet``): what personal data is kept, why, for how long, who sees it and how to
have it erased. Every form that asks for contact details links to it, and so does every page's footer.

It states only what the code does: nothing is deleted on a timer after an event (data stays until the
organisation is erased), sign-in links last 20 minutes and are purged a day later, a signed-in session
lasts at most 12 hours, contacts are shown to counterparts only once a schedule is published, and an
erasure (the registry's ``DELETE /organisations/{id}``) removes contacts, accounts and links while
published meetings stay as "Borttagen organisation".
"""

from __future__ import annotations

from aiohttp import web

from .render import render
from .session import SESSION_SECONDS

SIGN_IN_LINK_MINUTES = 20  # services/registry/sign_in_links.py: a link is good once, for 20 minutes


async def privacy_page(request: web.Request) -> web.Response:
    """The privacy notice, for anyone (signed in or not)."""
    return render(
        request,
        "privacy.html",
        {"session_hours": SESSION_SECONDS // 3600, "link_minutes": SIGN_IN_LINK_MINUTES},
    )
