"""The Dalarna sample data: deterministic, valid by the registry's own models, and loadable over HTTP."""

from __future__ import annotations

import datetime as dt

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from deploy.load_sample import load_sample, registration_body
from deploy.past_event import load_past_event
from deploy.sample_data import EVENT_NAME, generate_sample, needs_fit, slot_count
from services.matcher.app import create_app as create_matcher_app
from services.matcher.privacy.feed import sync_feed
from services.matcher.registry_client import RegistryClient
from services.matcher.reminders import tick
from services.matcher.settings import MatcherSettings
from services.registry.app import create_app as create_registry_app
from services.registry.event_models import EventCreate
from services.registry.need_models import NeedCreate
from services.registry.organisation_models import OrganisationCreate
from services.registry.registration_models import RegistrationCreate
from services.registry.slots import event_slot_grid
from shared.clock import ManualClock
from shared.db import POOL_KEY
from shared.reference.municipalities import dalarna_municipalities
from shared.reference.orgnr import normalise_orgnr
from tests.conftest import bearer


def test_same_seed_same_data_other_seed_other_data():
    assert generate_sample(seed=7) == generate_sample(seed=7)
    assert generate_sample(seed=7).smes != generate_sample(seed=8).smes


@settings(max_examples=5, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=15, max_value=80))
def test_every_record_is_valid_by_the_registry_models(seed, smes):
    sample = generate_sample(seed=seed, smes=smes)
    for body in [*sample.buyers, *sample.smes]:
        created = OrganisationCreate.model_validate(body)
        assert created.orgnr == body["orgnr"] == normalise_orgnr(body["orgnr"])
    for need in sample.needs:
        NeedCreate.model_validate({k: v for k, v in need.items() if k != "buyer_orgnr"})
    event = EventCreate.model_validate(sample.event)
    rounds = len(event_slot_grid(event.model_dump()))
    assert rounds == slot_count()
    org_ids = {body["orgnr"]: f"00000000-0000-0000-0000-{n:012d}" for n, body in enumerate(sample.buyers + sample.smes)}
    need_ids = {need["reference"]: f"00000000-0000-0000-0001-{n:012d}" for n, need in enumerate(sample.needs)}
    for entry in sample.registrations:
        body = RegistrationCreate.model_validate(registration_body(entry, org_ids, need_ids))
        assert all(0 <= slot < rounds for slot in body.available_slots or ())
        assert not body.kind_errors(entry["kind"])


def test_shape_of_the_sample():
    sample = generate_sample()
    assert len({b["orgnr"] for b in sample.buyers + sample.smes}) == len(sample.buyers) + len(sample.smes)
    assert len({n["reference"] for n in sample.needs}) == len(sample.needs)
    names = {b["name"] for b in sample.buyers}
    assert {"Falu kommun", "Region Dalarna", "Länsstyrelsen Dalarna", "Malung-Sälens kommun"} <= names
    assert all(3 <= sum(n["buyer_orgnr"] == b["orgnr"] for n in sample.needs) <= 6 for b in sample.buyers)
    assert {m.code for m in dalarna_municipalities()} == {s["municipality_code"] for s in sample.smes}
    assert sample.event["name"] == EVENT_NAME and sample.event["municipality_code"] == "2080"
    assert {r["rule"] for r in sample.pair_rules} == {"must_meet", "never"}
    contacts = [c for o in sample.buyers + sample.smes for c in o["contacts"]]
    assert all(c["email"].endswith(".example.com") and c["phone"].startswith("070-1740") for c in contacts)


def test_some_needs_fit_some_smes_and_some_smes_fit_none():
    sample = generate_sample()
    fitting = {s["orgnr"] for s in sample.smes for n in sample.needs if needs_fit(s, n)}
    assert len(fitting) > len(sample.smes) // 2
    assert len(fitting) < len(sample.smes)
    wanted = [r for r in sample.registrations if r["kind"] == "sme" and r["body"]["wanted_needs"]]
    assert wanted


@pytest.mark.parametrize("smes", [20])
async def test_loading_into_the_registry_works_and_is_idempotent(registry, organiser_token, smes):
    sample = generate_sample(seed=3, smes=smes)
    base = str(registry.make_url("/"))
    summary = await load_sample(base, organiser_token, sample)
    assert not summary.already_loaded
    assert summary.organisations_created == len(sample.buyers) + smes
    assert summary.needs_created == len(sample.needs)
    again = await load_sample(base, organiser_token, sample)
    assert again.already_loaded and again.event_id == summary.event_id

    response = await registry.get(f"/events/{summary.event_id}", headers=bearer(organiser_token))
    event = await response.json()
    assert event["status"] == "open"
    assert event["sme_registrations"] + event["buyer_registrations"] == len(sample.registrations)
    response = await registry.get(f"/events/{summary.event_id}/pair-rules", headers=bearer(organiser_token))
    assert len((await response.json())["items"]) == len(sample.pair_rules)
    response = await registry.get(f"/events/{summary.event_id}/snapshot", headers=bearer(organiser_token))
    assert response.status == 200


