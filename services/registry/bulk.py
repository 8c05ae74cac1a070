"""Bulk import of organisations from a CSV file: ``POST /organisations/import`` (organisers).

The body (``text/csv``, UTF-8 with or without a byte-order mark, ``,`` or ``;`` between fields — Swedish
Excel writes ``;``) is read as a stream, decoded and parsed record by record, so the service's
``MAX_BODY_BYTES`` (which guards whole-body reads) does not apply; :data:`MAX_IMPORT_ROWS` and
:data:`MAX_IMPORT_BYTES` do. Every row is validated by the same model as ``POST /organisations``
(:class:`OrganisationCreate`); the valid rows are copied into a temporary table with one binary COPY and
moved into the registry by one ``INSERT … SELECT … ON CONFLICT`` (and one for contacts), in one
transaction with one audit entry for the whole import.

Rows are numbered from 1 after the header line, so row *n* is line *n + 1* of the file in a spreadsheet;
errors point at ``/rows/<n>/<column>``.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import logging
import multiprocessing
import os
import re
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, ProblemError, json_pointer
from shared.openapi import operation
from shared.text import NUL_CODE, NUL_DETAIL
from shared.web import json_response, read_query

from . import audit
from .keys import VALIDATION_WORKERS_KEY
from .organisation_models import OrganisationCreate, organisation_row
from .sql import bulk as sql

log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 100_000
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_RECORD_CHARS = 64 * 1024  # one row; also bounds what an unclosed quote can swallow
MAX_REPORTED_ERRORS = 1000
YIELD_EVERY_ROWS = 200  # ~50 ms of validation (e-mail and phone checks dominate)
BATCH_ROWS = 500  # rows per worker task: ~0.1 s of validation, few enough round trips to the workers
CSV_CONTENT_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})

COLUMNS = (
    "orgnr", "name", "kind", "municipality_code", "cpv_codes", "description", "keywords", "employees_band",
    "turnover_sek", "serves", "certificates", "languages", "buyer_category", "website",
    "contact_name", "contact_title", "contact_email", "contact_phone",
)  # fmt: skip
REQUIRED_COLUMNS = ("orgnr", "name", "municipality_code")

_CODES = re.compile(r"[\s,;|]+")  # CPV codes, areas, languages: any of these separate
_PHRASES = re.compile(r"[,;|]")  # keywords, certificates: may contain spaces ("ISO 14001")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")  # "1 200 000" as Excel formats thousands


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["all_or_nothing", "report"] = Field(
        default="all_or_nothing",
        description="all_or_nothing: any invalid row stores nothing (422); report: valid rows stored, invalid listed",
    )
    on_conflict: Literal["error", "skip", "update"] = Field(
        default="error", description="An orgnr already registered: an error, skipped, or the profile replaced"
    )


class ImportResult(BaseModel):
    """What an import did."""

    rows: int = Field(description="Data rows read (blank rows not counted)")
    created: int
    updated: int
    skipped: int
    invalid: int
    errors: list[FieldError] = Field(
        description=f"Per-row errors (pointer /rows/<n>/<column>), the first {MAX_REPORTED_ERRORS}"
    )
    errors_truncated: bool = False


def _split(value: str, pattern: re.Pattern[str]) -> list[str]:
    return [part.strip() for part in pattern.split(value) if part.strip()]


def areas_of(serves: str) -> dict[str, Any]:
    """The ``areas_served`` of a ``serves`` cell: ``SE`` the country, 2 digits a county, else municipalities.

    Examples
    --------
    >>> areas_of("2080 2081, 21|SE")
    {'whole_country': True, 'counties': ['21'], 'municipalities': ['2080', '2081']}
    """
    tokens = _split(serves, _CODES)
    return {
        "whole_country": any(token.upper() == "SE" for token in tokens),
        "counties": [token for token in tokens if len(token) == 2 and token.upper() != "SE"],
        "municipalities": [token for token in tokens if len(token) != 2],
    }


def body_of_row(cells: dict[str, str]) -> dict[str, Any]:
    """The ``POST /organisations`` body a CSV row stands for (validated afterwards by the model).

    Examples
    --------
    >>> body_of_row({"orgnr": "5560160680", "name": "Falu Städ AB", "municipality_code": "2080",
    ...              "cpv_codes": "90910000|90911200", "turnover_sek": "1 200 000", "contact_name": ""})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'kind': 'sme', 'orgnr': '5560160680', 'name': 'Falu Städ AB', 'municipality_code': '2080',
     'cpv_codes': ['90910000', '90911200'], 'turnover_sek': '1200000'}
    """
    body: dict[str, Any] = {"kind": cells.get("kind", "").strip().lower() or "sme"}
    for column in ("orgnr", "name", "municipality_code", "description", "employees_band", "buyer_category", "website"):
        value = cells.get(column, "").strip()
        if value or column in ("orgnr", "name", "municipality_code"):
            body[column] = value
    for column, pattern in (("cpv_codes", _CODES), ("keywords", _PHRASES), ("certificates", _PHRASES)):
        if cells.get(column, "").strip():
            body[column] = _split(cells[column], pattern)
    if cells.get("languages", "").strip():
        body["languages"] = [code.lower() for code in _split(cells["languages"], _CODES)]
    if cells.get("turnover_sek", "").strip():
        body["turnover_sek"] = _SPACES.sub("", cells["turnover_sek"])
    if cells.get("serves", "").strip():
        body["areas_served"] = areas_of(cells["serves"])
    contact = {name: cells.get(f"contact_{name}", "").strip() for name in ("name", "title", "email", "phone")}
    if any(contact.values()):
        body["contacts"] = [{**contact, "phone": contact["phone"] or None}]
    return body


def _column_of(location: tuple[Any, ...]) -> str | None:
    """The CSV column a validation error's location points at (None for whole-row errors)."""
    if not location:
        return None
    if location[0] == "areas_served":
        return "serves"
    if location[0] == "contacts":
        return f"contact_{location[2]}" if len(location) > 2 else "contact_name"
    return str(location[0])


