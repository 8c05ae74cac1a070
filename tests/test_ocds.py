"""OCDS ⇄ needs: the pure mapping (unit and property tests) and the import/export routes on the real app."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.need_models import NeedFields
from services.registry.ocds import EXAMPLE_RELEASE, OcdsInvalid, release_to_fields, releases_in, validate_release
from services.registry.ocds_export import need_to_release
from shared.auth import Role
from tests.conftest import bearer

FALUN_ORGNR = "212000-2080"
BORLANGE_ORGNR = "212000-2098"


def release(**tender_overrides: object) -> dict:
    result = copy.deepcopy(EXAMPLE_RELEASE)
    result["tender"].update(tender_overrides)
    return result


def mapped(document: dict) -> NeedFields:
    return validate_release(release_to_fields(document))


def errors_of(document: dict, pointer: str = "") -> list[tuple[str, str]]:
    with pytest.raises(OcdsInvalid) as caught:
        validate_release(release_to_fields(document, pointer))
    return [(error.pointer, error.code) for error in caught.value.errors]


# --- pure mapping -------------------------------------------------------------------------------


def test_example_release_maps_every_field():
    need = mapped(EXAMPLE_RELEASE)
    assert need.ocid == "ocds-example-falun-2026-001" and need.reference == "KS 2026/0042"
    assert need.procedure == "simplified" and need.status == "planning"
    assert need.planned_tender_date == date(2026, 4, 1) and need.delivery_municipality == "2080"
    assert need.contact is not None and need.contact.phone == "+462312345"


def test_items_lots_and_additional_classifications():
    document = release(
        items=[
            {
                "id": "1",
                "classification": {"scheme": "CPV", "id": "90620000"},
                "additionalClassifications": [{"scheme": "CPV", "id": "90910000"}, {"scheme": "UNSPSC", "id": "x"}],
            },
            {"id": "2", "classification": {"scheme": "CPV", "id": "77314100"}, "relatedLot": "A"},
        ],
        lots=[{"id": "A", "title": "Gräs", "value": {"amount": 99_999.5, "currency": "SEK"}, "suitability": {}}],
        suitability=None,
        contractPeriod={"startDate": "2026-10-01T00:00:00+02:00", "endDate": "2028-04-30T23:59:59+02:00"},
    )
    need = mapped(document)
    assert (need.cpv_main, need.cpv_additional) == ("90620000", ["90910000"])
    assert need.lots[0].model_dump() == {
        "id": "A",
        "title": "Gräs",
        "description": "",
        "estimated_value_sek": 100_000,
        "cpv_codes": ["77314100"],
    }
    assert (need.contract_start, need.contract_end) == (date(2026, 10, 1), date(2028, 4, 30))
    assert need.suitable_for_smes is True


@pytest.mark.parametrize(
    ("method", "details", "procedure"),
    [
        ("direct", None, "direct_award"),
        ("open", "Öppet förfarande", "open"),
        ("selective", None, "other"),
        (None, None, "other"),
    ],
)
def test_procurement_method_mapping(method, details, procedure):
    assert mapped(release(procurementMethod=method, procurementMethodDetails=details)).procedure == procedure


def test_errors_point_into_the_document():
    document = release()
    document["planning"]["budget"]["amount"]["currency"] = "EUR"
    document["tag"] = ["award"]
    assert set(errors_of(document, "/releases/3")) == {
        ("/releases/3/planning/budget/amount/currency", "unsupported_currency"),
        ("/releases/3/tag", "unsupported_tag"),
    }
    document = release(items=[{"id": "1", "classification": {"scheme": "CPV", "id": "90620000-1"}}])
    document["parties"][0]["contactPoint"]["email"] = "nope"
    assert set(errors_of(document, "/releases/0")) == {
        ("/releases/0/tender/items/0/classification/id", "value_error"),
        ("/releases/0/parties/0/contactPoint/email", "value_error"),
    }
    assert errors_of(release(items=[]))[0] == ("/tender/items", "missing")
    assert errors_of(release(status="finished"))[0] == ("/tender/status", "unsupported_status")
    document = release(contractPeriod={"startDate": "2027-01-01", "endDate": "2026-01-01T00:00:00Z"})
    assert errors_of(document) == [("/tender", "value_error")]


def test_buyer_identifier_schemes():
    document = copy.deepcopy(EXAMPLE_RELEASE)
    document["parties"][0]["identifier"] = {"scheme": "SE-BOLV", "id": "2120002080"}  # accepted misspelling
    assert release_to_fields(document).buyer_orgnr == FALUN_ORGNR
    document["parties"][0]["identifier"] = {"scheme": "GB-COH", "id": "123"}
    assert errors_of(document) == [("/parties/0/identifier", "missing")]


def test_package_shapes():
    assert releases_in({"releases": [{"ocid": "x"}]}) == [("/releases/0", {"ocid": "x"})]
    for document, pointer in (([], ""), ({"releases": []}, "/releases"), ({"releases": [1]}, "/releases/0")):
        with pytest.raises(OcdsInvalid) as caught:
            releases_in(document)
        assert caught.value.errors[0].pointer == pointer


CPV = ["90620000", "90910000", "55524000", "45214200", "77314100", "44111000"]
WORDS = st.text(alphabet="abcåäöXYZ 0123-", min_size=1, max_size=30)
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
LOTS = st.lists(
    st.fixed_dictionaries(
        {"id": st.sampled_from(["A", "B", "C", "lot-9"]), "title": WORDS},
        optional={
            "description": WORDS,
            "estimated_value_sek": st.integers(0, 10**9),
            "cpv_codes": st.lists(st.sampled_from(CPV), max_size=3),
        },
    ),
    max_size=3,
    unique_by=lambda lot: lot["id"],
)


@st.composite
def needs(draw) -> NeedFields:
    start, end = sorted(draw(st.lists(DAYS, min_size=2, max_size=2)))
    data = {
        "title": draw(WORDS),
        "description": draw(st.one_of(st.just(""), WORDS)),
        "cpv_main": draw(st.sampled_from(CPV)),
        "cpv_additional": draw(st.lists(st.sampled_from(CPV), max_size=4)),
        "estimated_value_sek": draw(st.one_of(st.none(), st.integers(0, 10**11))),
        "planned_tender_date": draw(st.one_of(st.none(), DAYS)),
        "contract_start": draw(st.one_of(st.none(), st.just(start))),
        "contract_end": draw(st.one_of(st.none(), st.just(end))),
        "procedure": draw(st.sampled_from(["direct_award", "simplified", "open", "other"])),
        "lots": draw(LOTS),
        "delivery_municipality": draw(st.one_of(st.none(), st.sampled_from(["2080", "2081", "0180"]))),
        "suitable_for_smes": draw(st.booleans()),
        "status": draw(st.sampled_from(["planning", "planned", "published", "cancelled"])),
        "reference": draw(st.one_of(st.none(), st.text(alphabet="KS /0123", min_size=1, max_size=20))),
        "ocid": "ocds-test-" + draw(st.text(alphabet="abc123", min_size=1, max_size=10)),
        "contact": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {"name": WORDS, "email": st.sampled_from(["a@falun.se", "b.c@borlange.se"])},
                    optional={"phone": st.sampled_from(["+46701234567", "+462312345"])},
                ),
            )
        ),
    }
    return NeedFields.model_validate(data)


@settings(max_examples=150, deadline=None)
@given(need=needs())
def test_need_to_release_and_back_is_the_identity(need):
    document = need_to_release(
        need,
        ocid=need.ocid,
        release_id="r-1",
        released_at=datetime(2026, 1, 1, tzinfo=UTC),
        buyer_name="Falu kommun",
        buyer_orgnr=FALUN_ORGNR,
    )
    document = json.loads(json.dumps(document))  # as it travels
    imported = release_to_fields(document, "/releases/0")
    assert imported.buyer_orgnr == FALUN_ORGNR
    assert validate_release(imported) == need


# --- routes ---------------------------------------------------------------------------------------


@pytest.fixture
async def falun(make_org, make_token):
    org = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    return org, await make_token(Role.BUYER, org)


@pytest.fixture
async def borlange(make_org, make_token):
    org = await make_org("buyer", name="Borlänge kommun", orgnr=BORLANGE_ORGNR, buyer_category="municipality")
    return org, await make_token(Role.BUYER, org)


def package(*releases: dict) -> dict:
    return {"uri": "https://example.org/p.json", "version": "1.1", "releases": list(releases)}


def second_release() -> dict:
    document = release(
        title="Skolmåltider",
        id="KS 2026/0050",
        procurementMethod="direct",
        procurementMethodDetails="Direktupphandling",
        items=[{"id": "1", "classification": {"scheme": "CPV", "id": "55524000-9"}}],
        lots=[{"id": "1", "title": "Norr"}, {"id": "2", "title": "Söder", "value": {"amount": 5, "currency": "SEK"}}],
    )
    document["ocid"] = "ocds-example-falun-2026-002"
    return document


async def import_(registry, token: str, document: object):
    return await registry.post("/needs/import/ocds", json=document, headers=bearer(token))


async def test_import_creates_then_reimport_updates_by_ocid(registry, falun, db):
    _, token = falun
    response = await import_(registry, token, package(EXAMPLE_RELEASE, second_release()))
    assert response.status == 200, await response.text()
    result = await response.json()
    assert (result["created"], result["updated"], len(result["needs"])) == (2, 0, 2)
    changed = release(title="Snöröjning Falun 2026–2028")
    response = await import_(registry, token, changed)  # a single release is accepted too
    result = await response.json()
    assert (result["created"], result["updated"]) == (0, 1)
    row = await db.fetchrow("SELECT title, version FROM registry.needs WHERE ocid = $1", EXAMPLE_RELEASE["ocid"])
    assert (row["title"], row["version"]) == ("Snöröjning Falun 2026–2028", 2)
    assert await db.fetchval("SELECT count(*) FROM registry.needs") == 2


async def test_malformed_package_is_422_per_field_and_stores_nothing(registry, falun, db):
    _, token = falun
    broken = second_release()
    broken["tender"]["items"][0]["classification"]["id"] = "55524000-1"
    broken["parties"][0]["contactPoint"]["email"] = "inte-en-adress"
    euro = release()
    euro["ocid"] = "ocds-example-3"
    euro["planning"]["budget"]["amount"]["currency"] = "EUR"
    response = await import_(registry, token, package(EXAMPLE_RELEASE, broken, euro))
    assert response.status == 422
    found = {(e["pointer"], e["code"]) for e in (await response.json())["errors"]}
    assert found == {
        ("/releases/1/tender/items/0/classification/id", "value_error"),
        ("/releases/1/parties/0/contactPoint/email", "value_error"),
        ("/releases/2/planning/budget/amount/currency", "unsupported_currency"),
    }
    assert await db.fetchval("SELECT count(*) FROM registry.needs") == 0
    response = await registry.post(
        "/needs/import/ocds", data="{nope", headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await import_(registry, token, {"hello": 1})).status == 422


async def test_import_only_for_the_callers_own_buyer(registry, falun, borlange, organiser_token, make_token, db):
    _, borlange_token = borlange
    response = await import_(registry, borlange_token, package(EXAMPLE_RELEASE))
    assert response.status == 422
    assert (await response.json())["errors"][0]["pointer"] == "/releases/0/parties/0/identifier/id"
    unknown = copy.deepcopy(EXAMPLE_RELEASE)
    unknown["parties"][0]["identifier"]["id"] = "212000-2106"
    response = await import_(registry, organiser_token, package(unknown))
    assert response.status == 422 and (await response.json())["errors"][0]["code"] == "unknown_buyer"
    assert await db.fetchval("SELECT count(*) FROM registry.needs") == 0
    response = await import_(registry, organiser_token, package(EXAMPLE_RELEASE))
    assert response.status == 200
    # Borlänge may not take over Falun's process by pointing its own release at the same ocid.
    hijack = copy.deepcopy(EXAMPLE_RELEASE)
    hijack["parties"][0]["identifier"]["id"] = BORLANGE_ORGNR
    response = await import_(registry, borlange_token, hijack)
    assert response.status == 422 and (await response.json())["errors"][0]["pointer"] == "/ocid"
    sme = await make_token(Role.SME, (await db.fetchval("SELECT id FROM registry.organisations LIMIT 1")))
    assert (await import_(registry, sme, EXAMPLE_RELEASE)).status == 403


async def test_export_import_round_trip_into_a_fresh_buyer(registry, falun, borlange, db):
    falun_id, falun_token = falun
    borlange_id, borlange_token = borlange
    third = second_release()
    third["ocid"] = "ocds-example-falun-2026-003"
    third["tender"].update(status="planned", contractPeriod={"startDate": "2026-07-01T00:00:00+02:00"})
    third["tender"]["items"].append(
        {"id": "9", "classification": {"scheme": "CPV", "id": "90910000"}, "relatedLot": "2"}
    )
    await import_(registry, falun_token, package(EXAMPLE_RELEASE, second_release(), third))
    exported = await (await registry.get("/needs/export/ocds", headers=bearer(falun_token))).json()
    assert exported["version"] == "1.1" and exported["publisher"]["name"]
    assert {r["tag"][0] for r in exported["releases"]} == {"planning"}
    assert all(r["initiationType"] == "tender" and r["buyer"]["name"] == "Falu kommun" for r in exported["releases"])
    columns = "ocid, reference, title, description, cpv_main, cpv_additional, estimated_value_sek, " \
        "planned_tender_date, contract_start, contract_end, procedure, lots, delivery_municipality, " \
        "suitable_for_smes, status, contact"  # fmt: skip
    before = [dict(r) for r in await db.fetch(f"SELECT {columns} FROM registry.needs ORDER BY ocid")]  # noqa: S608

    await db.execute("DELETE FROM registry.needs WHERE buyer_id = $1", falun_id)
    for entry in exported["releases"]:
        entry["parties"][0]["identifier"]["id"] = BORLANGE_ORGNR
    response = await import_(registry, borlange_token, exported)
    assert (await response.json())["created"] == 3
    after = [dict(r) for r in await db.fetch(f"SELECT {columns} FROM registry.needs ORDER BY ocid")]  # noqa: S608
    assert after == before
    assert await db.fetchval("SELECT count(*) FROM registry.needs WHERE buyer_id = $1", borlange_id) == 3


async def test_export_hides_contacts_and_planning_needs_from_others(registry, falun, make_org, make_token):
    _, falun_token = falun
    await import_(registry, falun_token, package(EXAMPLE_RELEASE, release(status="planned") | {"ocid": "o-2"}))
    sme_token = await make_token(Role.SME, await make_org("sme"))
    exported = await (await registry.get("/needs/export/ocds", headers=bearer(sme_token))).json()
    assert [r["ocid"] for r in exported["releases"]] == ["o-2"]
    assert "contactPoint" not in exported["releases"][0]["parties"][0]
    filtered = await registry.get("/needs/export/ocds?municipality=2081", headers=bearer(falun_token))
    assert (await filtered.json())["releases"] == []
    assert (await registry.get("/needs/export/ocds")).status == 401
