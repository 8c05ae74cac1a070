"""Browser tests: the whole stack as real processes (registry, matcher with a job worker, web pages) on
loopback ports against a real PostgreSQL, driven by Debian's Chromium through Playwright.

Every page a test visits goes through :func:`check_page`: an axe-core accessibility audit (WCAG 2.0/2.1
A and AA rules; no serious or critical violations allowed) and a full-page screenshot saved under
``test-artifacts/screenshots/``, with every audit's result in ``test-artifacts/accessibility.json``.

Chromium comes from the system (``apt-get install chromium``, done by ``.ci/run``): Playwright's own
browser download does not work on these machines. Without it the tests are skipped locally and fail
in CI, where the browser is part of the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from deploy import readiness
from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from shared.auth import generate_token
from tests.conftest import _create_database, _drop_database, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORT = ARTIFACTS / "accessibility.json"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# As the machine notes say: without the background-networking flags Chromium keeps dialling Google's
# hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

pytestmark = pytest.mark.slow


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: install Debian's chromium package (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@dataclass
class Stack:
    """The three services as processes, with what tests need to reach them."""

    web: str
    registry: str
    matcher: str
    organiser_token: str
    service_token: str
    logs: Path
    event_id: str = ""

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]

    async def api(self, method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        """A JSON call to a service (test set-up and read-back; the pages are driven by the browser)."""
        headers = {"Authorization": f"Bearer {token or self.organiser_token}"}
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.request(method, url, json=body, headers=headers) as response,
        ):
            raw = await response.read()
            return response.status, json.loads(raw) if raw else None


async def close_schedule_publish(stack: Stack, event_id: str) -> dict[str, Any]:
    """Close the event's sign-up, run the matcher and publish its version; the finished job."""
    base = f"{stack.matcher}/events/{event_id}"
    status, answer = await stack.api("POST", f"{stack.registry}/events/{event_id}/transitions", {"to": "closed"})
    assert status == 200, answer
    status, job = await stack.api("POST", f"{base}/schedules", {})
    assert status == 202, job
    for _ in range(600):
        status, job = await stack.api("GET", f"{stack.matcher}/jobs/{job['id']}")
        if job["status"] in ("done", "failed", "infeasible"):
            break
        await asyncio.sleep(0.2)  # the job runs in the matcher process
    assert job["status"] == "done", (job, stack.log("matcher"))
    status, answer = await stack.api("POST", f"{base}/schedules/{job['result_version']}/publish")
    assert status == 200, answer
    return job


