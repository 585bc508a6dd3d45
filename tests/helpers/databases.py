"""Server databases for tests and benchmarks: a SQLite file, or a fresh PostgreSQL schema.

PostgreSQL is used when KIOSK_TEST_PG_URL is set (scripts/test.sh sets it when a local
server answers). Every schema is named test_<run>_<n> with a random run id and is dropped
afterwards, so parallel test runs on one database never see each other's rows.
"""
from __future__ import annotations

import itertools
import os
import secrets

PG_ENV = "KIOSK_TEST_PG_URL"
RUN_ID = secrets.token_hex(4)
_counter = itertools.count(1)


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def pg_unreachable_reason() -> str | None:
    """None when PostgreSQL answers at KIOSK_TEST_PG_URL, else why it is not used."""
    url = pg_url()
    if url is None:
        return f"{PG_ENV} is not set (scripts/test.sh sets it when PostgreSQL answers locally)"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[server]')"
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - the reason is reported as the skip message
        return f"PostgreSQL at {PG_ENV} does not answer: {type(exc).__name__}: {exc}"
    return None


class PgSchema:
    """A fresh schema on the test PostgreSQL; drop() removes it and everything in it."""

    def __init__(self) -> None:
        import psycopg

        self.url = pg_url()
        self.name = f"test_{RUN_ID}_{next(_counter)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def cli_db(db: tuple[str, str | None]) -> str:
    """The --db a CLI is given for a test database (db, schema): the SQLite file, or the
    PostgreSQL URL with the schema as its search_path."""
    url, schema = db
    return url if schema is None else f"{url}?options=-csearch_path%3D{schema}"


def run_cli(db: tuple[str, str | None], *args: str) -> str:
    """`kiosk-server ARGS --db ...` through click's runner; its standard output (exit 0
    asserted; a progress bar on standard error stays out of it)."""
    from click.testing import CliRunner

    from server.cli import main
    result = CliRunner().invoke(main, [*args, "--db", cli_db(db)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout
