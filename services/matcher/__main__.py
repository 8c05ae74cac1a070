"""``python -m services.matcher [serve | migrate]``."""

from __future__ import annotations

import sys

from shared.cli import migrate_command, parser, run_database_command
from shared.serve import serve

from . import SERVICE_NAME
from .app import create_app, migrator
from .settings import load


def main(argv: list[str]) -> None:
    root, _ = parser("python -m services.matcher", "The Affärsträff matcher service.")
    args = root.parse_args(argv)
    if args.command in (None, "serve"):
        serve(SERVICE_NAME, load, create_app, lambda s: (s.host, s.port), lambda s: s.processes)
    elif args.command == "migrate":
        run_database_command(SERVICE_NAME, load, migrate_command(migrator(), SERVICE_NAME))


if __name__ == "__main__":
    main(sys.argv[1:])
