"""CSV bulk import of organisations: POST /organisations/import, on the real app and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry import bulk
from services.registry.organisation_models import ORGANISATION_COLUMNS
from services.registry.sql import bulk as sql
from shared.auth import Role
from shared.reference.orgnr import orgnr_from_serial
from tests.conftest import bearer

HEADER = (
    "orgnr,name,kind,municipality_code,cpv_codes,description,keywords,serves,certificates,"
    "contact_name,contact_email,contact_phone"
)


def sme_line(serial: int, name: str = "Falu Städ AB", cpv: str = "90910000 90911200", **over: str) -> str:
    cells = {
        "orgnr": orgnr_from_serial(serial),
        "name": name,
        "kind": "sme",
        "municipality_code": "2080",
        "cpv_codes": cpv,
        "description": "Lokalvård och fönsterputsning",
        "keywords": "städning|fönsterputs",
        "serves": "2080 2081",
        "certificates": "F-skatt|ISO 14001",
        "contact_name": "Anna Lind",
        "contact_email": f"anna{serial}@falu-stad.example.com",
        "contact_phone": "070-1740123",
        **over,
    }
    return ",".join(f'"{value}"' if "," in value else value for value in cells.values())


def csv_of(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


async def post_csv(registry, token: str, body: bytes, **params: str):
    headers = {**bearer(token), "Content-Type": "text/csv; charset=utf-8"}
    return await registry.post("/organisations/import", data=body, headers=headers, params=params)


async def count_orgs(db) -> int:
    return await db.fetchval("SELECT count(*) FROM registry.organisations")


def test_staging_columns_follow_the_models_columns():
    assert sql.STAGING_COLUMNS[1:-4] == ORGANISATION_COLUMNS


@given(st.lists(st.sampled_from(["2080", "2081", "20", "21", "SE", "se"]), max_size=6))
def test_areas_of_puts_every_token_in_one_place(tokens):
    areas = bulk.areas_of(" | ".join(tokens))
    assert areas["whole_country"] == any(t.upper() == "SE" for t in tokens)
    assert len(areas["counties"]) + len(areas["municipalities"]) == sum(t.upper() != "SE" for t in tokens)


async def test_valid_file_is_imported_with_contacts_and_one_audit_entry(registry, organiser_token, db):
    body = csv_of(sme_line(1), sme_line(2, "Borlänge Bygg AB", "45453000", municipality_code="2081"))
    response = await post_csv(registry, organiser_token, body)
    assert response.status == 200, await response.text()
    result = await response.json()
    assert (result["rows"], result["created"], result["updated"], result["skipped"], result["invalid"]) == (
        2,
        2,
        0,
        0,
        0,
    )
    row = await db.fetchrow("SELECT * FROM registry.organisations WHERE orgnr = $1", orgnr_from_serial(1))
    assert row["cpv_codes"] == ["90910000", "90911200"]
    assert row["served_municipalities"] == ["2080", "2081"]
    assert row["certificates"] == ["F-skatt", "ISO 14001"]
    assert row["keywords"] == ["städning", "fönsterputs"]
    contact = await db.fetchrow("SELECT * FROM registry.contacts WHERE organisation_id = $1", row["id"])
    assert (contact["name"], contact["phone"], contact["position"]) == ("Anna Lind", "+46701740123", 0)
    entries = await db.fetch("SELECT * FROM registry.audit_log WHERE action = 'organisation.import'")
    assert len(entries) == 1
    assert entries[0]["actor_role"] == "organiser"
    changes = json.loads(entries[0]["changes"])  # the test connection has no jsonb codec
    assert changes["values"]["created"] == 2 and changes["values"]["on_conflict"] == "error"
    assert "anna" not in entries[0]["changes"].lower()


async def test_all_or_nothing_rejects_the_file_and_stores_nothing(registry, organiser_token, db):
    body = csv_of(sme_line(1), sme_line(2, orgnr="556016-0681"), sme_line(3, cpv="12345678"))
    response = await post_csv(registry, organiser_token, body)
    assert response.status == 422
    problem = await response.json()
    pointers = {error["pointer"] for error in problem["errors"]}
    assert pointers == {"/rows/2/orgnr", "/rows/3/cpv_codes/0"} or {"/rows/2/orgnr", "/rows/3/cpv_codes"} <= pointers
    assert problem["invalid"] == 2 and problem["rows"] == 3
    assert await count_orgs(db) == 0
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log") == 0


async def test_report_mode_stores_the_valid_rows_and_lists_the_invalid(registry, organiser_token, db):
    body = csv_of(sme_line(1), sme_line(2, contact_email="not-an-address"), sme_line(3), sme_line(4, cpv=""))
    response = await post_csv(registry, organiser_token, body, mode="report")
    assert response.status == 200
    result = await response.json()
    assert (result["created"], result["invalid"]) == (2, 2)
    pointers = [error["pointer"] for error in result["errors"]]
    assert pointers == ["/rows/2/contact_email", "/rows/4/cpv_codes"]
    assert await count_orgs(db) == 2


async def test_semicolon_file_with_bom_from_excel(registry, organiser_token, db):
    lines = [
        "orgnr;name;municipality_code;cpv_codes;turnover_sek;serves;certificates;description",
        f'{orgnr_from_serial(7)};Mora Snöröjning AB;2062;90620000, 90630000;1 250 000;20;F-skatt, ISO 14001;"Snö; is"',
        ";;;;;;;",
    ]
    body = "\ufeff".encode() + "\r\n".join(lines).encode() + b"\r\n"
    response = await post_csv(registry, organiser_token, body)
    assert response.status == 200, await response.text()
    assert (await response.json())["created"] == 1
    row = await db.fetchrow("SELECT * FROM registry.organisations")
    assert (row["orgnr"], row["name"], row["turnover_sek"]) == (orgnr_from_serial(7), "Mora Snöröjning AB", 1_250_000)
    assert row["served_counties"] == ["20"] and row["description"] == "Snö; is"
    assert row["kind"] == "sme" and row["languages"] == ["sv"]


async def test_quoted_field_spanning_lines(registry, organiser_token, db):
    body = csv_of(sme_line(1, description="Rad ett\nrad två, med komma"), sme_line(2))
    response = await post_csv(registry, organiser_token, body)
    assert (await response.json())["created"] == 2
    assert await db.fetchval(
        "SELECT description FROM registry.organisations WHERE orgnr = $1", orgnr_from_serial(1)
    ) == ("Rad ett\nrad två, med komma")


async def test_duplicate_orgnr_within_the_file_is_a_row_error(registry, organiser_token, db):
    body = csv_of(sme_line(1), sme_line(1, "Copy AB"))
    response = await post_csv(registry, organiser_token, body)
    assert response.status == 422
    errors = (await response.json())["errors"]
    assert [(e["pointer"], e["code"]) for e in errors] == [("/rows/2/orgnr", "duplicate_in_file")]
    assert await count_orgs(db) == 0


@pytest.mark.parametrize("mode", ["all_or_nothing", "report"])
async def test_on_conflict_error(registry, organiser_token, db, make_org, mode):
    await make_org("sme", orgnr=orgnr_from_serial(1), name="Redan AB")
    response = await post_csv(registry, organiser_token, csv_of(sme_line(1), sme_line(2)), mode=mode)
    if mode == "all_or_nothing":
        assert response.status == 422
        errors = (await response.json())["errors"]
        assert [(e["pointer"], e["code"]) for e in errors] == [("/rows/1/orgnr", "already_registered")]
        assert await count_orgs(db) == 1
    else:
        result = await response.json()
        assert (result["created"], result["invalid"]) == (1, 1)
        assert await count_orgs(db) == 2


async def test_on_conflict_skip_and_update(registry, organiser_token, db, make_org):
    org_id = await make_org("sme", orgnr=orgnr_from_serial(1), name="Gamla Namnet AB", cpv_codes=["45000000"])
    body = csv_of(sme_line(1, "Nya Namnet AB"), sme_line(2))
    skipped = await (await post_csv(registry, organiser_token, body, on_conflict="skip")).json()
    assert (skipped["created"], skipped["skipped"], skipped["updated"]) == (1, 1, 0)
    assert await db.fetchval("SELECT name FROM registry.organisations WHERE id = $1", org_id) == "Gamla Namnet AB"

    updated = await (await post_csv(registry, organiser_token, body, on_conflict="update")).json()
    assert (updated["created"], updated["skipped"], updated["updated"]) == (0, 0, 2)
    row = await db.fetchrow("SELECT * FROM registry.organisations WHERE id = $1", org_id)
    assert (row["name"], row["cpv_codes"], row["version"]) == ("Nya Namnet AB", ["90910000", "90911200"], 2)
    # The contact was replaced, not duplicated, on the organisation imported twice.
    second = await db.fetchval("SELECT id FROM registry.organisations WHERE orgnr = $1", orgnr_from_serial(2))
    assert await db.fetchval("SELECT count(*) FROM registry.contacts WHERE organisation_id = $1", second) == 1
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'organisation.import'") == 2


async def test_update_never_changes_kind(registry, organiser_token, db, make_org):
    await make_org("buyer", orgnr=orgnr_from_serial(1), name="Falu kommun")
    response = await post_csv(registry, organiser_token, csv_of(sme_line(1)), on_conflict="update")
    assert response.status == 422
    assert [e["code"] for e in (await response.json())["errors"]] == ["kind_cannot_change"]
    assert await db.fetchval("SELECT kind FROM registry.organisations") == "buyer"


async def test_bad_header_and_bad_files(registry, organiser_token, db):
    response = await post_csv(registry, organiser_token, b"orgnr,namn,municipality_code\n")
    assert response.status == 422
    assert {e["pointer"] for e in (await response.json())["errors"]} == {"/header/namn", "/header/name"}
    assert (await post_csv(registry, organiser_token, b"")).status == 422
    assert (await post_csv(registry, organiser_token, csv_of(sme_line(1)).replace(b"\xc3\xa4", b"\xe4"))).status == 422
    unclosed = csv_of(sme_line(1, description='"never closed'))
    assert (await post_csv(registry, organiser_token, unclosed)).status == 422
    response = await registry.post(
        "/organisations/import", data=b"{}", headers={**bearer(organiser_token), "Content-Type": "application/json"}
    )
    assert response.status == 415
    response = await post_csv(registry, organiser_token, csv_of(sme_line(1)), mode="sometimes")
    assert response.status == 422
    assert (await response.json())["errors"][0]["parameter"] == "mode"
    assert await count_orgs(db) == 0


async def test_row_limit_is_enforced(registry, organiser_token, db, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_IMPORT_ROWS", 2)
    response = await post_csv(registry, organiser_token, csv_of(sme_line(1), sme_line(2), sme_line(3)))
    assert response.status == 413
    assert "At most 2 rows" in (await response.json())["detail"]
    assert await count_orgs(db) == 0


async def test_roles(registry, make_token, make_org, db):
    response = await registry.post(
        "/organisations/import", data=csv_of(sme_line(1)), headers={"Content-Type": "text/csv"}
    )
    assert response.status == 401
    sme = await make_org("sme")
    for role, org in ((Role.SME, sme), (Role.SERVICE, None)):
        token = await make_token(role, org)
        assert (await post_csv(registry, token, csv_of(sme_line(1)))).status == 403
    assert await count_orgs(db) == 1


async def test_many_rows_in_one_import(registry, organiser_token, db):
    lines = [sme_line(serial, f"Firma {serial} AB") for serial in range(1, 1501)]
    response = await post_csv(registry, organiser_token, csv_of(*lines))
    assert response.status == 200
    assert (await response.json())["created"] == 1500
    assert await db.fetchval("SELECT count(*) FROM registry.contacts") == 1500


async def test_rows_validated_in_worker_processes_report_like_the_others(registry, organiser_token, db):
    """More than one batch: rows are checked in worker processes; errors still point at their rows and
    columns, in row order, and a duplicate orgnr is found across batches."""
    count = bulk.BATCH_ROWS * 2 + 10
    lines = [sme_line(serial, f"Firma {serial} AB") for serial in range(1, count + 1)]
    lines[bulk.BATCH_ROWS + 5] = sme_line(bulk.BATCH_ROWS + 6, contact_email="inte-en-adress")
    lines[-1] = sme_line(3, "Dubblett AB")
    body = csv_of(*lines)

    rejected = await post_csv(registry, organiser_token, body)
    assert rejected.status == 422
    assert [e["pointer"] for e in (await rejected.json())["errors"]] == [
        f"/rows/{bulk.BATCH_ROWS + 6}/contact_email",
        f"/rows/{count}/orgnr",
    ]
    assert await count_orgs(db) == 0

    response = await post_csv(registry, organiser_token, body, mode="report")
    assert response.status == 200
    result = await response.json()
    assert (result["rows"], result["created"], result["invalid"]) == (count, count - 2, 2)
    assert await count_orgs(db) == count - 2
