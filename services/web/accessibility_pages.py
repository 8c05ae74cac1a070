"""The accessibility statement (``/tillganglighet``, tillgänglighetsredogörelse): what lag (2018:1937) om
tillgänglighet till digital offentlig service (13 §) asks of a public body's web service, in the order of
Digg's model statement: who stands behind the service, how accessible it is, what is not and why, how to
report a shortcoming (``WEB_ACCESSIBILITY_CONTACT``), the supervisory authority (Digg) and its form, how
the statement was made and when. Every footer links to it.

It states only what is so: the WCAG 2.1 AA target; the axe-core audit that every browser test runs on every
page it visits (tests/browser/conftest.py ``check_page``: WCAG 2.0/2.1 A and AA rules, a serious or
critical finding fails the run), which is an automated check, not a full audit; and the shortcomings
known when the statement was last reviewed (see the template). Change :data:`REVIEWED` when the
statement is reviewed again.
"""

from __future__ import annotations

from datetime import date

from aiohttp import web
from babel.dates import format_date

from . import i18n
from .render import LANGUAGE_KEY, render, settings_of
from .session import SESSION_SECONDS

MADE = date(2026, 12, 4)  # when the statement was first made
REVIEWED = date(2026, 12, 4)  # when the service was last assessed and this statement checked against it
DIGG_REPORT_FORM = "https://www.digg.se/tdosanmalan"  # Digg's "Anmäl bristande tillgänglighet"
WCAG = "https://www.w3.org/TR/WCAG21/"


async def accessibility_page(request: web.Request) -> web.Response:
    """The accessibility statement, for anyone (signed in or not)."""
    contact = settings_of(request).accessibility_contact
    language = request.get(LANGUAGE_KEY, i18n.DEFAULT_LANGUAGE)

    def plain(day: date) -> str:  # "4 december 2026", as a statement dates itself (no weekday)
        return format_date(day, "d MMMM y", locale=language)

    return render(
        request,
        "accessibility.html",
        {
            "contact": str(contact) if contact else None,
            "made": plain(MADE),
            "reviewed": plain(REVIEWED),
            "digg_form": DIGG_REPORT_FORM,
            "wcag_url": WCAG,
            "session_hours": SESSION_SECONDS // 3600,
        },
    )