def _spawn(module: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:
        return subprocess.Popen([sys.executable, "-m", module], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture(scope="session")
async def stack(pg_server: str, tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> AsyncIterator[Stack]:
    """Registry, matcher (one job worker) and web on free ports, a small sample event loaded and open."""
    async with start_stack(pg_server, tmp_path_factory.mktemp("browser-stack-logs")) as running:
        yield running


@contextlib.asynccontextmanager
async def start_stack(pg_server: str, logs: Path, extra_env: dict[str, str] | None = None) -> AsyncIterator[Stack]:
    """The three services as processes on a database of their own, with ``extra_env`` (e.g. CLOCK_FILE, a
    mail server), and the small sample event loaded and open; stopped and dropped afterwards."""
    name, database_url = await _create_database(pg_server)
    ports = {service: free_port() for service in ("registry", "matcher", "web")}
    urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    organiser, service = generate_token(), generate_token()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "WEB_", "DATABASE_"))}
    env |= {
        "DATABASE_URL": database_url,
        "LOG_FORMAT": "text",
        "ORGANISER_BOOTSTRAP_TOKEN": organiser,
        "SERVICE_BOOTSTRAP_TOKEN": service,
        "REGISTRY_PORT": str(ports["registry"]),
        "REGISTRY_TRUSTED_PROXIES": "127.0.0.1",
        "MATCHER_PORT": str(ports["matcher"]),
        "MATCHER_SERVICE_TOKEN": service,
        "REGISTRY_URL": urls["registry"],
        "MATCHER_REGISTRY_URL": urls["registry"],
        "MATCHER_PUBLIC_URL": urls["matcher"],
        "MATCHER_WEB_URL": urls["web"],  # the agendas' QR codes hold the web's check-in address
        "MATCHER_WORKERS": "1",
        "WEB_PORT": str(ports["web"]),
        "WEB_SECRET": generate_token(),
        "WEB_SERVICE_TOKEN": service,
        "WEB_REGISTRY_URL": urls["registry"],
        "WEB_MATCHER_URL": urls["matcher"],
        "WEB_PUBLIC_URL": urls["web"],
        "WEB_DEV_SHOW_SIGN_IN_LINKS": "true",
        # Secure cookies stay on: Chromium treats http://127.0.0.1 as a secure context.
    } | (extra_env or {})
    processes: list[subprocess.Popen] = []
    try:
        # The registry first: it creates its schema before the matcher asks it anything.
        for service_name in ("registry", "matcher", "web"):
            process = _spawn(f"services.{service_name}", env, logs / f"{service_name}.log")
            processes.append(process)
            await readiness.wait_ready(
                urls[service_name], process, name=service_name, tail=readiness.log_tail(logs / f"{service_name}.log")
            )
        sample = generate_sample(seed=7, smes=14)
        loaded = await load_sample(urls["registry"], organiser, sample)
        running = Stack(urls["web"], urls["registry"], urls["matcher"], organiser, service, logs, loaded.event_id)
        yield running
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                await asyncio.to_thread(process.wait, 30)
            except subprocess.TimeoutExpired:
                process.kill()
        await _drop_database(pg_server, name)


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    # This run's screenshots and audit only: nothing left over from an earlier run.
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def new_page(browser: Any, stack: Stack) -> AsyncIterator[Any]:
    """Pages of a fresh browser profile (own cookies), on a phone-or-laptop sized screen."""
    async with pages_on(browser, stack.web) as make:
        yield make


@contextlib.asynccontextmanager
async def pages_on(browser: Any, web_url: str) -> AsyncIterator[Any]:
    """A maker of pages with fresh browser profiles whose relative addresses go to ``web_url``."""
    contexts: list[Any] = []

    async def make(
        width: int = 1280,
        height: int = 900,
        locale: str = "sv-SE",
        storage_state: dict[str, Any] | None = None,
        javascript: bool = True,
    ) -> Any:
        context = await browser.new_context(
            storage_state=storage_state,
            java_script_enabled=javascript,
            base_url=web_url,
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Europe/Stockholm",
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        import axe_playwright_python

        _AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    return _AXE_SOURCE


def _record(name: str, url: str, result: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = json.loads(AXE_REPORT.read_text()) if AXE_REPORT.exists() else {}
    report[name] = {
        "url": url,
        "axe_version": result.get("testEngine", {}).get("version"),
        "passes": len(result["passes"]),
        "incomplete": len(result["incomplete"]),
        "violations": [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"])}
            for v in result["violations"]
        ],
    }
    AXE_REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False))


# The outermost elements sticking out past the window's right edge, for a useful failure message.
_WIDEST_ELEMENTS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right
        > window.innerWidth + 1)) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '')
               + ' right=' + Math.round(r.right));
    }
  }
  return out.slice(0, 8);
}"""


async def check_page(page: Any, name: str) -> dict[str, Any]:
    """Audit the page with axe-core (WCAG 2.1 A/AA) and save a full-page screenshot as ``name``.png.

    Fails on any serious or critical violation, listing each with the elements it concerns.
    """
    await page.wait_for_load_state("load")
    await page.evaluate(_axe_source())
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    _record(name, page.url, result)
    # WCAG 1.4.10 (reflow): the page itself never scrolls sideways; wide data tables scroll in their own box.
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        culprits = await page.evaluate(_WIDEST_ELEMENTS)
        raise AssertionError(f"{name} ({page.url}) is {overflow} px wider than the window: {culprits}")
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{name} ({page.url}): " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}" for v in blocking
    )
    return result