def row_errors(row_no: int, error: ValidationError) -> list[FieldError]:
    """Field errors of one row, pointing at ``/rows/<n>/<column>``; input values are never echoed."""
    result = []
    for item in error.errors(include_url=False, include_input=False):
        location = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        column = _column_of(location)
        pointer = json_pointer(("rows", row_no) if column is None else ("rows", row_no, column))
        result.append(FieldError(pointer=pointer, code=item["type"], detail=f"Row {row_no}: {item['msg']}"))
    return result


def _row_error(row_no: int, column: str | None, code: str, detail: str) -> FieldError:
    parts = ("rows", row_no) if column is None else ("rows", row_no, column)
    return FieldError(pointer=json_pointer(parts), code=code, detail=f"Row {row_no}: {detail}")


def _too_large(detail: str) -> ProblemError:
    return ProblemError(detail, status=413, slug="import-too-large")


def _malformed(detail: str) -> ProblemError:
    return ProblemError(detail, status=422, slug="malformed-csv", title="Malformed CSV")


async def decoded_lines(content: Any) -> AsyncIterator[str]:
    """Lines (with their endings) of a UTF-8 stream, decoded incrementally; a leading BOM is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending, received = "", 0
    async for chunk in content.iter_chunked(64 * 1024):
        received += len(chunk)
        if received > MAX_IMPORT_BYTES:
            raise _too_large(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; split it.")
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError:
            raise _malformed("The file is not UTF-8. In Excel, save as 'CSV UTF-8'.") from None
        *lines, pending = pending.split("\n")
        for line in lines:
            yield line + "\n"
        if len(pending) > MAX_RECORD_CHARS:
            raise _malformed(f"A line is longer than {MAX_RECORD_CHARS} characters.")
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _malformed("The file is not UTF-8 (it ends inside a character).") from None
    if pending:
        yield pending


def sniff_delimiter(header: str) -> str:
    """``;`` (Swedish Excel), tab or ``,``: whichever the header line uses most.

    Examples
    --------
    >>> sniff_delimiter("orgnr;name;municipality_code"), sniff_delimiter("orgnr,name")
    (';', ',')
    """
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))


async def csv_records(content: Any) -> AsyncIterator[list[str]]:
    """Parsed records of the stream; the first is the header. A record may span lines inside quotes."""
    delimiter: str | None = None
    lines: list[str] = []
    quotes = size = 0
    async for line in decoded_lines(content):
        lines.append(line)
        quotes += line.count('"')
        size += len(line)
        if quotes % 2:  # inside a quoted field: the record goes on on the next line
            if size > MAX_RECORD_CHARS:
                raise _malformed("A quoted field is never closed (or a row is longer than 64 KiB).")
            continue
        if delimiter is None:
            delimiter = sniff_delimiter(lines[0])
        try:
            yield next(csv.reader(lines, delimiter=delimiter), [])
        except csv.Error as error:
            raise _malformed(f"The file is not valid CSV: {error}.") from None
        lines, quotes, size = [], 0, 0
    if lines:
        raise _malformed("The file ends inside a quoted field.")


def _header_of(record: list[str]) -> list[str]:
    names = [re.sub(r"[\s-]+", "_", name.strip().lower()) for name in record]
    errors = [
        FieldError(pointer=f"/header/{name}", code="unknown_column", detail=f"Unknown column {name!r}.")
        for name in names
        if name and name not in COLUMNS
    ]
    errors += [
        FieldError(pointer=f"/header/{name}", code="missing_column", detail=f"The column {name!r} is required.")
        for name in REQUIRED_COLUMNS
        if name not in names
    ]
    if errors:
        raise ProblemError(
            f"Columns allowed: {', '.join(COLUMNS)}.", status=422, slug="validation", title="Bad header", errors=errors
        )
    return names


Record = tuple[int, list[str]]  # (row number, cells)
Staged = tuple[Any, ...]  # one record for COPY into the staging table, see :func:`_staged_record`
Checked = tuple[int, str | None, Staged | list[tuple[str, str, str]]]  # (row, orgnr, staged or errors)


def check_records(header: list[str], records: list[Record]) -> list[Checked]:
    """Validate CSV records with :class:`OrganisationCreate`: per row its orgnr and staging record, or its
    errors as (pointer, code, detail). Plain tuples, cheap to send back from a worker process."""
    checked: list[Checked] = []
    for row_no, record in records:
        cells = {name: value for name, value in zip(header, record, strict=False) if name}
        nul = [name for name, value in cells.items() if "\x00" in value]
        if nul:  # every cell, also those no model field types (PostgreSQL's COPY would fail on it)
            checked.append(
                (
                    row_no,
                    None,
                    [(json_pointer(("rows", row_no, name)), NUL_CODE, f"Row {row_no}: {NUL_DETAIL}") for name in nul],
                )
            )
            continue
        try:
            create = OrganisationCreate.model_validate(body_of_row(cells))
        except ValidationError as error:
            found = [(e.pointer or "", e.code, e.detail) for e in row_errors(row_no, error)]
            checked.append((row_no, None, found))
            continue
        checked.append((row_no, create.orgnr, _staged_record(row_no, create)))
    return checked


class ValidationWorkers:
    """The processes that validate large imports: started on the first one, stopped with the app.

    Spawned, not forked: the server has threads and open sockets that a fork would copy. At most
    :data:`MAX_WORKERS`, so an import never takes every core from the requests being served.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    def discard(self) -> None:
        """Forget a broken pool (a worker died); the next import starts a new one."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        self._executor = None


MAX_WORKERS = 4


async def validation_workers_context(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx`` entry: the app owns its validation workers and stops them on shutdown."""
    # The cores this process may use (a container's CPU set), where the platform tells; else all cores.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = ValidationWorkers(min(MAX_WORKERS, cores or 1))
    app[VALIDATION_WORKERS_KEY] = workers
    try:
        yield
    finally:
        await asyncio.to_thread(workers.shutdown)


