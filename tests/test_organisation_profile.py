"""Every spelling of the organisation profile agrees with :mod:`shared.organisation_profile`.

The registry's column lists are derived from the definition; the copies kept by hand (for speed, or
for the contract's documentation) are checked here: the snapshot's model and its ``_profile`` dict on
a real row, the snapshot's SELECT, the registry's create, update and read models, the table itself,
the CSV bulk import, the matcher's guest profile, and the names of the web's profile forms as served.
A field added in one place only makes one of these fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from typing import Any

import pytest
from multidict import MultiDict
from pydantic import BaseModel

from services.matcher.relevance.guest import snapshot_organisation
from services.registry import bulk
from services.registry.organisation_models import (
    AreasServed,
    Organisation,
    OrganisationCreate,
    OrganisationUpdate,
    organisation_of_row,
)
from services.registry.snapshot import _profile
from services.registry.sql import bulk as bulk_sql
from services.registry.sql import organisations as organisations_sql
from services.registry.sql import snapshot as snapshot_sql
from services.web import buyer_pages, sme_pages
from services.web.session import CSRF_FIELD
from shared.auth import Role
from shared.organisation_profile import (
    BUYER_FORM_FIELD_NAMES,
    COMPOSITE_FIELDS,
    CSV_COLUMNS,
    FIELDS,
    PROFILE_COLUMNS,
    PROFILE_FIELDS,
    SME_FORM_FIELD_NAMES,
    SNAPSHOT_COLUMNS,
    SNAPSHOT_FIELD_NAMES,
)
from shared.snapshot import SnapshotOrganisation, SnapshotServedArea
from tests.web.conftest import Browser, web, web_settings  # noqa: F401 - fixtures for the form pages

PROFILE_NAMES = frozenset(FIELDS)
# What the read model has besides the profile: identity, personal data and bookkeeping.
READ_EXTRAS = frozenset({"id", "orgnr_is_personal_number", "contacts", "erased", "version", "created_at", "updated_at"})
# Columns of registry.organisations that hold no profile field: bookkeeping and derived search columns.
NON_PROFILE_COLUMNS = frozenset(
    {"id", "erased_at", "version", "created_at", "updated_at", "sort_name", "search_document", "search_text"}
)
# Form inputs that are no profile field: the CSRF token, the version an edit is based on, row counters.
FORM_EXTRAS = frozenset({CSRF_FIELD, "version", "contact_rows"})


def fields_of(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields)


# --- the definition itself -----------------------------------------------------------------------------


def test_every_column_belongs_to_one_field() -> None:
    assert len(PROFILE_COLUMNS) == len(set(PROFILE_COLUMNS))
    assert len(PROFILE_FIELDS) == len(FIELDS)
    assert set(SNAPSHOT_COLUMNS) <= set(PROFILE_COLUMNS)


# --- the registry ----------------------------------------------------------------------------------------


def test_registry_models_have_the_profile_fields() -> None:
    assert fields_of(OrganisationCreate) == PROFILE_NAMES | {"contacts"}
    assert fields_of(OrganisationUpdate) == PROFILE_NAMES | {"contacts"}
    assert fields_of(Organisation) == PROFILE_NAMES | READ_EXTRAS
    assert {key for key, _ in COMPOSITE_FIELDS["areas_served"]} == fields_of(AreasServed)


def test_registry_sql_reads_and_writes_the_profile_columns() -> None:
    assert organisations_sql.WRITABLE_COLUMNS == PROFILE_COLUMNS
    all_but_kind = tuple(column for column in PROFILE_COLUMNS if column != "kind")
    assert all_but_kind == organisations_sql.UPDATED_COLUMNS
    read = re.findall(r"o\.(\w+)", organisations_sql.ORGANISATION_FIELDS)
    assert set(read) == set(PROFILE_COLUMNS) | {"id", "erased_at", "version", "created_at", "updated_at"}


@pytest.mark.db
async def test_the_table_has_the_profile_columns_and_no_other_profile(db) -> None:
    columns = await db.fetch(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'registry' AND table_name = 'organisations'"
    )
    assert {row["column_name"] for row in columns} == set(PROFILE_COLUMNS) | NON_PROFILE_COLUMNS


# --- the event snapshot ----------------------------------------------------------------------------------


def test_snapshot_model_has_the_snapshot_fields() -> None:
    assert fields_of(SnapshotOrganisation) == SNAPSHOT_FIELD_NAMES | {"id"}
    composite = {name: parts for name, parts in COMPOSITE_FIELDS.items() if name in SNAPSHOT_FIELD_NAMES}
    assert composite == {"areas_served": COMPOSITE_FIELDS["areas_served"]}
    assert {key for key, _ in composite["areas_served"]} == fields_of(SnapshotServedArea)


def test_snapshot_select_reads_the_snapshot_columns() -> None:
    select_list = snapshot_sql.SELECT_REGISTRATIONS.split("FROM")[0]
    assert re.findall(r"\bo\.(\w+)", select_list) == list(SNAPSHOT_COLUMNS)


async def _event_with_one_sme(db, make_org: Callable) -> tuple[Any, Any]:
    event_id = await db.fetchval(
        "INSERT INTO registry.events (name, event_date, municipality_code, day_start, day_end, meeting_minutes,"
        " changeover_minutes, tables, signup_deadline, default_meetings_per_sme, max_meetings_per_sme, status)"
        " VALUES ('Affärsträff Falun', $1, '2080', $2, $3, 20, 5, 12, $4, 2, 3, 'closed') RETURNING id",
        date(2025, 10, 7),
        time(9, 0),
        time(10, 40),
        datetime(2025, 9, 30, tzinfo=UTC),
    )
    sme_id = await make_org(
        "sme",
        name="Snöröjning AB",
        cpv_codes=["90620000", "77314000"],
        description="Snöröjning och halkbekämpning",
        keywords=["snö", "halka"],
        employees_band="1-9",
        turnover_sek=4_000_000,
        served_counties=["20"],
        served_municipalities=["2080", "2026"],
        certificates=["ISO 14001"],
        languages=["sv", "en"],
        website="https://snorojning.se",
    )
    await db.execute(
        "INSERT INTO registry.registrations (event_id, organisation_id, kind) VALUES ($1, $2, 'sme')", event_id, sme_id
    )
    return event_id, sme_id


@pytest.mark.db
async def test_snapshot_profile_of_a_real_row_has_the_snapshot_fields(db, make_org: Callable) -> None:
    event_id, sme_id = await _event_with_one_sme(db, make_org)
    (row,) = await db.fetch(snapshot_sql.SELECT_REGISTRATIONS, event_id)
    profile = _profile(row)
    assert set(profile) == SNAPSHOT_FIELD_NAMES | {"id"}
    assert set(profile["areas_served"]) == {key for key, _ in COMPOSITE_FIELDS["areas_served"]}
    # The hand-built dict is exactly the model's canonical dump, so the two cannot drift apart.
    assert SnapshotOrganisation.model_validate(profile).model_dump(mode="json") == profile

    # The matcher's guest (a party not signed up yet) gets the same profile from the registry's read.
    organisation = await db.fetchrow(organisations_sql.SELECT_ORGANISATION, sme_id)
    read = organisation_of_row(organisation, None, private=False).model_dump(mode="json")
    assert snapshot_organisation(read).model_dump(mode="json") == profile


# --- the CSV bulk import ---------------------------------------------------------------------------------


def test_bulk_import_has_a_column_per_profile_field() -> None:
    contact_columns = {column for column in bulk.COLUMNS if column.startswith("contact_")}
    assert set(bulk.COLUMNS) - contact_columns == CSV_COLUMNS
    assert bulk_sql.STAGING_COLUMNS[1 : -len(bulk_sql.CONTACT_COLUMNS)] == PROFILE_COLUMNS
    staged = re.findall(r"^\s{4}(\w+)\s", bulk_sql.CREATE_STAGING_TABLE, flags=re.MULTILINE)
    assert staged == list(bulk_sql.STAGING_COLUMNS)


# --- the web's profile forms -----------------------------------------------------------------------------


class _InputNames(HTMLParser):
    """The names of a page's form controls."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = dict(attrs).get("name")
        if tag in ("input", "select", "textarea") and name:
            self.names.add(name)


