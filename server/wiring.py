"""Joins the server's parts to a store: the hooks that run inside every ingest transaction.

Every way the server opens a store for real work (`kiosk-server serve`, the admin commands,
`kiosk-server import`, the test runner) passes it through attach(), so roll-ups, 差评 cases
and the alert and export outboxes are written in the same transaction as the rating they
come from, whichever path the rating took. Lower layers (server/db) never import upward.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def product_hooks() -> list:
    """The ingest hooks, in the order they run (each gets (tx, IngestChanges))."""
    hooks: list = []
    from server.db import rollups  # figures per day, hall, window, staff and level

    hooks.append(rollups.ingest_hook)
    from server.workflow import cases  # 差评 cases open with their rating

    hooks.append(cases.ingest_hook)
    from server.workflow import alerts  # after cases: an alert names its case
    from server.export import sender  # counted ratings queued for each provincial target

    hooks += [alerts.ingest_hook, sender.ingest_hook]
    from server.db import business  # a rated 办件 of a business system (issue 29)

    hooks.append(business.ingest_hook)
    return hooks


def attach(store):
    """Give `store` the product's ingest hooks (once; calling again changes nothing)."""
    if not getattr(store, "_wired", False):
        store.ingest_hooks = product_hooks()
        store._wired = True
    return store
