"""`kiosk-server import FILE`: ingest a kiosk's export (CSV or JSON from `kiosk-setup export`).

Each rating is checked against the wire schema and stored once by uuid, exactly as if the
kiosk had uploaded it: through the store's one ingest path with the product's hooks, so an
imported 差评 opens its case, queues its alerts and its provincial export records and counts
in the figures at once. A rating keeps the channel it was given on: `kiosk` (every rating a
kiosk exports), or `phone` when a row's optional `channel` column says so. Importing the
same file twice, or a file whose ratings were uploaded already, stores nothing new; each
import is an audit entry. Register it in server/cli.py with `main.add_command(import_ratings)`.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import click
from pydantic import ValidationError

from sync.wire import MAX_BATCH, RatingWire, cells

OPTIONAL = ("staff_id", "case_id", "item_code")
# The channels a rating in a file may have been given on (server/export/mapping.py CHANNELS
# less 'default', which only the server makes); a row without one was given at the kiosk.
CHANNELS = ("kiosk", "phone")
KEPT = (*RatingWire.model_fields, "channel")


def _(message: str) -> str:
    """The CLI's `_`, imported late: server.commands imports server.cli, which imports us."""
    from server.commands.speech import _ as say

    return say(message)


def _from_csv(path: Path) -> list[tuple[int, dict]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = []
        for line, row in enumerate(csv.DictReader(f), start=2):
            # read_cell: take off the quote `kiosk-setup export` put before a formula-like text
            row = {k: cells.read_cell(v) for k, v in row.items() if k in KEPT}
            for key in OPTIONAL:
                if row.get(key) == "":
                    row[key] = None
            if "reasons" in row:
                row["reasons"] = [r for r in (row["reasons"] or "").split(";") if r]
            for key in ("level", "window"):
                if key in row and isinstance(row[key], str) and row[key].strip().isdigit():
                    row[key] = int(row[key])
            if row.get("mono_s") not in (None, ""):
                try:
                    row["mono_s"] = float(row["mono_s"])
                except ValueError:
                    pass
            rows.append((line, row))
    return rows


def _from_json(path: Path) -> list[tuple[int, dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.get("ratings") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise Unreadable(_("{file}: expected a list of ratings or {shape}").format(
            file=path, shape='{"ratings": [...]}'))
    return [(n, {k: v for k, v in item.items() if k in KEPT}
             if isinstance(item, dict) else item) for n, item in enumerate(items, start=1)]


class Unreadable(click.ClickException):
    """The file cannot be read as ratings at all: exit 2, as the command's help says."""

    exit_code = 2


def read_file(path: Path, fmt: str | None) -> list[tuple[int, dict]]:
    """(position, raw rating) pairs; position is the CSV line or the JSON list index (1-based)."""
    fmt = fmt or ("json" if path.suffix.lower() == ".json" else "csv")
    try:
        return _from_json(path) if fmt == "json" else _from_csv(path)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        raise Unreadable(_("cannot read {file}: {error}").format(file=path, error=exc)) \
            from None


def _audit(store, file: Path, read: int, counts: dict, invalid: int) -> None:
    """One audit entry per import: who ran it on which file, and what it stored."""
    from server.commands.org import cli_actor
    from server.db import audit

    with store.transaction() as tx:
        audit.append(tx, cli_actor(), "ratings.import", f"file:{file.name}",
                     {"read": read, **counts, "invalid": invalid})


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", "db_path", default=lambda: os.environ.get("KIOSK_SERVER_DB",
                                                                  "./kiosk-server.db"),
              show_default="$KIOSK_SERVER_DB or ./kiosk-server.db",
              help="The server's database: a SQLite file or a postgresql:// URL.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]),
              help="File format (default: from the extension: .json, else csv).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def import_ratings(file: Path, db_path: str, fmt: str | None, as_json: bool) -> None:
    """Store the ratings of a kiosk export file, each once (by uuid).

    Takes the CSV or JSON that `kiosk-setup export` writes (for kiosks without a network,
    carried on a USB stick). Every rating is validated like an upload; valid ones are
    stored, duplicates (already uploaded or imported) are counted and skipped, invalid
    ones are listed with their line (CSV) or position (JSON) and not stored. Safe to run
    on a live server and to repeat. Exits 0 when every rating was valid, 1 when some were
    not (the valid ones are stored), 2 for an unreadable file.

    An imported rating counts like an uploaded one, at once: a 差评 opens its case and
    alert, the figures and ranking count it, its provincial export record is queued. An
    optional channel column (kiosk or phone) says where a rating was given; without it,
    kiosk. Each import is an entry in the audit log.
    """
    from server import wiring
    from server.db.store import open_store

    rows = read_file(file, fmt)
    valid: list[tuple[str, RatingWire, int]] = []
    invalid = []
    for where, raw in rows:
        channel = raw.pop("channel", None) if isinstance(raw, dict) else None
        channel = channel.strip().lower() if isinstance(channel, str) else channel
        channel = channel or "kiosk"
        if channel not in CHANNELS:
            invalid.append({"at": where, "reason": f"channel: {str(channel)[:40]!r} is not "
                                                   f"one of {', '.join(CHANNELS)}"})
            continue
        try:
            valid.append((channel, RatingWire.model_validate(raw), where))
        except ValidationError as exc:
            why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            invalid.append({"at": where, "reason": why[:300]})
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    try:
        store = wiring.attach(open_store(db_path))
    except Exception as exc:  # noqa: BLE001 - a message, not a traceback, as server.cli._open
        raise click.ClickException(_("cannot open database: {error}").format(
            error=f"{type(exc).__name__}: {exc}"))
    total = len(valid)
    try:
        label = _("importing {n} rating(s)").format(n=total)
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            for start in range(0, total, MAX_BATCH):  # in file order, a channel a call
                for channel, group in groupby(valid[start:start + MAX_BATCH], itemgetter(0)):
                    group = list(group)
                    results = store.ingest([r for _c, r, _w in group], source=channel)
                    for (_c, _r, where), result in zip(group, results):
                        counts[result.status] += 1
                        if result.status == "rejected":  # e.g. a time off the calendar
                            invalid.append({"at": where, "reason": result.reason})
                    bar.update(len(group))
        _audit(store, file, len(rows), counts, len(invalid))
    finally:
        store.close()
    invalid.sort(key=lambda item: item["at"])
    summary = {"file": str(file), "read": len(rows), **counts, "invalid": invalid}
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(_("{file}: {read} read, {accepted} stored, {duplicate} already there, "
                     "{invalid} invalid").format(file=file, read=len(rows),
                                                 accepted=counts["accepted"],
                                                 duplicate=counts["duplicate"],
                                                 invalid=len(invalid)))
        where = _("line {n}") if file.suffix.lower() != ".json" else _("item {n}")
        for item in invalid[:50]:
            click.echo(f"  {where.format(n=item['at'])}: {item['reason']}")
    raise SystemExit(1 if invalid else 0)