async def test_the_past_event_is_held_answered_and_followed_by_an_award(
    registry_settings, db_url, matcher_port, organiser_token, service_token
):
    """The past event played on the services' shared clock, as ``python3 dev.py up`` does on its CLOCK_FILE."""
    clock = ManualClock(dt.datetime.now(dt.UTC))

    def travel(moment: dt.datetime | None) -> None:
        clock.set(moment or dt.datetime.now(dt.UTC))

    registry_app = create_registry_app(registry_settings, clock=clock)
    async with TestClient(TestServer(registry_app, host="127.0.0.1")) as registry:
        settings = MatcherSettings(
            database_url=db_url, port=0, registry_url=str(registry.make_url("/")), service_token=service_token,
            log_format="text", workers=1, job_poll_seconds=0.5, solve_time_limit=10,
        )  # fmt: skip
        server = TestServer(create_matcher_app(settings, clock=clock), host="127.0.0.1", port=matcher_port)
        async with TestClient(server) as matcher:
            pool = matcher.server.app[POOL_KEY]

            async def one_round(moment: dt.datetime) -> None:
                await tick(pool, ManualClock(moment))

            sample = generate_sample(seed=3, smes=30)
            base, matcher_base = str(registry.make_url("/")), str(matcher.make_url("/"))
            await load_sample(base, organiser_token, sample)
            past = await load_past_event(
                base, matcher_base, organiser_token, sample=sample, travel=travel, tick=one_round,
                today=dt.date(2026, 12, 4),
            )  # fmt: skip
            assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)  # back to the real time
            assert past.day == dt.date(2026, 4, 22) and past.meetings > 0 and not past.already_loaded

            feedback = await matcher.get(f"/events/{past.event_id}/feedback", headers=bearer(organiser_token))
            document = await feedback.json()
            assert document["asked"] > 0 and document["asked"] * 0.7 <= document["answered"] < document["asked"]
            assert document["ratings"]["will_bid_or_buy"] >= 1 and document["follow_up"]["answered"] > 0
            assert sum(need["awards"]["yes"] for need in document["follow_up"]["needs"]) == 1

            organiser = bearer(organiser_token)
            need = await (await registry.get(f"/needs/{past.award_need_id}", headers=organiser)).json()
            firm = await (await registry.get(f"/organisations/{past.award_firm_id}", headers=organiser)).json()
            assert need["procurement"]["stage"] == "awarded"
            suppliers = [s for award in need["procurement"]["awards"] for s in award["suppliers"]]
            assert [normalise_orgnr(s["orgnr"]) for s in suppliers] == [firm["orgnr"]]
            version = await matcher.get(f"/events/{past.event_id}/schedules", headers=bearer(organiser_token))
            published = next(v for v in (await version.json())["items"] if v["status"] == "published")
            detail = await matcher.get(
                f"/events/{past.event_id}/schedules/{published['number']}", headers=bearer(organiser_token)
            )
            met = {(m["sme_id"], m["buyer_id"], m["need_id"]) for m in (await detail.json())["meetings"]}
            assert (past.award_firm_id, need["buyer"]["id"], past.award_need_id) in met

            # The matcher's feed reads the moves: the statistics page has the past event's outcomes.
            async with aiohttp.ClientSession() as session:
                await sync_feed(pool, settings, RegistryClient(session, base, service_token, tries=1))
            report = await matcher.get("/statistics", params={"year": "2026"}, headers=organiser)
            totals = (await report.json())["totals"]
            assert (totals["events"], totals["awards_to_met_firms"], totals["tenders_followed"]) == (1, 1, 3)
            assert totals["feedback_answered"] == document["answered"] and totals["no_shows"] == past.no_shows

            again = await load_past_event(
                base, matcher_base, organiser_token, sample=sample, travel=travel, tick=one_round,
                today=dt.date(2026, 12, 4),
            )  # fmt: skip
            assert again.already_loaded and again.event_id == past.event_id
            assert (again.asked, again.answered) == (document["asked"], document["answered"])
