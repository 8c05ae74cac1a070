"""Webhook URLs reach public addresses only: refused when registered (422, field by field, nothing stored)
and refused again on delivery, at the address actually connected to, unless the operator allows it.

The receivers are real HTTP servers on loopback, which is exactly what a webhook must not reach by default.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app
from services.matcher.notify import Verdict
from services.matcher.notify.addresses import AddressRefused, webhook_session
from services.matcher.notify.webhooks import post_webhook
from services.matcher.settings import MatcherSettings
from shared.db import init_connection
from tests.conftest import bearer
from tests.matcher.test_notify import (  # noqa: F401 - the receiver fixture is used by name
    SECRET,
    add_outbox,
    add_webhook,
    outbox_row,
    receiver,
    wait_until,
    webhook_payload,
)

PUBLIC = "https://mottagare.example"  # does not resolve here: accepted, deliveries would check it again


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=4, init=init_connection)
    yield created
    await created.close()


async def stored_urls(db_url: str) -> list[str]:
    conn = await asyncpg.connect(db_url)
    try:
        return [row["url"] for row in await conn.fetch("SELECT url FROM matcher.webhooks")]
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "https://127.0.0.1:8081/events",
        "https://127.1/",  # shorthand for 127.0.0.1
        "https://2130706433/",  # 127.0.0.1 as one number
        "https://localhost/hook",  # a name that resolves to loopback
        "https://10.0.0.5/",
        "https://192.168.1.10/",
        "https://172.16.0.1/",
        "https://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[fd12:3456::1]/",  # unique local
        "https://[::ffff:192.168.1.1]/",  # IPv4 inside IPv6
        "https://[ff02::1]/",
    ],
)
async def test_webhooks_to_non_public_addresses_are_refused(matcher, organiser_token, db_url, url):
    response = await matcher.post(
        f"/events/{uuid.uuid4()}/webhooks", json={"url": url}, headers=bearer(organiser_token)
    )
    assert response.status == 422, await response.text()
    assert response.content_type == "application/problem+json"
    [error] = (await response.json())["errors"]
    assert (error["pointer"], error["code"]) == ("/url", "webhook_address_not_public")
    assert "MATCHER_WEBHOOK_ALLOW_PRIVATE" in error["detail"]
    assert await stored_urls(db_url) == []


async def test_plain_http_is_refused_and_a_public_https_url_accepted(matcher, organiser_token, db_url):
    path, auth = f"/events/{uuid.uuid4()}/webhooks", bearer(organiser_token)
    response = await matcher.post(path, json={"url": "http://mottagare.example/hook"}, headers=auth)
    assert response.status == 422
    [error] = (await response.json())["errors"]
    assert (error["pointer"], error["code"]) == ("/url", "webhook_https_required")
    response = await matcher.post(path, json={"url": f"{PUBLIC}/hook"}, headers=auth)
    assert response.status == 201, await response.text()
    assert await stored_urls(db_url) == [f"{PUBLIC}/hook"]


async def test_urls_longer_than_2000_characters_are_a_422_also_once_encoded(matcher, organiser_token, db_url):
    path, auth = f"/events/{uuid.uuid4()}/webhooks", bearer(organiser_token)
    base = f"{PUBLIC}/"
    # 726 characters as typed, but each "ä" is stored percent-encoded (%C3%A4, six characters): 4,226 once
    # stored, past the column's 2,000, which was a 500.
    typed = base + "ä" * 700
    plain_long = base + "a" * (2001 - len(base))
    for url in (typed, plain_long):
        response = await matcher.post(path, json={"url": url}, headers=auth)
        assert response.status == 422, (len(url), await response.text())
        [error] = (await response.json())["errors"]
        assert (error["pointer"], error["code"]) == ("/url", "url_too_long")
    assert await stored_urls(db_url) == []
    fits = base + "a" * (2000 - len(base))
    response = await matcher.post(path, json={"url": fits}, headers=auth)
    assert response.status == 201, await response.text()


async def test_the_operator_settings_allow_private_http_receivers(matcher_settings, organiser_token, receiver):  # noqa: F811
    settings = matcher_settings.model_copy(update={"webhook_allow_private": True, "webhook_allow_http": True})
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        response = await client.post(
            f"/events/{uuid.uuid4()}/webhooks", json={"url": receiver.url()}, headers=bearer(organiser_token)
        )
        assert response.status == 201, await response.text()


async def test_the_delivery_session_refuses_the_address_it_would_connect_to(matcher_settings, receiver):  # noqa: F811
    # A name that was public when registered and resolves to loopback now (DNS rebinding): the socket
    # factory sees the address aiohttp resolved, and nothing reaches the receiver.
    port = receiver.server.port
    async with webhook_session(matcher_settings, timeout=5) as session:
        for url in (f"http://localhost:{port}/hook", f"http://127.0.0.1:{port}/hook"):
            with pytest.raises(aiohttp.ClientConnectorError) as raised:
                await session.post(url, data=b"{}")
            assert isinstance(raised.value.os_error, AddressRefused)
            outcome = await post_webhook(session, url, b"{}", secret=SECRET, delivery_id=uuid.uuid4(), kind="x")
            assert outcome.verdict is Verdict.STOP and "loopback" in outcome.detail
    assert receiver.received == []

    allowing = matcher_settings.model_copy(update={"webhook_allow_private": True})
    async with webhook_session(allowing, timeout=5) as session:
        outcome = await post_webhook(
            session, receiver.url(), b"{}", secret=SECRET, delivery_id=uuid.uuid4(), kind="schedule.published"
        )
    assert outcome.verdict is Verdict.DELIVERED and len(receiver.received) == 1


async def test_the_app_s_deliverer_gives_up_on_a_webhook_that_points_at_loopback(
    matcher_settings: MatcherSettings,
    pool,
    receiver,  # noqa: F811
):
    # Registered before the check existed, or written straight into the table: delivery still refuses it.
    settings = matcher_settings.model_copy(update={"webhook_allow_http": True, "outbox_poll_seconds": 0.2})
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")):

        async def settled() -> bool:
            return (await outbox_row(pool, row_id))["last_error"] is not None

        await wait_until(settled, "the deliverer settled the row")
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and row["attempts"] == 1, "given up at once, not retried"
    assert row["last_error"].startswith("gave up:") and "loopback" in row["last_error"]
    assert receiver.received == []
