"""The server's table of service events (issue 27; the wire is sync/wire/events.py).

One row per (device, uuid), stored once however often a kiosk resends it. Times are UTC ISO
text as the ratings table's: `at` as the device sent it, `corrected_at` after the clock fix
(what facts are derived from), `received_at` when the server stored it (what a facts
recompute watches for late arrivals). hall and window are the enrolled device's.
"""
from __future__ import annotations

EVENT_TABLES = """
CREATE TABLE service_events (
    device_id TEXT NOT NULL,
    uuid TEXT NOT NULL,
    kind TEXT NOT NULL,
    hall TEXT NOT NULL,
    "window" INTEGER NOT NULL,
    staff_id TEXT,
    ticket TEXT,
    case_key TEXT,
    case_id TEXT,
    reason TEXT,
    cause TEXT,
    at TEXT NOT NULL,
    corrected_at TEXT NOT NULL,
    time_trusted SMALLINT NOT NULL DEFAULT 0,
    boot_id TEXT NOT NULL,
    mono_s DOUBLE PRECISION NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, uuid)
);
CREATE INDEX service_events_window ON service_events (hall, "window", corrected_at);
CREATE INDEX service_events_received ON service_events (received_at)
"""
