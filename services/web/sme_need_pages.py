"""A firm's view of one upcoming procurement, and what it follows.

``/foretag/behov/{need_id}`` shows the need as firms may see it (what, who buys, when, roughly how much,
and where its procurement stands: planned, advertised with the last day for tenders, awarded) with two
buttons: follow this need, or its whole CPV division. A firm that follows is e-mailed when the need moves
(the matcher's ``need.stage`` notices; the e-mail links back here). ``/foretag/foljer`` lists the firm's
follows with a button to stop each. The registry decides what a firm may see and follow
(``/organisations/{id}/follows``); these pages only ask it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from shared.reference.cpv import cpv_label

from .backend import BackendError
from .i18n import N_, NP_
from .i18n import gettext as _
from .pages_common import money, page_language, path_uuid
from .render import backend, error_page, redirect, render
from .sme_pages import require_sme

STAGES = {
    "planned": NP_("procurement stage", "Planerad"),
    "tender": N_("Annonserad"),
    "awarded": N_("Tilldelad"),
    "contract": N_("Avtal tecknat"),
    "cancelled": N_("Avbruten"),
    "unsuccessful": N_("Avbruten (utan tilldelning)"),
}
FOLLOWED_FLASH = {
    "need": N_("Ni följer nu upphandlingen och får e-post när den går vidare."),
    "division": N_("Ni följer nu hela området och får e-post när upphandlingar inom det går vidare."),
    "stopped": N_("Ni följer den inte längre."),
}


def need_path(need_id: Any) -> str:
    return f"/foretag/behov/{need_id}"


def division_of(need: dict[str, Any]) -> str:
    """The CPV division (first two digits) of a need's main code.

    Examples
    --------
    >>> division_of({"cpv_main": "90910000"})
    '90'
    """
    return need["cpv_main"][:2]


def following(follows: list[dict[str, Any]], need: dict[str, Any]) -> dict[str, bool]:
    """Whether the firm follows this need itself, and its division.

    Examples
    --------
    >>> follows = [{"need_id": None, "cpv_division": "90"}, {"need_id": "n2", "cpv_division": None}]
    >>> following(follows, {"id": "n1", "cpv_main": "90910000"})
    {'need': False, 'division': True}
    """
    return {
        "need": any(follow["need_id"] == need["id"] for follow in follows),
        "division": any(follow["cpv_division"] == division_of(need) for follow in follows),
    }


async def _follows(request: web.Request, organisation_id: str) -> list[dict[str, Any]]:
    listing = await backend(request).get("registry", f"/organisations/{organisation_id}/follows")
    return listing["items"]


async def need_page(request: web.Request) -> web.Response:
    """GET /foretag/behov/{need_id}: the need, where its procurement stands, and the follow buttons."""
    person = require_sme(request)
    need_id = path_uuid(request, "need_id")
    need, follows = await asyncio.gather(
        backend(request).get("registry", f"/needs/{need_id}"), _follows(request, person["organisation_id"])
    )
    lang = page_language()
    procurement = need.get("procurement") or {}
    division = division_of(need)
    context = {
        "need": need,
        "cpv_text": cpv_label(need["cpv_main"], lang),
        "division": division,
        "division_text": cpv_label(f"{division}000000", lang),
        "value_text": money(need.get("estimated_value_sek")),
        "stage": _(STAGES.get(procurement.get("stage") or "planned", STAGES["planned"])),
        "procurement": procurement,
        "following": following(follows, need),
        "flash": _(FOLLOWED_FLASH[request.query["klart"]]) if request.query.get("klart") in FOLLOWED_FLASH else None,
    }
    return render(request, "sme/need.html", context)


async def change_follow(request: web.Request) -> web.Response:
    """POST /foretag/behov/{need_id}/folj: follow or stop following the need (``vad=behov``) or its division."""
    person = require_sme(request)
    need_id = path_uuid(request, "need_id")
    form = await request.post()
    what, action = form.get("vad"), form.get("gora")
    if what not in ("behov", "omrade") or action not in ("folj", "sluta"):
        return error_page(request, 400)  # only a hand-made form gets here
    path = f"/organisations/{person['organisation_id']}/follows"
    if what == "behov":
        target: dict[str, str] = {"need_id": str(need_id)}
    else:
        need = await backend(request).get("registry", f"/needs/{need_id}")
        target = {"cpv_division": division_of(need)}
    if action == "folj":
        await backend(request).post("registry", path, target)
        done = "need" if what == "behov" else "division"
    else:
        try:
            await backend(request).delete("registry", path, params=target)
        except BackendError as error:
            if error.status != 404:  # not followed (any more): the wish is already true
                raise
        done = "stopped"
    back = form.get("tillbaka")
    if back == "lista":
        raise redirect(f"/foretag/foljer?klart={done}")
    raise redirect(f"{need_path(need_id)}?klart={done}")


async def follows_page(request: web.Request) -> web.Response:
    """GET /foretag/foljer: what the firm follows, each with a button to stop."""
    person = require_sme(request)
    follows = await _follows(request, person["organisation_id"])
    lang = page_language()
    for follow in follows:
        if follow["cpv_division"]:
            follow["label"] = cpv_label(f"{follow['cpv_division']}000000", lang)
    context = {
        "needs": [follow for follow in follows if follow["need_id"]],
        "divisions": [follow for follow in follows if follow["cpv_division"]],
        "flash": _(FOLLOWED_FLASH[request.query["klart"]]) if request.query.get("klart") in FOLLOWED_FLASH else None,
    }
    return render(request, "sme/follows.html", context)


async def stop_following_division(request: web.Request) -> web.Response:
    """POST /foretag/foljer/omrade/{division}: stop following a CPV division (from the list page)."""
    person = require_sme(request)
    division = request.match_info["division"]
    if len(division) != 2 or not division.isdigit():
        raise web.HTTPNotFound()
    try:
        await backend(request).delete(
            "registry", f"/organisations/{person['organisation_id']}/follows", params={"cpv_division": division}
        )
    except BackendError as error:
        if error.status != 404:
            raise
    raise redirect("/foretag/foljer?klart=stopped")
