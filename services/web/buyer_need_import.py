"""A buyer's needs imported from OCDS (Open Contracting Data Standard): a release package uploaded as a file or
pasted, sent as it is to the registry's ``POST /needs/import/ocds``; the page shows what was created and
updated, or, when the registry refuses the package, every error grouped by release (nothing is imported then).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from .backend import BackendError
from .buyer_pages import NEED_STATUS, require_buyer, words
from .forms import message_for
from .i18n import gettext as _
from .render import backend, render

MAX_IMPORT_TITLES = 100  # needs read back after an import to list their titles (the counts cover them all)


def release_problems(document: Any, problems: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The registry's field errors grouped by release (1-based), each with where and what.

    Examples
    --------
    >>> doc = {"releases": [{"ocid": "a"}, {"ocid": "b"}]}
    >>> release_problems(doc, [{"pointer": "/releases/1/tender/title", "code": "missing"}])[0]["number"]
    2
    """
    releases = document.get("releases") if isinstance(document, dict) else None
    groups: dict[int | None, dict[str, Any]] = {}
    for problem in problems:
        parts = str(problem.get("pointer") or "").split("/")
        index = int(parts[2]) if len(parts) > 2 and parts[1] == "releases" and parts[2].isdigit() else None
        where = "/" + "/".join(parts[3:] if index is not None else parts[1:])
        if index not in groups:
            release = releases[index] if releases and index is not None and index < len(releases) else document
            ocid = release.get("ocid") if isinstance(release, dict) else None
            groups[index] = {"number": None if index is None else index + 1, "ocid": ocid, "errors": []}
        groups[index]["errors"].append({"where": where, "message": message_for(problem)})
    return [groups[key] for key in sorted(groups, key=lambda key: -1 if key is None else key)]


async def _uploaded(form: Any) -> str:
    """The uploaded file's text, else what was pasted."""
    upload = form.get("file")
    if upload is not None and getattr(upload, "file", None) is not None:
        content = upload.file.read()
        if content:
            return content.decode("utf-8-sig", errors="replace")
    return str(form.get("json", "") or "")


async def import_form(request: web.Request) -> web.Response:
    require_buyer(request)
    return render(request, "buyer/import.html", {"result": None, "problems": []})


async def import_needs(request: web.Request) -> web.Response:
    """POST /needs/import/ocds with the package; show what was created and updated, or every error by release."""
    require_buyer(request)
    form = await request.post()
    raw = await _uploaded(form)
    context: dict[str, Any] = {"result": None, "problems": [], "form": {"json": str(form.get("json", "") or "")}}
    if not raw.strip():
        context["errors"] = {"file": _("Välj en fil eller klistra in OCDS-data.")}
        return render(request, "buyer/import.html", context, status=422)
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:  # RecursionError: nested thousands deep
        message = _("Det här är inte giltig JSON (rad %(line)s).", line=getattr(error, "lineno", "?"))
        context["errors"] = {"file": message}
        return render(request, "buyer/import.html", context, status=422)
    api = backend(request)
    try:
        result = await api.post("registry", "/needs/import/ocds", document)
    except BackendError as error:
        if error.status not in (400, 409, 415, 422):
            raise
        context["problems"] = release_problems(document, list(error.field_errors))
        context["errors"] = {"_form": _("Inget importerades. Rätta felen nedan och försök igen.")}
        return render(request, "buyer/import.html", context, status=422)
    shown = result["needs"][:MAX_IMPORT_TITLES]
    needs = await asyncio.gather(*(api.get("registry", f"/needs/{need}") for need in shown))
    context["result"] = {**result, "items": needs}
    context["need_status"] = words(NEED_STATUS)
    return render(request, "buyer/import.html", context)
