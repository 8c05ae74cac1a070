"""``python -m services.web [serve]``."""

from __future__ import annotations

import sys

from shared.cli import parser
from shared.serve import serve

from . import SERVICE_NAME
from .app import create_app
from .settings import load


def main(argv: list[str]) -> None:
    root, _ = parser("python -m services.web", "The Affärsträff web pages.")
    args = root.parse_args(argv)
    if args.command in (None, "serve"):
        serve(SERVICE_NAME, load, create_app, lambda s: (s.host, s.port))


if __name__ == "__main__":
    main(sys.argv[1:])