async def _check_batch(
    workers: ValidationWorkers, header: list[str], batch: list[Record], parallel: bool
) -> list[Checked]:
    """Validate a batch in a worker process; in this process when it is small or the pool broke."""
    if parallel:
        try:
            executor = workers.executor()
            return await asyncio.get_running_loop().run_in_executor(executor, check_records, header, batch)
        except BrokenProcessPool:
            log.warning("validation workers died; validating this batch in the server process")
            workers.discard()
    checked = []
    for start in range(0, len(batch), YIELD_EVERY_ROWS):
        checked += check_records(header, batch[start : start + YIELD_EVERY_ROWS])
        await asyncio.sleep(0)  # validation is CPU work: let other requests in between
    return checked


async def parse_upload(request: web.Request) -> tuple[int, list[tuple[int, Staged]], list[FieldError]]:
    """Read, parse and validate the whole upload: (data rows, valid rows as staging records, row errors).

    Validation (e-mail and phone checks dominate: ~0.2 ms a row) runs in worker processes, batch by batch
    while the file is still being read, so a 10 000-row import neither stalls the event loop for seconds
    nor waits for one core; files of fewer than :data:`BATCH_ROWS` rows are validated here in between
    other requests.
    """
    header: list[str] | None = None
    errors: list[FieldError] = []
    batches: list[asyncio.Task[list[Checked]]] = []
    batch: list[Record] = []
    row_no = rows = 0
    try:
        async for record in csv_records(request.content):
            if header is None:
                header = _header_of(record)
                continue
            row_no += 1
            if not any(cell.strip() for cell in record):
                continue  # blank lines, and Excel's ";;;;" rows under the data
            rows += 1
            if rows > MAX_IMPORT_ROWS:
                raise _too_large(f"At most {MAX_IMPORT_ROWS} rows per import; split the file.")
            if len(record) > len(header):
                detail = f"{len(record)} fields, but the header has {len(header)}."
                errors.append(_row_error(row_no, None, "too_many_fields", detail))
                continue
            batch.append((row_no, record))
            if len(batch) == BATCH_ROWS:
                batches.append(
                    asyncio.ensure_future(
                        _check_batch(request.app[VALIDATION_WORKERS_KEY], header, batch, parallel=True)
                    )
                )
                batch = []
        if header is None:
            raise _malformed(
                "The file is empty: expected a header line such as 'orgnr;name;municipality_code;cpv_codes'."
            )
        if batch:
            batches.append(
                asyncio.ensure_future(
                    _check_batch(request.app[VALIDATION_WORKERS_KEY], header, batch, parallel=bool(batches))
                )
            )
        results = await asyncio.gather(*batches)
    except BaseException:
        # A bad file or a dropped connection: stop what is queued, and collect what runs, before answering.
        for task in batches:
            task.cancel()
        await asyncio.gather(*batches, return_exceptions=True)
        raise
    valid: list[tuple[int, Staged]] = []
    first_row_of: dict[str, int] = {}
    for checked in results:
        for number, orgnr, outcome in checked:
            if orgnr is None:
                errors += [FieldError(pointer=p, code=code, detail=detail) for p, code, detail in outcome]
            elif orgnr in first_row_of:
                detail = f"orgnr {orgnr} is also on row {first_row_of[orgnr]}."
                errors.append(_row_error(number, "orgnr", "duplicate_in_file", detail))
            else:
                first_row_of[orgnr] = number
                assert isinstance(outcome, tuple)  # a row with its org.nr read is staged, not errors
                valid.append((number, outcome))
    errors.sort(key=_row_number)  # stable: a row's errors keep their order
    return rows, valid, errors


