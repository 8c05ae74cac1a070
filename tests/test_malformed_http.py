"""A client's malformed HTTP (here a NUL byte in a header, as the API fuzzer sends) is answered 400 by aiohttp
itself; the log gets one warning line without the raw header, not an ERROR with a traceback per request."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient


async def raw_request(client: TestClient, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(data)
    await writer.drain()
    answer = await reader.read(4096)
    writer.close()
    await writer.wait_closed()
    return answer


async def test_malformed_http_is_a_400_and_one_quiet_log_line(
    registry: TestClient, matcher: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret = b"atr_this-must-not-reach-the-log"
    for client in (registry, matcher):
        for _ in range(2):
            answer = await raw_request(
                client, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Probe: " + secret + b"\x00\r\n\r\n"
            )
            assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request")
    server_lines = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert len(server_lines) == 4
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in server_lines)
    assert all("malformed HTTP request" in r.getMessage() for r in server_lines)
    assert not any(secret.decode() in r.getMessage() for r in caplog.records)
