"""Versioned plain-SQL migrations, one directory and one schema per service.

Files are named ``NNNN_what_it_does.sql`` and applied in order, each in its own transaction
together with its record in ``<schema>.schema_migrations``. A session-level advisory lock makes
concurrent starts safe: the second process waits, then finds nothing left to do. A database that
is *ahead* of the code (it has a version this code does not know) or whose applied migration was
edited afterwards is refused, because running old code on it could corrupt data.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger("shared.migrations")

_FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# High 32 bits of every advisory lock key we take, so our keys never collide with other users'.
_LOCK_NAMESPACE = 0x41_46_46_52  # "AFFR"


class MigrationError(RuntimeError):
    """Migrations cannot be applied safely; the message says why and what to do."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class MigrationStatus:
    schema: str
    applied: tuple[int, ...]
    known: tuple[int, ...]

    @property
    def pending(self) -> tuple[int, ...]:
        return tuple(v for v in self.known if v not in self.applied)

    @property
    def unknown(self) -> tuple[int, ...]:
        """Applied versions this code does not know: the database is ahead."""
        return tuple(v for v in self.applied if v not in self.known)

    @property
    def current(self) -> bool:
        return not self.pending and not self.unknown


def discover(directory: Path) -> list[Migration]:
    """Read the migrations in ``directory``, checking names and that versions are 1, 2, 3 … without gaps.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "0001_start.sql").write_text("SELECT 1;")
    >>> [(m.version, m.name) for m in discover(d)]
    [(1, 'start')]
    """
    migrations = []
    for path in sorted(Path(directory).iterdir()):
        if path.suffix != ".sql":
            continue
        match = _FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lower_case_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"{directory}: migration versions must run 1, 2, 3 … without gaps; found {versions}")
    return migrations


def lock_key(schema: str) -> int:
    """A stable 64-bit advisory lock key for migrating ``schema``.

    Examples
    --------
    >>> lock_key("registry") == lock_key("registry") != lock_key("matcher")
    True
    """
    return (_LOCK_NAMESPACE << 32) | zlib.crc32(f"migrate:{schema}".encode())


class Migrator:
    """Applies one service's migrations to its schema."""

    def __init__(self, schema: str, directory: Path) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise ValueError(f"unsafe schema name {schema!r}")
        self.schema = schema
        self.migrations = discover(directory)
        self._table = f"{schema}.schema_migrations"

    async def _applied(self, conn: asyncpg.Connection) -> dict[int, str]:
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", self._table)
        if not exists:
            return {}
        rows = await conn.fetch(f"SELECT version, checksum FROM {self._table} ORDER BY version")
        return {row["version"]: row["checksum"] for row in rows}

    async def status(self, conn: asyncpg.Connection) -> MigrationStatus:
        applied = await self._applied(conn)
        return MigrationStatus(self.schema, tuple(applied), tuple(m.version for m in self.migrations))

    def _check(self, applied: dict[int, str]) -> None:
        known = {m.version: m for m in self.migrations}
        ahead = sorted(v for v in applied if v not in known)
        if ahead:
            raise MigrationError(
                f"the database's schema {self.schema!r} is at version {max(applied)}, but this code knows only "
                f"up to {max(known, default=0)}; refusing to run (deploy the newer code, or restore the database)"
            )
        for version, checksum in applied.items():
            if known[version].checksum != checksum:
                raise MigrationError(
                    f"migration {version:04d}_{known[version].name}.sql of schema {self.schema!r} was changed "
                    "after it was applied; add a new migration instead of editing an applied one"
                )

    async def migrate(self, conn: asyncpg.Connection) -> list[int]:
        """Apply what is pending, holding the schema's advisory lock; return the versions applied."""
        key = lock_key(self.schema)
        await conn.execute("SELECT pg_advisory_lock($1)", key)
        try:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            await conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {self._table} (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            applied = await self._applied(conn)
            self._check(applied)
            done = []
            for migration in self.migrations:
                if migration.version in applied:
                    continue
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path TO {self.schema}, public")
                    await conn.execute(migration.sql)
                    await conn.execute(
                        f"INSERT INTO {self._table} (version, name, checksum) VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
                log.info("applied migration %s %04d_%s", self.schema, migration.version, migration.name)
                done.append(migration.version)
            return done
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", key)

    async def prepare(self, conn: asyncpg.Connection, *, apply: bool) -> None:
        """At start: apply pending migrations, or (``apply=False``) refuse to run on a stale schema."""
        if apply:
            await self.migrate(conn)
            return
        status = await self.status(conn)
        self._check(await self._applied(conn))
        if status.pending:
            raise MigrationError(
                f"schema {self.schema!r} has pending migrations {list(status.pending)} and MIGRATE_ON_START "
                "is false; run the service's migrate command first"
            )
