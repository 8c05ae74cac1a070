"""What a public-sector service owes everyone, in a real browser: the accessibility statement
(``/tillganglighet``) passes axe-core and is linked from every footer, and each API's ``/docs`` renders its
operations in the vendored Swagger UI, with "Try it out" working against the service under its CSP."""

from __future__ import annotations

from typing import Any

from .conftest import AXE_TAGS, BLOCKING_IMPACTS, Stack, _axe_source, _record, check_page

VIEWER = "#swagger-ui"
SHOWN_OPERATIONS = """() => [...document.querySelectorAll('.opblock')].map(block =>
  block.querySelector('.opblock-summary-method').textContent.trim() + ' '
  + block.querySelector('.opblock-summary-path').dataset.path)"""


def csp_refusals(page: Any) -> list[str]:
    """Collects Chromium's console reports of anything the page's Content-Security-Policy refused."""
    refused: list[str] = []

    def note(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note)
    return refused


async def audit_outside_viewer(page: Any, name: str) -> dict[str, Any]:
    """axe-core (WCAG 2.1 A/AA) on /docs with the vendored Swagger UI left out; what it finds inside the
    viewer is recorded, not failed on.

    Swagger UI is third-party markup we do not write: axe finds serious faults in it (measured on 5.35.0:
    see the report's ``-viewer`` entry, e.g. colour contrast of its method badges), which we cannot fix
    in our copy without forking it. The accessibility statement names this shortcoming and offers
    ``/docs/text``, the same API as a plain page, which :func:`test_docs_text_passes_axe` holds to the
    same bar as our own pages. Our own part of /docs (heading, links) is audited in full here.
    """
    await page.evaluate(_axe_source())
    ours = await page.evaluate(
        "async ([tags, viewer]) => await axe.run({exclude: [[viewer]]},"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [AXE_TAGS, VIEWER],
    )
    viewer = await page.evaluate(
        "async ([tags, viewer]) => await axe.run({include: [[viewer]]},"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [AXE_TAGS, VIEWER],
    )
    _record(name, page.url, ours)
    _record(name + "-viewer", page.url, viewer)
    blocking = [v for v in ours["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, "; ".join(
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}" for v in blocking
    )
    return viewer


async def test_docs_renders_the_operations_and_try_it_out_works(new_page, stack: Stack) -> None:
    for service, operation_path in ((stack.registry, "/auth/tokens"), (stack.matcher, "/events/{event_id}/schedules")):
        page = await new_page()
        refused = csp_refusals(page)
        await page.goto(f"{service}/docs")
        # The viewer read /openapi.json and drew every operation, ours among them.
        await page.locator(".opblock").first.wait_for()
        document = await (await page.request.get(f"{service}/openapi.json")).json()
        operations = {f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods}
        shown = set(await page.evaluate(SHOWN_OPERATIONS))  # an operation with two tags shows under each
        assert shown == operations and any(operation_path in shown_one for shown_one in shown)

        # "Try it out" on GET /healthz: the call goes to this service and its answer is shown.
        health = page.locator("#operations-meta-get_healthz, [id$='get_healthz']").first
        await health.locator(".opblock-summary").click()
        await health.get_by_role("button", name="Try it out").click()
        await health.get_by_role("button", name="Execute").click()
        status = health.locator(".live-responses-table tbody .response-col_status").first
        await status.wait_for()
        assert (await status.inner_text()).strip() == "200"
        assert (await health.locator(".request-url pre").inner_text()).strip() == f"{service}/healthz"
        assert not refused, refused  # the CSP let the viewer run as it is, and refused nothing it needed

        await audit_outside_viewer(page, "docs-" + ("registry" if service == stack.registry else "matcher"))


async def test_docs_text_passes_axe(new_page, stack: Stack) -> None:
    """The plain page is the accessible way into the API where the viewer falls short (see above)."""
    for service, name in ((stack.registry, "registry"), (stack.matcher, "matcher")):
        page = await new_page()
        await page.goto(f"{service}/docs/text")
        assert await page.locator("h2 code", has_text="GET /healthz").count() == 1
        await check_page(page, f"docs-text-{name}")


async def test_the_accessibility_statement_passes_axe_and_every_footer_links_it(new_page, stack: Stack) -> None:
    page = await new_page()
    await page.goto("/")
    footer = page.locator("footer").get_by_role("link", name="Tillgänglighetsredogörelse")
    await footer.click()
    await page.wait_for_url("**/tillganglighet")
    assert await page.get_by_role("heading", level=1).inner_text() == "Tillgänglighet för Affärsträff"
    assert await page.locator("footer a[aria-current='page']").inner_text() == "Tillgänglighetsredogörelse"
    assert await page.get_by_role("link", name="Anmäl bristande tillgänglighet till Digg").is_visible()
    await check_page(page, "accessibility-statement")
    await page.get_by_role("link", name="English").click()
    assert await page.get_by_role("heading", level=1).inner_text() == "Accessibility of Affärsträff"
    await check_page(page, "accessibility-statement-en")

    phone = await new_page(width=375, height=740)
    await phone.goto("/tillganglighet")
    await check_page(phone, "accessibility-statement-phone")  # fails if the page scrolls sideways
    for path in ("/logga-in", "/registrera", "/integritet"):
        await phone.goto(path)
        assert await phone.locator("footer a[href='/tillganglighet']").is_visible(), path
