"""Service tests: the registry's real app factory on real PostgreSQL, over loopback HTTP."""

from __future__ import annotations

import uuid

from aiohttp import web
from openapi_spec_validator import validate

from shared.auth import Role
from tests.conftest import bearer

PROBLEM = "application/problem+json"


async def test_healthz_and_readyz(registry):
    response = await registry.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "service": "registry"}
    response = await registry.get("/readyz")
    assert response.status == 200
    assert (await response.json())["schema_version"] >= 1


async def test_readyz_refuses_when_database_is_ahead_of_the_code(registry, db):
    await db.execute("INSERT INTO registry.schema_migrations VALUES (999, 'from_the_future', 'x')")
    response = await registry.get("/readyz")
    assert response.status == 503
    assert response.content_type == PROBLEM
    assert "999" in (await response.json())["detail"]


async def test_openapi_document_is_valid_31_and_lists_routes(registry):
    response = await registry.get("/openapi.json")
    document = await response.json()
    validate(document)  # raises on an invalid OpenAPI document
    assert document["openapi"].startswith("3.1")
    assert {"/healthz", "/readyz", "/auth/tokens", "/auth/tokens/{token_id}", "/auth/whoami"} <= set(document["paths"])
    issue = document["paths"]["/auth/tokens"]["post"]
    assert issue["x-roles"] == ["organiser"]
    assert {"201", "401", "403", "415", "422"} <= set(issue["responses"])
    assert "TokenRequest" in document["components"]["schemas"]


async def test_docs_page_is_readable_html(registry):
    # /docs is the Swagger UI viewer (tests/test_api_docs.py); /docs/text the same without scripts.
    response = await registry.get("/docs/text")
    assert response.status == 200
    page = await response.text()
    assert '<html lang="sv">' in page
    assert "POST /auth/tokens" in page


async def test_request_id_is_echoed_or_made(registry):
    response = await registry.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    response = await registry.get("/healthz", headers={"X-Request-ID": "bad id with spaces\u00e5"})
    assert response.headers["X-Request-ID"] != "bad id with spaces\u00e5"
    assert len(response.headers["X-Request-ID"]) == 32


async def test_unknown_path_and_method_are_problems(registry):
    response = await registry.get("/no/such/thing")
    assert response.status == 404 and response.content_type == PROBLEM
    body = await response.json()
    assert body["status"] == 404 and body["instance"] == "/no/such/thing" and body["request_id"]

    response = await registry.put("/healthz")
    assert response.status == 405 and response.content_type == PROBLEM
    assert "GET" in response.headers["Allow"]


async def test_wrong_content_type_is_415(registry, organiser_token):
    response = await registry.post("/auth/tokens", data="role=sme", headers=bearer(organiser_token))
    assert response.status == 415 and response.content_type == PROBLEM


