"""`kiosk-server org import|export`: the org model (regions, halls, departments, windows, staff)
as files; `org department set|list`: window units and their 统一社会信用代码."""
from __future__ import annotations

import getpass
import hashlib
import json
import logging
import sys
from pathlib import Path

import click

from server.cli import _open, db_option
from server.commands.speech import _, refusal

log = logging.getLogger(__name__)


def cli_actor() -> str:
    """Who ran a command, for the audit log: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        return "cli"


def unknown_hall_devices(store) -> list[dict]:
    from server.db import org

    known = set(org.halls(store))
    return [d for d in store.list_devices() if d["hall"] not in known and not d["revoked_at"]]


@click.group("org")
def org_group() -> None:
    """The organisation model: regions (行政区划代码) → halls → departments → windows → staff.
    Kiosks' hall name, window name and staff roster come from it."""


@org_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]),
              help="File format; by default from the file name's ending (.json, .xlsx, "
                   "else CSV).")
@click.option("--dry-run", is_flag=True,
              help="Check the file and say what it holds; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@db_option
def import_org(file: Path, fmt: str | None, dry_run: bool, as_json: bool, db: str) -> None:
    """Add or update regions, halls, departments, windows and staff from a CSV or XLSX sheet
    or a JSON file. All or nothing: the first bad row stops the import with its line (or
    JSON path) and field, and nothing is written. Whatever the file does not name stays as it
    is; a staff member's windows become exactly those the file lists."""
    from server.db import audit, org_io
    from server.db.org import OrgError

    data = file.read_bytes()
    fmt = fmt or {".json": "json", ".xlsx": "xlsx"}.get(file.suffix.lower(), "csv")
    store = _open(db)
    try:
        try:
            doc = org_io.parse_file(data, fmt, org_io.load(store))
        except OrgError as exc:
            raise click.ClickException(_("{file}: {error} (nothing imported)").format(
                file=file.name, error=refusal(exc)))
        counts = doc.counts()
        if not dry_run:
            with store.transaction() as tx:
                org_io.apply(tx, doc)
                audit.append(tx, cli_actor(), "org.import", "org",
                             {"file": file.name, "format": fmt, **counts,
                              "sha256": hashlib.sha256(data).hexdigest()})
        strays = unknown_hall_devices(store)
    finally:
        store.close()
    out = {"imported": not dry_run, **counts,
           "devices_in_unknown_halls": [d["device_id"] for d in strays]}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    said = (_("would import {regions} regions, {halls} halls, {windows} windows, {staff} "
              "staff from {file}") if dry_run else
            _("imported {regions} regions, {halls} halls, {windows} windows, {staff} staff "
              "from {file}"))
    click.echo(said.format(file=file.name, **counts))
    for d in strays:
        click.echo(_("warning: device {device} is enrolled in hall {hall}, which the org model "
                     "does not have (its kiosk keeps its set-config roster)").format(
                         device=d["device_id"], hall=repr(d["hall"])), err=True)


@org_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]),
              help="CSV (the sheet `org import` reads, Chinese headers, UTF-8 with BOM for "
                   "Excel), the same sheet as XLSX, or JSON; by default from the -o file "
                   "name's ending (.json, .xlsx, else CSV).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@db_option
def export_org(fmt: str, output: Path | None, db: str) -> None:
    """Write the whole org model in the format `org import` reads back."""
    from server.db import org_io, org_xlsx

    suffix = output.suffix.lower() if output is not None else ""
    fmt = fmt or {".json": "json", ".xlsx": "xlsx"}.get(suffix, "csv")
    if fmt == "xlsx" and output is None:
        raise click.UsageError(_("an XLSX workbook is written to a file: give -o FILE.xlsx"))
    store = _open(db)
    try:
        doc = org_io.load(store)
    finally:
        store.close()
    if fmt == "xlsx":
        output.write_bytes(org_xlsx.to_xlsx(org_io.CHINESE, org_io.to_rows(doc)))
        click.echo(_("wrote {file} ({regions} regions, {halls} halls, {windows} windows, "
                     "{staff} staff)").format(file=output, **doc.counts()), err=True)
        return
    text = org_io.to_json(doc) + "\n" if fmt == "json" else org_io.to_csv(doc)
    if output is None:
        sys.stdout.write(text.lstrip("\ufeff"))
    else:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(_("wrote {file} ({regions} regions, {halls} halls, {windows} windows, "
                     "{staff} staff)").format(file=output, **doc.counts()), err=True)


@org_group.group("department")
def department_group() -> None:
    """Window units (窗口单位): the departments stationed in a hall, their 统一社会信用代码
    (unified social credit code) and their windows."""


@department_group.command("set")
@click.argument("hall")
@click.argument("name")
@click.option("--credit-code", "code", required=True,
              help="The department's 统一社会信用代码: 18 characters, check character "
                   "verified (GB 32100-2015); lower case is read as upper case; \"\" clears it.")
@db_option
def set_department(hall: str, name: str, code: str, db: str) -> None:
    """Create a department of HALL called NAME, or set its credit code (audited). Two
    departments of one hall cannot share a code; the same agency in two halls may."""
    from server.db import audit, org_units
    from server.db.org import OrgError

    store = _open(db)
    try:
        with store.transaction() as tx:
            try:
                dept = org_units.set_department(tx, hall, name, code)
            except OrgError as exc:
                raise click.ClickException(refusal(exc))
            audit.append(tx, cli_actor(), "org.department.save",
                         f"department:{dept.hall_id}/{dept.name}",
                         {"credit_code": dept.credit_code})
    finally:
        store.close()
    click.echo(_("department {name} of hall {hall}: credit code {code}, windows {windows}").format(
        name=dept.name, hall=dept.hall_id, code=dept.credit_code or "—",
        windows=", ".join(map(str, dept.windows)) or "—"))


@department_group.command("list")
@click.option("--hall", "halls", multiple=True, help="Only this hall (repeat for more).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines, one per department.")
@db_option
def list_departments(halls: tuple[str, ...], as_json: bool, db: str) -> None:
    """The departments of every hall (or of the halls named), by hall and name, with their
    credit code and windows."""
    from server.db import org, org_units

    store = _open(db)
    try:
        wanted = list(halls) or list(org.halls(store))
        with store.transaction(write=False) as tx:
            found = org_units.units(tx, wanted)
    finally:
        store.close()
    if not found and not as_json:
        click.echo(_("no departments yet: name one on a window, or with `kiosk-server org "
                     "department set`"), err=True)
    for d in found:
        if as_json:
            click.echo(json.dumps({"hall_id": d.hall_id, "name": d.name,
                                   "credit_code": d.credit_code, "windows": list(d.windows)},
                                  ensure_ascii=False))
        else:
            click.echo(f"{d.hall_id}\t{d.name}\t{d.credit_code or '—'}\t"
                       f"{','.join(map(str, d.windows)) or '—'}")
