"""Service tests: the matcher's real app factory, checking tokens with the real registry over loopback."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from shared.auth import Role
from tests.conftest import bearer, free_port


async def test_health_readiness_and_openapi(matcher):
    assert (await matcher.get("/healthz")).status == 200
    ready = await matcher.get("/readyz")
    assert ready.status == 200 and (await ready.json())["service"] == "matcher"
    document = await (await matcher.get("/openapi.json")).json()
    validate(document)
    assert "/auth/whoami" in document["paths"]


async def test_whoami_is_vouched_for_by_the_registry(matcher, make_token, make_org):
    org = await make_org("buyer")
    token = await make_token(Role.BUYER, org, label="Region Dalarna")
    response = await matcher.get("/auth/whoami", headers=bearer(token))
    assert response.status == 200
    me = await response.json()
    assert (me["role"], me["organisation_id"]) == ("buyer", str(org))
    assert (await matcher.get("/auth/whoami", headers=bearer("atr_unknown"))).status == 401
    assert (await matcher.get("/auth/whoami")).status == 401


async def test_revocation_reaches_the_matcher_after_the_cache_lifetime(
    registry, matcher_settings, make_token, organiser_token, make_org
):
    victim = await make_token(Role.SME, await make_org("sme"), label="victim")
    cached = MatcherSettings(**{**matcher_settings.model_dump(), "token_cache_seconds": 3600})
    uncached = MatcherSettings(**{**matcher_settings.model_dump(), "token_cache_seconds": 0})
    async with (
        TestClient(TestServer(create_app(cached), host="127.0.0.1")) as slow,
        TestClient(TestServer(create_app(uncached), host="127.0.0.1")) as fast,
    ):
        assert (await slow.get("/auth/whoami", headers=bearer(victim))).status == 200
        assert (await fast.get("/auth/whoami", headers=bearer(victim))).status == 200
        tokens = await (await registry.get("/auth/tokens", headers=bearer(organiser_token))).json()
        victim_id = next(t["id"] for t in tokens["items"] if t["label"] == "victim")
        assert (await registry.delete(f"/auth/tokens/{victim_id}", headers=bearer(organiser_token))).status == 204
        assert (await fast.get("/auth/whoami", headers=bearer(victim))).status == 401
        assert (await slow.get("/auth/whoami", headers=bearer(victim))).status == 200  # trusted until it expires


async def test_registry_down_is_503_not_401(db_url, service_token, organiser_token):
    settings = MatcherSettings(
        database_url=db_url,
        registry_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        service_token=service_token,
        registry_timeout=2,
        log_format="text",
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        response = await client.get("/auth/whoami", headers=bearer(organiser_token))
        assert response.status == 503
        problem = await response.json()
        assert problem["type"].endswith("registry-unavailable") and response.headers["Retry-After"]
        assert (await client.get("/readyz")).status == 200  # still ready: its own database is fine


async def test_wrong_service_token_is_a_server_problem(matcher_settings, organiser_token):
    wrong = MatcherSettings(**{**matcher_settings.model_dump(), "service_token": "atr_" + "x" * 40})
    async with TestClient(TestServer(create_app(wrong), host="127.0.0.1")) as client:
        response = await client.get("/auth/whoami", headers=bearer(organiser_token))
        assert response.status == 503
        text = await response.text()
        assert "x" * 40 not in text and organiser_token not in text
