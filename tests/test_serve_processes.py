"""MATCHER_PROCESSES: several matcher processes serve one port (SO_REUSEPORT) and stop together on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import free_port
from tests.test_processes import Proc, base_env, procs, wait_ready  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc")]


def listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (IPv4, Linux)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
            found.add(fields[9])
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").glob("*/children") for c in task.read_text().split()]


async def test_two_processes_listen_on_one_port_answer_and_stop_together(empty_db_url, procs):  # noqa: F811
    port = free_port()
    proc = Proc("services.matcher", base_env(DATABASE_URL=empty_db_url, MATCHER_PORT=str(port), MATCHER_PROCESSES="2"))
    procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    await wait_ready(url, proc)
    listeners = listening_inodes(port)
    deadline = time.monotonic() + 30
    while len(listeners) < 2 and time.monotonic() < deadline:  # the second process may still be starting
        await asyncio.sleep(0.1)
        listeners = listening_inodes(port)
    assert len(listeners) == 2, listeners  # two sockets bound to the one port
    parent = proc.process.pid
    owners = [pid for pid in (parent, *children(parent)) if socket_inodes(pid) & listeners]
    assert len(owners) == 2 and parent in owners  # one each: the first process and the one it started
    sibling = next(pid for pid in owners if pid != parent)

    async with aiohttp.ClientSession() as session:
        for _ in range(20):  # new connections each time: the kernel spreads them over both
            async with session.get(url + "/readyz", headers={"Connection": "close"}) as response:
                assert response.status == 200

    proc.process.send_signal(signal.SIGTERM)
    code, _, err = proc.finish(timeout=60)
    assert code == 0, err
    assert gone(sibling)  # the first process waited for it to end
    assert "Traceback" not in err
