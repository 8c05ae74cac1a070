"""The shared auth decorator and log format, on a real aiohttp server with an in-memory token table
(the database-backed verifier is tested with the registry)."""

from __future__ import annotations

import io
import json
import logging
import uuid

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from shared.auth import VERIFIER_KEY, Principal, Role, require
from shared.logs import configure_logging, request_id_var
from shared.settings import CommonSettings
from shared.web import base_application, json_response
from tests.conftest import bearer

FIRM_A, FIRM_B = uuid.uuid4(), uuid.uuid4()


class MemoryVerifier:
    def __init__(self, principals: dict[str, Principal]) -> None:
        self.principals = principals

    async def verify(self, token: str) -> Principal | None:
        return self.principals.get(token)


def principal(role: Role, org: uuid.UUID | None = None) -> Principal:
    return Principal(token_id=uuid.uuid4(), role=role, organisation_id=org)


TOKENS = {
    "org": principal(Role.ORGANISER),
    "sme-a": principal(Role.SME, FIRM_A),
    "sme-b": principal(Role.SME, FIRM_B),
    "buyer-a": principal(Role.BUYER, FIRM_A),
    "svc": principal(Role.SERVICE),
}


async def firm_from_path(request: web.Request) -> uuid.UUID | None:
    return uuid.UUID(request.match_info["firm"])


@require(Role.SME, owner=firm_from_path)
async def edit_firm(request: web.Request) -> web.Response:
    return json_response(None, status=204)


@require(Role.SERVICE)
async def service_only(request: web.Request) -> web.Response:
    return json_response(None, status=204)


def app() -> web.Application:
    application = base_application(CommonSettings(database_url="postgresql://unused/db"), "test")
    application[VERIFIER_KEY] = MemoryVerifier(TOKENS)
    application.router.add_put("/firms/{firm}", edit_firm)
    application.router.add_get("/internal", service_only)
    return application


async def test_role_and_ownership_matrix():
    expected = {
        # token: (own firm A, other firm B, service-only route)
        "org": (204, 204, 204),  # organisers manage everything
        "sme-a": (204, 403, 403),
        "sme-b": (403, 204, 403),
        "buyer-a": (403, 403, 403),  # right organisation, wrong role
        "svc": (403, 403, 204),
    }
    async with TestClient(TestServer(app(), host="127.0.0.1")) as client:
        for token, (own, other, internal) in expected.items():
            got = (
                (await client.put(f"/firms/{FIRM_A}", headers=bearer(token))).status,
                (await client.put(f"/firms/{FIRM_B}", headers=bearer(token))).status,
                (await client.get("/internal", headers=bearer(token))).status,
            )
            assert got == (own, other, internal), token
        assert (await client.put(f"/firms/{FIRM_A}")).status == 401
        assert (await client.put(f"/firms/{FIRM_A}", headers={"Authorization": "Basic eA=="})).status == 401


def test_json_log_lines_carry_the_request_id():
    stream = io.StringIO()
    configure_logging("registry", "INFO", "json")
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    token = request_id_var.set("req-42")
    try:
        logging.getLogger("anything").info("hello %s", "world", extra={"status": 201})
        request_id_var.reset(token)
    finally:
        logging.getLogger().removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "hello world" and line["status"] == 201
    assert line["request_id"] == "req-42" and line["service"] == "registry" and line["level"] == "INFO"
