"""End to end across real processes and ports: registry, matcher web process, a separate job worker process,
PostgreSQL and an SMTP server on loopback.

The Dalarna sample event is registered through the registry's API; the organiser schedules it through the
matcher, a worker process computes it, the organiser publishes it; every participant's agenda is fetched by
its link as JSON, iCalendar and PDF and checked against the published schedule; the e-mails arrive.
"""

from __future__ import annotations

import asyncio
import email
import io
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from uuid import UUID

import aiohttp
import icalendar
import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from deploy import readiness
from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from services.matcher.agendas.ics import meeting_uid
from services.matcher.agendas.pdf import printable
from shared.auth import generate_token
from tests.conftest import bearer, free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=default_policy))
        return "250 OK"


class Stack:
    """The services as real processes, logging to files (a pipe nobody reads would stall them)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, module: str, env: dict[str, str]) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", module], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def wait_ready(url: str, stack: Stack, name: str) -> None:
    await readiness.wait_ready(url, stack.processes[name], name=name, tail=lambda: stack.log(name)[-3000:])


async def get(
    session: aiohttp.ClientSession, url: str, token: str | None = None, **kw: object
) -> aiohttp.ClientResponse:
    response = await session.get(url, headers=bearer(token) if token else {}, **kw)
    await response.read()
    assert response.status in (200, 304), f"GET {url} → {response.status}: {await response.text()}"
    return response


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_sample_event_from_sign_up_to_agendas_and_emails(stack: Stack, inbox, empty_db_url: str):
    mailbox, smtp_port = inbox
    organiser, service = generate_token(), generate_token()
    registry_url, matcher_url = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "DATABASE_"))}
    env |= {
        "DATABASE_URL": empty_db_url,
        "LOG_FORMAT": "text",
        "ORGANISER_BOOTSTRAP_TOKEN": organiser,
        "SERVICE_BOOTSTRAP_TOKEN": service,
        "MATCHER_SERVICE_TOKEN": service,
        "REGISTRY_URL": registry_url,
        "REGISTRY_PORT": registry_url.rsplit(":", 1)[1],
        "MATCHER_PORT": matcher_url.rsplit(":", 1)[1],
        "MATCHER_PUBLIC_URL": matcher_url,
        "MATCHER_WORKERS": "0",  # jobs run in the separate worker process only
        "MATCHER_SMTP_HOST": "127.0.0.1",
        "MATCHER_SMTP_PORT": str(smtp_port),
        "MATCHER_OUTBOX_POLL_SECONDS": "0.5",
    }
    stack.start("registry", "services.registry", env)
    stack.start("matcher", "services.matcher", env)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await wait_ready(registry_url, stack, "registry")
        await wait_ready(matcher_url, stack, "matcher")
        stack.start("worker", "services.matcher.jobs", env | {"MATCHER_SOLVE_TIME_LIMIT": "20"})

        loaded = await load_sample(registry_url, organiser, generate_sample(smes=30))
        event_id = loaded.event_id
        response = await session.post(
            f"{registry_url}/events/{event_id}/transitions", json={"to": "closed"}, headers=bearer(organiser)
        )
        assert response.status == 200

        response = await session.post(f"{matcher_url}/events/{event_id}/schedules", json={}, headers=bearer(organiser))
        assert response.status == 202
        job = await response.json()
        async with session.get(f"{matcher_url}{job['links']['events']}", headers=bearer(organiser)) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            seen = [line for line in (await stream.text()).splitlines() if line.startswith("data: ")]
        job = await (await get(session, f"{matcher_url}/jobs/{job['id']}", organiser)).json()
        assert job["status"] == "done", (job, stack.log("worker")[-3000:])
        assert '"status":"done"' in seen[-1].replace(" ", "") and len(seen) >= 2
        assert "attempt 1 started by" in stack.log("worker")

        number = job["result_version"]
        response = await session.post(
            f"{matcher_url}/events/{event_id}/schedules/{number}/publish", headers=bearer(organiser)
        )
        published = await response.json()
        assert response.status == 200 and published["registry_status"] == "published", published
        version = await (await get(session, f"{matcher_url}/events/{event_id}/schedules/{number}", organiser)).json()
        snapshot = await (await get(session, f"{registry_url}/events/{event_id}/snapshot", service)).json()
        meetings = version["meetings"]
        assert Counter((m["sme_id"], m["slot"]) for m in meetings).most_common(1)[0][1] == 1

        await session.post(f"{matcher_url}/events/{event_id}/agenda-links", headers=bearer(organiser))
        links = (await (await get(session, f"{matcher_url}/events/{event_id}/agenda-links", organiser)).json())["items"]
        participants = {p["organisation"]["id"]: p for p in (*snapshot["smes"], *snapshot["buyers"])}
        assert {link["organisation_id"] for link in links} == set(participants)

        for link in links:
            organisation = link["organisation_id"]
            mine = [m for m in meetings if organisation in (m["sme_id"], m["buyer_id"])]
            agenda = await (await get(session, link["url"])).json()
            listed = (
                agenda["meetings"] if link["kind"] == "sme" else [m for t in agenda["tables"] for m in t["meetings"]]
            )
            assert sorted((m["sme_id"], m["buyer_id"], m["slot"], m["table"]) for m in listed) == sorted(
                (m["sme_id"], m["buyer_id"], m["slot"], m["table"]) for m in mine
            )
            calendar = icalendar.Calendar.from_ical(await (await get(session, link["url"] + ".ics")).read())
            events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
            assert set(events) == {meeting_uid(UUID(event_id), m["sme_id"], m["buyer_id"]) for m in mine}
            for m in mine:
                start = events[meeting_uid(UUID(event_id), m["sme_id"], m["buyer_id"])]["DTSTART"].dt
                assert start == datetime.fromisoformat(m["start"])
            text = pdf_text(await (await get(session, link["url"] + ".pdf")).read())
            for m in mine:
                other = m["buyer_name"] if link["kind"] == "sme" else m["sme_name"]
                assert m["local_time"].split("–")[0] in text and printable(other)[:12] in text.replace("\n", " ")

        # One e-mail per participant with a contact person, each with its own link and calendar file.
        with_contacts = [p for p in participants.values() if p["contacts"]]
        for _ in range(150):  # the deliverer sends within seconds; give it 30
            if len(mailbox.messages) >= len(with_contacts):
                break
            await asyncio.sleep(0.2)
        assert len(mailbox.messages) == len(with_contacts)
        by_address = {message["To"].addresses[0].addr_spec: message for message in mailbox.messages}
        link_urls = {link["organisation_id"]: link["url"] for link in links}
        for party in with_contacts:
            message = by_address[party["contacts"][0]["email"]]
            assert snapshot["event"]["name"] in message["Subject"]
            body = message.get_body(("plain",)).get_content()
            assert link_urls[party["organisation"]["id"]] in body
            attachments = [part for part in message.iter_attachments() if part.get_filename().endswith(".ics")]
            assert attachments and icalendar.Calendar.from_ical(attachments[0].get_content())
