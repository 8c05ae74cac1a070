"""``python -m services.registry [serve | migrate | create-token --role ROLE ...]``."""

from __future__ import annotations

import sys
from uuid import UUID

from shared.auth import Role
from shared.cli import migrate_command, parser, run_database_command
from shared.serve import serve

from . import SERVICE_NAME
from .app import create_app, migrator
from .settings import load
from .tokens import issue_token


def main(argv: list[str]) -> None:
    root, commands = parser("python -m services.registry", "The Affärsträff registry service.")
    create = commands.add_parser("create-token", help="issue an API token and print it once")
    create.add_argument("--role", type=Role, choices=list(Role), default=Role.ORGANISER)
    create.add_argument("--organisation", type=UUID, default=None, help="required for buyer and sme")
    create.add_argument("--label", default="created on the command line")
    args = root.parse_args(argv)

    if args.command in (None, "serve"):
        serve(SERVICE_NAME, load, create_app, lambda s: (s.host, s.port))
    elif args.command == "migrate":
        run_database_command(SERVICE_NAME, load, migrate_command(migrator(), SERVICE_NAME))
    elif args.command == "create-token":
        if (args.role in (Role.BUYER, Role.SME)) != (args.organisation is not None):
            root.error("--organisation is required for buyer and sme tokens, and only for them")

        def work(settings):
            async def run(conn) -> None:
                await migrator().prepare(conn, apply=settings.migrate_on_start)
                token, row = await issue_token(conn, args.role, organisation_id=args.organisation, label=args.label)
                print(f"{args.role} token {row['id']} (shown once, keep it safe):\n{token}")

            return run

        run_database_command(SERVICE_NAME, load, work)


if __name__ == "__main__":
    main(sys.argv[1:])
