"""A newcomer's first run (README.md, "Prova så här"): the sample's open event lies ahead of the clock and can
be signed up for, ``up`` names a firm with meetings and a firm that can still sign up, and every ``WEB_*``
setting is documented where the README says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticUndefined

from deploy.first_run import OPEN_EVENT_BUYER, Person, SampleEvent, first_run, pages_summary, registry_facts
from deploy.load_sample import load_sample, registration_body
from deploy.open_event import (
    DEADLINE_BEFORE,
    FIRST_CHOICE,
    SIGNUP_LEAD,
    firm_to_sign_up,
    generate_open_event,
    load_open_event,
    open_event_date,
)
from deploy.sample_accounts import SampleAccounts, buyer_account_email
from deploy.sample_data import EVENT_DATE, FIRST_EVENT_DATE, SIGNUP_DAYS, generate_sample, needs_fit, sample_event_date
from deploy.sample_data import SIGNUP_LEAD as SAMPLE_SIGNUP_LEAD
from deploy.schedule_sample import schedule_sample
from services.matcher.app import create_app as create_matcher_app
from services.matcher.settings import MatcherSettings
from services.registry.event_models import EventCreate
from services.registry.registration_models import RegistrationCreate
from services.registry.slots import event_slot_grid
from services.web.settings import WebSettings
from tests.conftest import bearer
from tests.test_deploy_files import DEPLOY, ROOT, env_names

STOCKHOLM_OFFSET = dt.timezone(dt.timedelta(hours=2))
ACCOUNTS = SampleAccounts("arrangor@exempel.se", "org-pw", None, None, "buyer-pw", None, None)


@settings(max_examples=25, deadline=None)
@given(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_the_open_event_lies_ahead_of_any_day_and_is_valid(today):
    open_event = generate_open_event(generate_sample(), today)
    day = dt.date.fromisoformat(open_event.event["event_date"])
    deadline = dt.datetime.fromisoformat(open_event.event["signup_deadline"])
    assert day == open_event.day == open_event_date(today) and day.weekday() == 2  # a Wednesday
    assert deadline.date() == day - DEADLINE_BEFORE >= today + SIGNUP_LEAD
    assert open_event.event["name"] == f"Affärsträff Mora {day.year}"
    # Never needlessly far off: a year later only when the year before would close too soon.
    assert day == FIRST_CHOICE or day - today < dt.timedelta(weeks=52) + DEADLINE_BEFORE + SIGNUP_LEAD
    event = EventCreate.model_validate(open_event.event)
    assert event.municipality_code == "2062"


@settings(max_examples=25, deadline=None)
@given(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_the_published_sample_event_rolls_on_so_a_fresh_clone_can_still_create_it(today):
    day = sample_event_date(today)
    assert day.weekday() == FIRST_EVENT_DATE.weekday() and day >= FIRST_EVENT_DATE
    assert day - dt.timedelta(days=SIGNUP_DAYS) >= today + SAMPLE_SIGNUP_LEAD  # the registry accepts it
    longest_wait = dt.timedelta(weeks=52, days=SIGNUP_DAYS) + SAMPLE_SIGNUP_LEAD
    assert day == FIRST_EVENT_DATE or day - today < longest_wait


def test_the_open_event_has_upper_dalarnas_buyers_with_their_needs_and_a_few_firms():
    sample = generate_sample()
    open_event = generate_open_event(sample, dt.date(2026, 12, 4))
    assert (open_event.event["event_date"], open_event.event["signup_deadline"][:10]) == ("2027-09-22", "2027-09-08")
    assert dt.date.fromisoformat(open_event.event["event_date"]) > EVENT_DATE  # after the published one
    buyers = {b["orgnr"]: b for b in sample.buyers}
    needs = {n["reference"]: n for n in sample.needs}
    rounds = len(event_slot_grid(EventCreate.model_validate(open_event.event).model_dump()))
    org_ids = {body["orgnr"]: f"00000000-0000-0000-0000-{n:012d}" for n, body in enumerate(sample.buyers + sample.smes)}
    need_ids = {ref: f"00000000-0000-0000-0001-{n:012d}" for n, ref in enumerate(needs)}
    signed_buyers = [r for r in open_event.registrations if r["kind"] == "buyer"]
    signed_smes = [r for r in open_event.registrations if r["kind"] == "sme"]
    assert OPEN_EVENT_BUYER in {buyers[r["orgnr"]]["name"] for r in signed_buyers}
    assert len(signed_buyers) >= 5 and 0 < len(signed_smes) < len(sample.smes) // 4
    assert open_event.event["tables"] > sum(r["body"]["tables"] for r in signed_buyers)  # room for one more
    for entry in open_event.registrations:
        body = RegistrationCreate.model_validate(registration_body(entry, org_ids, need_ids))
        assert not body.kind_errors(entry["kind"]) and all(0 <= s < rounds for s in body.available_slots or ())
    for entry in signed_buyers:  # a buyer brings needs of its own
        assert entry["body"]["brought_needs"]
        assert {needs[ref]["buyer_orgnr"] for ref in entry["body"]["brought_needs"]} == {entry["orgnr"]}
    for entry in signed_smes:  # a firm wants needs brought there that fit it
        firm = next(s for s in sample.smes if s["orgnr"] == entry["orgnr"])
        assert set(entry["body"]["wanted_needs"]) <= open_event.brought_needs
        assert all(needs_fit(firm, needs[ref]) for ref in entry["body"]["wanted_needs"])
    candidate = firm_to_sign_up(sample, open_event)
    assert candidate is not None and candidate["orgnr"] not in open_event.signed_up
    assert any(needs_fit(candidate, needs[ref]) for ref in open_event.brought_needs)


def test_first_run_names_a_firm_with_meetings_and_another_that_can_sign_up():
    sample = generate_sample()
    open_event = generate_open_event(sample, dt.date(2026, 12, 4))
    met = {sample.smes[5]["orgnr"], sample.smes[9]["orgnr"]}
    signed_up_by_hand = firm_to_sign_up(sample, open_event)["orgnr"]  # on an earlier run, through the pages
    run = first_run(
        sample, SampleEvent("pub-id", "Affärsträff Dalarna 2027"), ACCOUNTS, met,
        open_event=(SampleEvent("open-id", open_event.event["name"]), open_event, {signed_up_by_hand}),
    )  # fmt: skip
    assert run.met_firm == Person(sample.smes[5]["name"], sample.smes[5]["contacts"][0]["email"])
    new = next(s for s in sample.smes if s["name"] == run.new_firm.name)
    assert new["orgnr"] not in open_event.signed_up | met | {signed_up_by_hand}
    mora = next(b for b in sample.buyers if b["name"] == OPEN_EVENT_BUYER)
    assert run.buyer == Person(OPEN_EVENT_BUYER, buyer_account_email(mora["orgnr"]))

    lines = pages_summary("http://127.0.0.1:8080", run).splitlines()
    assert any("/arrangor/evenemang/pub-id" in line and "publicerad" in line for line in lines)
    assert any("/arrangor/evenemang/open-id" in line and "Affärsträff Mora 2027" in line for line in lines)
    met_line = next(line for line in lines if line.startswith("Företag med möten"))
    assert run.met_firm.email in met_line and "Affärsträff Dalarna 2027" in met_line and "/logga-in/lank" in met_line
    new_line = next(line for line in lines if line.startswith("Företag som kan anmäla sig"))
    assert run.new_firm.email in new_line and "Affärsträff Mora 2027" in new_line
    buyer_line = next(line for line in lines if line.startswith("Köpare"))
    assert run.buyer.email in buyer_line and "buyer-pw" in buyer_line
    # The lines tests/test_processes.py and README.md's "Prova så här" read.
    assert re.search(r"Arrangörens sida / organiser page: http://\S+/arrangor/evenemang/pub-id", "\n".join(lines))
    assert re.search(r"Logga in / sign in: \S+@\S+ +lösenord / password: org-pw", "\n".join(lines))


def test_once_the_open_event_is_closed_by_hand_no_firm_is_offered_to_sign_up_for_it():
    sample = generate_sample()
    open_event = generate_open_event(sample, dt.date(2026, 12, 4))
    stored = SampleEvent("open-id", open_event.event["name"], "published")
    run = first_run(sample, SampleEvent("pub-id", "D"), ACCOUNTS, set(), open_event=(stored, open_event, set()))
    text = pages_summary("http://w", run)
    assert "Andra träffen / second event (published): http://w/arrangor/evenemang/open-id" in text
    assert "Öppen för anmälan" not in text and "kan anmäla sig" not in text


def test_without_an_open_event_or_meetings_the_summary_leaves_those_lines_out():
    run = first_run(generate_sample(smes=10), SampleEvent("pub-id", "Affärsträff Dalarna 2027"), ACCOUNTS, set())
    text = pages_summary("http://w", run)
    assert "Företag" not in text and "Öppen" not in text and "/arrangor/evenemang/pub-id" in text


@pytest.fixture
async def matcher(
    registry: TestClient, db_url: str, service_token: str, matcher_port: int
) -> AsyncIterator[TestClient]:
    """The matcher with a job worker, so the sample can be scheduled as ``up`` does."""
    settings = MatcherSettings(
        database_url=db_url, port=0, registry_url=str(registry.make_url("/")), service_token=service_token,
        log_format="text", workers=1, job_poll_seconds=0.5, solve_time_limit=10,
    )  # fmt: skip
    async with TestClient(TestServer(create_matcher_app(settings), host="127.0.0.1", port=matcher_port)) as client:
        yield client


async def test_up_names_firms_that_really_have_meetings_and_can_really_sign_up(registry, matcher, organiser_token):
    """The registry's own rules (dates ahead, sign-up open) take the open event; the summary's firms are true."""
    sample = generate_sample(seed=3, smes=24)
    base, matcher_base = str(registry.make_url("/")), str(matcher.make_url("/"))
    today = dt.date.today()  # the registry here runs on the real time
    loaded = await load_sample(base, organiser_token, sample)
    scheduled = await schedule_sample(base, matcher_base, organiser_token, loaded.event_id)
    opened = await load_open_event(base, organiser_token, sample=sample, today=today)
    open_event = generate_open_event(sample, today)
    assert not opened.already_loaded and opened.registrations == len(open_event.registrations)

    response = await registry.get(f"/events/{opened.event_id}", headers=bearer(organiser_token))
    event = await response.json()
    assert event["status"] == "open" and event["name"] == open_event.event["name"]
    assert dt.datetime.fromisoformat(event["signup_deadline"]) > dt.datetime.now(dt.UTC) + SIGNUP_LEAD
    assert event["sme_registrations"] + event["buyer_registrations"] == len(open_event.registrations)
    again = await load_open_event(base, organiser_token, sample=sample, today=today)
    assert again.already_loaded and again.event_id == opened.event_id

    met, signed_up = await registry_facts(base, organiser_token, scheduled.met_sme_ids, opened.event_id)
    assert met and signed_up == open_event.signed_up
    run = first_run(
        sample, SampleEvent(loaded.event_id, loaded.event_name), ACCOUNTS, met,
        open_event=(SampleEvent(opened.event_id, opened.name), open_event, signed_up),
    )  # fmt: skip
    assert run.met_firm and run.new_firm
    by_name = {s["name"]: s for s in sample.smes}
    detail = await matcher.get(
        f"/events/{loaded.event_id}/schedules/{scheduled.version['number']}", headers=bearer(organiser_token)
    )
    listed = await registry.get("/organisations?kind=sme&limit=200", headers=bearer(organiser_token))
    ids = {org["orgnr"]: org["id"] for org in (await listed.json())["items"]}
    meetings = (await detail.json())["meetings"]
    assert any(m["sme_id"] == ids[by_name[run.met_firm.name]["orgnr"]] for m in meetings)

    # The firm named as able to sign up can: its sign-up is taken, and the next run names another firm.
    new_id = ids[by_name[run.new_firm.name]["orgnr"]]
    response = await registry.post(
        f"/events/{opened.event_id}/registrations",
        json={"organisation_id": new_id, "available_slots": None, "wanted_needs": []},
        headers=bearer(organiser_token),
    )
    assert response.status == 201, await response.text()
    _, signed_up = await registry_facts(base, organiser_token, scheduled.met_sme_ids, opened.event_id)
    later = first_run(
        sample, SampleEvent(loaded.event_id, loaded.event_name), ACCOUNTS, met,
        open_event=(SampleEvent(opened.event_id, opened.name), open_event, signed_up),
    )  # fmt: skip
    assert later.new_firm is not None and later.new_firm != run.new_firm


# --- the WEB_* settings are documented ----------------------------------------------------------------


WEB_NAMES = sorted(name for name in env_names(WebSettings) if name.startswith("WEB_"))


def _setting_rows() -> dict[str, str]:
    """deploy/README.md's "Environment variables" table: each variable's default cell, backticks dropped."""
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Environment variables") :]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3:
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                rows[name] = cells[1].replace("`", "")
    return rows


def _documented_default(default: object) -> str:
    if default is None or default is PydanticUndefined:
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    if default == ():
        return "empty"
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def test_the_web_names_are_read_from_the_model():
    assert len(WEB_NAMES) > 15
    assert {"WEB_PORT", "WEB_SECRET", "WEB_SERVICE_TOKEN", "WEB_TRUSTED_PROXIES"} <= set(WEB_NAMES)
    assert [_documented_default(v) for v in (30.0, (), True, None, 8080)] == ["30", "empty", "true", "unset", "8080"]


@pytest.mark.parametrize("name", WEB_NAMES)
def test_every_web_setting_has_a_row_with_its_default_in_deploy_readme(name):
    rows = _setting_rows()
    assert name in rows, f"deploy/README.md's settings table has no row for {name}"
    field = next(f for key, f in WebSettings.model_fields.items() if name in (f"WEB_{key}".upper(), f.validation_alias))
    assert rows[name].startswith(_documented_default(field.default)), (name, rows[name], field.default)


def test_the_main_readme_names_every_web_setting_up_sets_and_sends_readers_to_the_full_list():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    # The environment deploy/local.py gives the services: every WEB_* key it sets.
    local = (DEPLOY / "local.py").read_text(encoding="utf-8")
    set_by_up = set(re.findall(r'^\s+"(WEB_[A-Z_]+)":', local, re.M))
    assert {"WEB_SECRET", "WEB_SERVICE_TOKEN", "WEB_PORT", "WEB_DEV_SHOW_SIGN_IN_LINKS"} <= set_by_up
    missing = sorted(name for name in set_by_up if f"`{name}`" not in section)
    assert not missing, f"README.md's Configuration does not say that dev.py up sets {missing}"
    assert "every other `WEB_*` setting is passed on" in " ".join(section.split())
    assert "deploy/README.md#environment-variables" in section


def test_the_readme_starts_with_the_two_commands_then_walks_the_roles():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert first_block and first_block.group(1).split("\n")[:2] == ["python3 dev.py up", "python3 dev.py test"]
    walk = readme[readme.index("## Prova så här") :]
    assert readme.index("## Prova så här") > first_block.end()
    walk = " ".join(walk[: walk.index("\n## ", 1)].split())  # lines wrapped anywhere
    for route in ("/logga-in/lank", "/logga-in", "/kopare/behov/ny", "/registrera", "/utskrift/schema.pdf"):
        assert route in walk, route
    # The labels the walk-through tells people to press are the pages' own (templates and page modules).
    web = ROOT / "services" / "web"
    pages = "\n".join(p.read_text(encoding="utf-8") for p in [*web.rglob("*.html"), *web.glob("*.py")])
    labels = (
        "Skicka länk", "Utvecklingsläge", "Lägg till ett behov", "Spara behovet", "Behov ni vill presentera",
        "Spara ändringarna", "När kan ni vara med?", "Vilka upphandlingar vill ni prata om?", "Skicka anmälan",
        "Registrera företaget", "Stäng anmälan", "Schemat: lägg, granska och publicera", "Kör matchningen",
        "Kör matchningen igen med reglerna", "Varför mötena", "Jämför med en annan version", "Förbjud",
        "Hela schemat, bord × tider (PDF)", "Lägg in i kalendern (.ics)", "Ladda ner agendan som PDF",
    )  # fmt: skip
    for label in labels:
        assert f'"{label}"' in walk, f"README's walk-through does not name {label!r}"
        assert label in pages, f"no page shows {label!r} any more: README.md's walk-through is out of date"
