"""`kiosk-setup export`: ratings to a CSV or JSON file (a USB stick), for `kiosk-server import`.

Both formats carry the wire fields (sync/wire/__init__.py RatingWire) plus the kiosk's sync
state, so the server can ingest a file idempotently by uuid when a kiosk has no network at all.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import click

from kiosk.i18n import _
from kiosk.setup.common import (
    FAILED,
    config_option,
    fail,
    load_config,
    open_store,
    write_private,
)
from sync.wire import cells

FORMAT_TAG = "kiosk-ratings/1"
EXTRA = ("sync_state", "synced_at")
FORMATS = ("csv", "json", "xlsx")
# Where USB sticks are mounted (udisks: /media/<user>/<label>, /run/media/<user>/<label>;
# by hand: /mnt/usb, /media/usb). A path under one must be on a mounted stick, never the SD card.
REMOVABLE_ROOTS = ("/media", "/mnt", "/run/media")


def check_target(output: Path) -> None:
    """Refuse (exit 1) a file whose folder is missing, or that would land under a removable-
    media root with nothing mounted there (the stick is out: the SD card would get it)."""
    folder = output.parent.resolve()
    if not folder.is_dir():
        fail(_("folder {folder} does not exist: plug the USB stick in (and mount it), or give "
               "an existing folder; nothing was written").format(folder=output.parent), FAILED)
    for root in REMOVABLE_ROOTS:
        root = Path(root)
        if folder != root and root not in folder.parents:
            continue
        inside = [folder, *[p for p in folder.parents if root in p.parents]]
        if not any(os.path.ismount(p) for p in inside):
            fail(_("nothing is mounted at {folder}: plug the USB stick in and mount it (or "
                   "check the path); nothing was written").format(folder=output.parent),
                 FAILED)
        return


def format_of(output: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix in ("xls", "ods", "xlsm"):
        fail(_("{suffix} files are not written: use .xlsx, .csv or .json").format(
            suffix=suffix))
    return "csv"


def wire_fields() -> list[str]:
    from sync.wire import RatingWire

    return list(RatingWire.model_fields)


def _utc(day: datetime, end: bool) -> str:
    """A local calendar day's start (or the next day's start, for --until) as UTC ISO text."""
    moment = datetime.combine(day.date() + timedelta(days=1 if end else 0), time())
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def csv_row(row: dict, columns: list[str]) -> list:
    out = []
    for col in columns:
        value = row.get(col)
        if col == "reasons":
            value = ";".join(value or [])
        out.append("" if value is None else value)
    return out


@click.command("export")
@config_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write, e.g. /media/usb/w05.csv (- for standard output).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="File format (default: from the file name's extension, else csv). xlsx is "
                   "an Excel workbook for people; kiosk-server import reads csv and json.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
              help="Only ratings on or after this local date (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]),
              help="Only ratings on or before this local date (YYYY-MM-DD).")
@click.option("--pending-only", is_flag=True,
              help="Only ratings the server has not acknowledged yet.")
@click.option("--force", is_flag=True, help="Replace the file when it exists already.")
def export(config_path, output, fmt, since, until, pending_only, force) -> None:
    """Write the kiosk's ratings to a CSV, JSON or XLSX file, with a progress bar.

    All ratings, or those between --since and --until (local dates, both included).
    Each row holds the rating as it is uploaded (uuid, level, reasons, window, staff_id,
    ticket, case_id, item_code, device_id, rated_at in UTC, boot_id, mono_s) and its
    local sync state. In CSV, reasons are joined with ';'; a CSV file starts with a UTF-8
    BOM, so Excel shows its Chinese. The XLSX is for people: local times, levels, reasons
    and upload states in words first, then the same fields as the CSV. The file is written
    to a temporary name and renamed, so a pulled USB stick never holds half a file; a file
    that exists is refused unless --force is given.
    Bring it to the server: `kiosk-server import FILE` stores each rating once (by uuid).
    Missing folders are never created: a folder that is not there, or a path under
    /media, /mnt or /run/media where no stick is mounted, is refused (exit 1), so a
    file never lands on the SD card by mistake.
    Nothing on the kiosk changes. Exits 0, 1 when the file cannot be written, 2 for a
    config or usage error.
    """
    cfg = load_config(config_path)
    fmt = format_of(output, fmt)
    if fmt == "xlsx" and output == "-":
        fail(_("an XLSX workbook cannot go to standard output: give a file name"))
    if output != "-":
        check_target(Path(output))
        if Path(output).exists() and not force:
            fail(_("{path} exists already: give --force to replace it, or another file name; "
                   "nothing was written").format(path=output), FAILED)
    where, params = [], []
    if since:
        where.append("rated_at >= ?")
        params.append(_utc(since, end=False))
    if until:
        where.append("rated_at < ?")
        params.append(_utc(until, end=True))
    if pending_only:
        where.append("sync_state = 'pending'")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    store = open_store(cfg, create=False)
    if store is None:
        fail(_("no rating store at {path}: nothing to export").format(path=cfg.db_path), FAILED)
    columns = wire_fields() + list(EXTRA)
    try:
        total = store.db.execute(f"SELECT count(*) FROM ratings{clause}", params).fetchone()[0]
        rows = (store._decode(r) for r in store.db.query(
            f"SELECT * FROM ratings{clause} ORDER BY rated_at, rowid", params))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n") if fmt == "csv" else None
        if writer:
            writer.writerow(cells.row(columns))
        items, table = [], []
        with click.progressbar(rows, length=total, label=_("exporting {count} rating(s)")
                               .format(count=total), file=sys.stderr) as bar:
            for row in bar:
                if writer:
                    writer.writerow(cells.row(csv_row(row, columns)))
                elif fmt == "xlsx":
                    table.append(row)
                else:
                    items.append({c: row.get(c) for c in columns})
    finally:
        store.close()
    if fmt == "json":
        json.dump({"format": FORMAT_TAG, "device_id": cfg.device.id,
                   "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "ratings": items}, buf, ensure_ascii=False, indent=1)
        buf.write("\n")
    if output == "-":
        click.echo(buf.getvalue(), nl=False)
        return
    try:
        if fmt == "xlsx":
            from kiosk.setup.sheet import workbook

            write_private(Path(output), workbook(columns, table), mode=0o644)
        else:  # a BOM first: Excel takes a CSV without one for the local ANSI code page
            bom = "\ufeff" if fmt == "csv" else ""
            write_private(Path(output), bom + buf.getvalue(), mode=0o644)
    except OSError as exc:
        fail(_("cannot write {path}: {error}").format(path=output,
                                                      error=exc.strerror or exc), FAILED)
    click.echo(_("wrote {count} rating(s) to {path} ({format})").format(
        count=total, path=output, format=fmt), err=True)