def profile_fields_of_form(html: str) -> set[str]:
    """The profile fields a page's form edits; an input that is no profile field fails the test."""
    parser = _InputNames()
    parser.feed(html)
    part_of = {key: name for name, parts in COMPOSITE_FIELDS.items() for key, _ in parts}
    fields = set()
    for name in parser.names - FORM_EXTRAS:
        if name.startswith(("contact_", "contacts.")):
            fields.add("contacts")
        else:
            assert name in FIELDS or name in part_of, f"form input {name!r} is no profile field"
            fields.add(part_of.get(name, name))
    return fields


@pytest.mark.db
async def test_sme_forms_edit_the_sme_form_fields(web: Browser, make_org: Callable, make_token: Callable) -> None:  # noqa: F811
    assert profile_fields_of_form(await web.page("/registrera")) == SME_FORM_FIELD_NAMES | {"contacts"}
    web.sign_in_with(await make_token(Role.SME, await make_org("sme")))
    # The profile page has the registration's fields, except the org.nr (organisers change that).
    assert profile_fields_of_form(await web.page("/foretag/profil")) == (SME_FORM_FIELD_NAMES - {"orgnr"}) | {
        "contacts"
    }
    typed = sme_pages.typed_form(MultiDict(website="https://example.se"))
    assert set(sme_pages.profile_body(typed)) == (SME_FORM_FIELD_NAMES - {"orgnr"}) | {"contacts"}


@pytest.mark.db
async def test_buyer_form_edits_the_buyer_form_fields(web: Browser, make_org: Callable, make_token: Callable) -> None:  # noqa: F811
    web.sign_in_with(await make_token(Role.BUYER, await make_org("buyer")))
    assert profile_fields_of_form(await web.page("/kopare/organisation")) == BUYER_FORM_FIELD_NAMES | {"contacts"}
    assert set(buyer_pages.PROFILE_FIELDS) == BUYER_FORM_FIELD_NAMES
