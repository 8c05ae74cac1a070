"""The command line every service shares: ``serve`` (default) and ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from shared.db import DatabaseUnavailable, create_pool, resolve_database_url
from shared.migrations import MigrationError, Migrator
from shared.serve import fail
from shared.settings import CommonSettings, ConfigurationError


def parser(prog: str, description: str) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    root = argparse.ArgumentParser(prog=prog, description=description)
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="run the HTTP service (the default)")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    return root, commands


async def with_database(settings: CommonSettings, work: Callable[..., Awaitable[None]]) -> None:
    """Run ``work(conn)`` on one connection of a short-lived pool."""
    pool = await create_pool(settings, await resolve_database_url(settings))
    try:
        async with pool.acquire() as conn:
            await work(conn)
    finally:
        await pool.close()


def run_database_command(
    service: str, load: Callable[[], CommonSettings], work: Callable[[CommonSettings], Callable[..., Awaitable[None]]]
) -> None:
    """Load settings and run a one-off database command with one-line failures."""
    try:
        settings = load()
    except ConfigurationError as error:
        fail(f"{service}: {error.message}", 2)
        return
    try:
        asyncio.run(with_database(settings, work(settings)))
    except (DatabaseUnavailable, MigrationError) as error:
        fail(f"{service}: {error}")


def migrate_command(migrator: Migrator, service: str) -> Callable[[CommonSettings], Callable[..., Awaitable[None]]]:
    def work(settings: CommonSettings) -> Callable[..., Awaitable[None]]:
        async def run(conn) -> None:
            applied = await migrator.migrate(conn)
            print(f"{service}: applied {applied}" if applied else f"{service}: schema is current")

        return run

    return work
