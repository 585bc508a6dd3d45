"""`kiosk-server`: run the central 好差评 collection server."""
from __future__ import annotations

import logging
import os

import click

DEFAULT_DB = "./kiosk-server.db"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Central collection server for 好差评 evaluator kiosks.

    Kiosks upload ratings in batches to POST /api/v1/ratings/batch; staff tools read them
    from GET /api/v1/ratings. Ratings are stored in an embedded SQLite database.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (use 0.0.0.0 to accept kiosks on the LAN; put TLS "
                   "in front with a reverse proxy).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port to listen on.")
@click.option("--db", "db_path", default=lambda: os.environ.get("KIOSK_SERVER_DB", DEFAULT_DB),
              show_default=f"$KIOSK_SERVER_DB or {DEFAULT_DB}", type=click.Path(dir_okay=False),
              help="SQLite database file (created and migrated if needed).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]), help="Logging verbosity.")
def serve(host: str, port: int, db_path: str, log_level: str) -> None:
    """Serve the ingest API until interrupted (Ctrl-C or SIGTERM)."""
    import uvicorn

    from .app import create_app
    from .store import SQLiteStore

    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = SQLiteStore(db_path)
    click.echo(f"kiosk-server: db {db_path}, listening on http://{host}:{port}", err=True)
    try:
        uvicorn.run(create_app(store), host=host, port=port, log_level=log_level,
                    timeout_graceful_shutdown=5)
    finally:
        store.close()


if __name__ == "__main__":  # pragma: no cover
    main()
