"""The OpenAPI documents tell the truth about status codes: every answer a route gives to a set of
ordinary wrong requests (no token, a malformed id, an unknown id, a body that is not JSON, an If-Match
that is no entity tag, NUL or numbers too large for a column in a parameter) is a status the document
lists for that operation.

The schemathesis run in CI explores much further; this is the quick, deterministic floor of it.
"""

from __future__ import annotations

import re
import uuid

from shared.auth import Role
from tests.conftest import bearer

METHODS = ("get", "post", "put", "patch", "delete")


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _concrete(path: str, value: str) -> str:
    # Paths with a format segment (agendas: {organisation_id}.{format}) get one the route knows.
    return _fill(path.replace("{ext}", ".json").replace("{format}", "json"), value)


async def _probe(client, method: str, path: str, **kwargs) -> int:
    response = await client.request(method.upper(), path, allow_redirects=False, **kwargs)
    await response.read()
    return response.status


async def undeclared(client, make_token) -> list[str]:
    document = await (await client.get("/openapi.json")).json()
    found = []
    for path, operations in document["paths"].items():
        for method, entry in operations.items():
            if method not in METHODS:
                continue
            declared = {int(code) for code in entry["responses"]}
            token = await make_token(Role.ORGANISER, label="probe")  # fresh: a probe of /auth/logout ends one
            known = _concrete(path, str(uuid.uuid4()))
            probes = {
                "no token": (known, {}),
                "malformed id": (_concrete(path, "not-an-id"), {"headers": bearer(token)}),
                "unknown id": (known, {"headers": bearer(token)}),
                "bad If-Match": (known, {"headers": {**bearer(token), "If-Match": "nonsense"}}),
                "NUL parameter": (known + "?lang=%00&limit=%00", {"headers": bearer(token)}),
                "huge numbers": (known + f"?version={2**64}&since={2**31}&after={2**63}", {"headers": bearer(token)}),
            }
            if method != "get":
                probes["not JSON"] = (
                    known,
                    {"headers": {**bearer(token), "Content-Type": "application/json"}, "data": b"{"},
                )
            for what, (url, kwargs) in probes.items():
                if "{" in path and what == "no token" and "x-roles" not in entry:
                    continue
                status = await _probe(client, method, url, **kwargs)
                if status not in declared and status != 304:
                    found.append(f"{method.upper()} {path}: {what} → {status}, declared {sorted(declared)}")
    return found


async def test_every_registry_answer_to_wrong_requests_is_declared(registry, make_token):
    found = await undeclared(registry, make_token)
    assert not found, "\n".join(found)


async def test_every_matcher_answer_to_wrong_requests_is_declared(matcher, make_token):
    found = await undeclared(matcher, make_token)
    assert not found, "\n".join(found)