async def test_malformed_json_is_400(registry, organiser_token):
    response = await registry.post(
        "/auth/tokens", data="{nope", headers={**bearer(organiser_token), "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["type"].endswith("malformed-json")


async def test_validation_errors_point_at_each_field_and_store_nothing(registry, organiser_token, db):
    before = await db.fetchval("SELECT count(*) FROM registry.api_tokens")
    response = await registry.post(
        "/auth/tokens", json={"role": "king", "label": "x" * 201, "surprise": 1}, headers=bearer(organiser_token)
    )
    assert response.status == 422 and response.content_type == PROBLEM
    errors = {e["pointer"]: e["code"] for e in (await response.json())["errors"]}
    assert errors == {"/role": "enum", "/label": "string_too_long", "/surprise": "extra_forbidden"}
    assert await db.fetchval("SELECT count(*) FROM registry.api_tokens") == before


async def test_oversized_body_is_413(db_url, service_token):
    from aiohttp.test_utils import TestClient, TestServer

    from services.registry.app import create_app
    from services.registry.settings import RegistrySettings

    settings = RegistrySettings(
        database_url=db_url, max_body_bytes=2048, log_format="text", service_bootstrap_token=service_token
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        response = await client.post("/auth/introspect", json={"token": "x" * 5000}, headers=bearer(service_token))
        assert response.status == 413 and response.content_type == PROBLEM
        assert "2048" in (await response.json())["detail"]


async def test_unexpected_error_is_500_without_internals(registry_settings, caplog):
    from aiohttp.test_utils import TestClient, TestServer

    from services.registry.app import create_app
    from shared.logs import RequestIdFilter

    caplog.handler.addFilter(RequestIdFilter("registry"))
    app = create_app(registry_settings)

    async def explode(request: web.Request) -> web.Response:
        raise RuntimeError("secret internal detail")

    app.router.add_get("/explode", explode)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/explode", headers={"X-Request-ID": "trace-me"})
        assert response.status == 500 and response.content_type == PROBLEM
        text = await response.text()
        assert "secret internal detail" not in text and "Traceback" not in text
        assert (await response.json())["request_id"] == "trace-me"
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged and logged[0].request_id == "trace-me" and logged[0].exc_info


async def test_no_token_is_401_with_challenge(registry):
    response = await registry.get("/auth/whoami")
    assert response.status == 401 and response.content_type == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = await registry.get("/auth/whoami", headers=bearer("atr_not-a-real-token"))
    assert response.status == 401


async def test_organiser_issues_token_that_works_and_is_stored_hashed(registry, organiser_token, db, make_org):
    org = await make_org("sme")
    response = await registry.post(
        "/auth/tokens",
        json={"role": "sme", "organisation_id": str(org), "label": "Firma AB"},
        headers=bearer(organiser_token),
    )
    assert response.status == 201
    issued = await response.json()
    token = issued["token"]
    assert issued["role"] == "sme" and issued["organisation_id"] == str(org)

    stored = await db.fetch("SELECT * FROM registry.api_tokens")
    assert all(token.encode() not in bytes(row["token_hash"]) for row in stored)
    assert all(token not in str(dict(row)) for row in stored)

    response = await registry.get("/auth/whoami", headers=bearer(token))
    me = await response.json()
    assert (me["role"], me["organisation_id"], me["label"]) == ("sme", str(org), "Firma AB")

    listing = await (await registry.get("/auth/tokens", headers=bearer(organiser_token))).json()
    assert issued["id"] in {item["id"] for item in listing["items"]}
    assert all("token" not in item for item in listing["items"])


async def test_token_role_must_fit_organisation(registry, organiser_token):
    response = await registry.post("/auth/tokens", json={"role": "buyer"}, headers=bearer(organiser_token))
    assert response.status == 422
    response = await registry.post(
        "/auth/tokens",
        json={"role": "organiser", "organisation_id": str(uuid.uuid4())},
        headers=bearer(organiser_token),
    )
    assert response.status == 422


async def test_token_for_an_unknown_organisation_is_422(registry, organiser_token, db):
    response = await registry.post(
        "/auth/tokens",
        json={"role": "sme", "organisation_id": str(uuid.uuid4())},
        headers=bearer(organiser_token),
    )
    assert response.status == 422
    problem = await response.json()
    assert [error["pointer"] for error in problem["errors"]] == ["/organisation_id"]
    assert await db.fetchval("SELECT count(*) FROM registry.api_tokens WHERE role = 'sme'") == 0


async def test_revoked_and_expired_tokens_stop_working(registry, organiser_token, make_token, make_org):
    sme = await make_token(Role.SME, await make_org("sme"))
    tokens = await (await registry.get("/auth/tokens", headers=bearer(organiser_token))).json()
    sme_id = next(item["id"] for item in tokens["items"] if item["role"] == "sme")
    assert (await registry.get("/auth/whoami", headers=bearer(sme))).status == 200
    response = await registry.delete(f"/auth/tokens/{sme_id}", headers=bearer(organiser_token))
    assert response.status == 204
    assert (await registry.get("/auth/whoami", headers=bearer(sme))).status == 401
    assert (await registry.delete(f"/auth/tokens/{uuid.uuid4()}", headers=bearer(organiser_token))).status == 404
    assert (await registry.delete("/auth/tokens/not-a-uuid", headers=bearer(organiser_token))).status == 404

    from datetime import UTC, datetime, timedelta

    expired = await make_token(Role.ORGANISER, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await registry.get("/auth/whoami", headers=bearer(expired))).status == 401


async def test_roles_are_enforced(registry, make_token, make_org):
    sme = await make_token(Role.SME, await make_org("sme"))
    buyer = await make_token(Role.BUYER, await make_org("buyer"))
    service = await make_token(Role.SERVICE)
    for token in (sme, buyer, service):
        response = await registry.post("/auth/tokens", json={"role": "organiser"}, headers=bearer(token))
        assert response.status == 403 and response.content_type == PROBLEM
        assert (await registry.get("/auth/tokens", headers=bearer(token))).status == 403
    for token in (sme, buyer):
        response = await registry.post("/auth/introspect", json={"token": sme}, headers=bearer(token))
        assert response.status == 403


async def test_introspection_for_the_service_role(registry, make_token, make_org):
    service = await make_token(Role.SERVICE)
    sme = await make_token(Role.SME, await make_org("sme"))
    answer = await (await registry.post("/auth/introspect", json={"token": sme}, headers=bearer(service))).json()
    assert answer["active"] is True and answer["principal"]["role"] == "sme"
    answer = await (await registry.post("/auth/introspect", json={"token": "atr_x"}, headers=bearer(service))).json()
    assert answer == {"active": False, "principal": None}


async def test_bootstrap_tokens_are_accepted_and_idempotent(registry, registry_settings, service_token, db):
    response = await registry.post("/auth/introspect", json={"token": service_token}, headers=bearer(service_token))
    assert response.status == 200
    # Starting again with the same bootstrap token adds no second row.
    from aiohttp.test_utils import TestClient, TestServer

    from services.registry.app import create_app

    async with TestClient(TestServer(create_app(registry_settings), host="127.0.0.1")):
        pass
    assert await db.fetchval("SELECT count(*) FROM registry.api_tokens WHERE role = 'service'") == 1