def _invalid_rows(errors: list[FieldError]) -> int:
    return len({_row_number(error) for error in errors} - {0})


def _staged_record(row_no: int, create: OrganisationCreate) -> tuple[Any, ...]:
    row = organisation_row(create)
    contact = create.contacts[0] if create.contacts else None
    contact_values = (contact.name, contact.title, str(contact.email), contact.phone) if contact else (None,) * 4
    return (row_no, *(row[column] for column in sql.STAGING_COLUMNS[1 : -len(contact_values)]), *contact_values)


def _row_number(error: FieldError) -> int:
    pointer = error.pointer or ""
    return int(pointer.split("/")[2]) if pointer.startswith("/rows/") else 0


def _rejection(rows: int, errors: list[FieldError]) -> ProblemError:
    invalid = _invalid_rows(errors)
    return ProblemError(
        f"{invalid} of {rows} rows are invalid; nothing was imported. Fix them, or import with mode=report.",
        status=422,
        slug="validation",
        title="Validation failed",
        errors=errors[:MAX_REPORTED_ERRORS],
        rows=rows,
        invalid=invalid,
        errors_truncated=len(errors) > MAX_REPORTED_ERRORS,
    )


@operation(
    "Import organisations from a CSV file",
    tags=("organisations",),
    query=ImportQuery,
    response=ImportResult,
    errors=(413, 415),
    description=(
        "Body: text/csv, UTF-8 (a BOM is fine), ',' or ';' between fields, a header line naming the columns: "
        + ", ".join(COLUMNS)
        + ". Required: orgnr, name, municipality_code (and cpv_codes for SMEs); kind defaults to sme. "
        "cpv_codes, serves and languages are separated by spaces, ',' or '|'; keywords and certificates by "
        "',' ';' or '|'. serves: municipality codes (2080), county codes (20) or SE for the whole country. "
        "A row with a contact_name replaces the organisation's contacts on update. Rows are numbered from 1 "
        f"after the header; errors point at /rows/<n>/<column>. At most {MAX_IMPORT_ROWS} rows."
    ),
)
@require(Role.ORGANISER)
async def import_organisations(request: web.Request) -> web.Response:
    """Import organisations from CSV."""
    query = read_query(request, ImportQuery)
    if request.content_type not in CSV_CONTENT_TYPES:
        raise ProblemError(
            f"Send the file as text/csv (got {request.content_type or 'nothing'}).",
            status=415,
            slug="unsupported-media-type",
        )
    if request.content_length is not None and request.content_length > MAX_IMPORT_BYTES:
        raise _too_large(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; split it.")
    rows, valid, errors = await parse_upload(request)
    if errors and query.mode == "all_or_nothing":
        raise _rejection(rows, errors)
    created = updated = skipped = 0
    # Not through unit_of_work.write, on purpose: a COPY into a temporary staging table and set-based
    # moves out of it, whose conflicts are found row by row in the staging table (no constraint to map)
    # and with no Idempotency-Key; of write's frame only the transaction and the one audit entry apply.
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        await conn.execute(sql.CREATE_STAGING_TABLE)
        await conn.copy_records_to_table(
            sql.STAGING_TABLE, records=[staged for _, staged in valid], columns=sql.STAGING_COLUMNS
        )
        conflicts = await conn.fetch(sql.SELECT_CONFLICTS)
        other_kind = [r["row_no"] for r in conflicts if r["other_kind"]]
        same_kind = [r["row_no"] for r in conflicts if not r["other_kind"]]
        for row_no in other_kind:
            detail = "this orgnr is registered as another kind of organisation; kind cannot change."
            errors.append(_row_error(row_no, "kind", "kind_cannot_change", detail))
        if query.on_conflict == "error":
            for row_no in same_kind:
                detail = "this orgnr is already registered (import with on_conflict=skip or update)."
                errors.append(_row_error(row_no, "orgnr", "already_registered", detail))
        errors.sort(key=_row_number)
        if errors and query.mode == "all_or_nothing":
            raise _rejection(rows, errors)
        rejected = other_kind + (same_kind if query.on_conflict != "update" else [])
        skipped = len(same_kind) if query.on_conflict == "skip" else 0
        await conn.execute(sql.DELETE_STAGED_ROWS, rejected)
        stored = await conn.fetch(sql.UPSERT if query.on_conflict == "update" else sql.INSERT_NEW)
        created = sum(1 for row in stored if row["inserted"])
        updated = len(stored) - created
        skipped += len(valid) - len(rejected) - len(stored)  # registered concurrently by someone else
        ids = [row["id"] for row in stored]
        await conn.execute(sql.DELETE_REPLACED_CONTACTS, ids)
        await conn.execute(sql.INSERT_CONTACTS, ids)
        result = ImportResult(
            rows=rows,
            created=created,
            updated=updated,
            skipped=skipped,
            invalid=_invalid_rows(errors),
            errors=errors[:MAX_REPORTED_ERRORS],
            errors_truncated=len(errors) > MAX_REPORTED_ERRORS,
        )
        summary = result.model_dump(exclude={"errors", "errors_truncated"})
        await audit.record(
            conn, request, "organisation.import", "organisation", None, changes={**summary, **query.model_dump()}
        )
    return json_response(result)
