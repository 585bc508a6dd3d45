"""Issue 24.5: a staff name a hall supervisor types as =HYPERLINK(...) never becomes a formula
in a spreadsheet the server writes: the console's CSV downloads, ranking.xlsx, and the CSVs of
`kiosk-server org export` and `export file`. Text starting with = + - @ tab or CR carries a
leading quote (XLSX: a string cell), numbers stay numbers, and the org sheet imports back to
the same names. Both stores."""
import csv
import io
import re
import uuid
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from openpyxl import load_workbook

from server.cli import main
from server.db import org
from tests.server.console.conftest import console_both, csrf_in, login, post_form  # noqa: F401
from tests.server.figures.helpers import add_device, rating

HOSTILE = '=HYPERLINK("http://evil.example/x","详情")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HALL_TZ = timezone(timedelta(hours=8))


def formula_like(value) -> bool:
    """Text a spreadsheet runs as a formula (a plain number such as -3 is a number)."""
    return isinstance(value, str) and value.startswith(FORMULA_START) \
        and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value)


def csv_cells(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    bad = [(n, c) for n, r in enumerate(rows, 1) for c in r if formula_like(c)]
    assert not bad, f"cells a spreadsheet would run as formulas: {bad[:5]}"
    return rows


def cli(db_url: str, *args) -> str:
    result = CliRunner().invoke(main, [*args, "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def cli_url(server) -> str:
    """The database as `kiosk-server --db` takes it (a PostgreSQL schema via search_path)."""
    if server.schema:
        return f"{server.db}?options=-csearch_path%3D{server.schema}"
    return str(server.db_path)


def test_a_hostile_staff_name_opens_as_text_everywhere(console_both, tmp_path):
    server = console_both
    sup = login(server, "sup1")
    r = post_form(sup, server, "/console/org/halls/H01", "/console/org/halls/H01/staff",
                  {"staff_id": "S001", "name": HOSTILE, "windows": ["1", "2"], "stars": "5",
                   "photo_url": ""})
    assert r.status_code == 303, r.text[:500]
    assert next(iter(org.staff(server.store, staff_id="S001"))).name == HOSTILE

    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    month = now.astimezone(HALL_TZ).strftime("%Y-%m")
    dev = add_device(server.store, "H01", 1)
    server.store.ingest([rating(dev, level, now.isoformat(), ticket=f"F{n:03d}",
                                case_key=f"fs/{uuid.uuid4().hex}")
                         for n, level in enumerate((5, 4, 1, 2, 5))])
    odd = rating(dev, 1, now.isoformat(), staff="-S9", ticket="F900",
                 case_key=f"fs/{uuid.uuid4().hex}").model_copy(update={"case_id": "-A.1"})
    server.store.ingest([odd])

    quoted = "'" + HOSTILE
    downloads = {
        "/console/org/export.csv": True,
        f"/console/ranking.csv?kind=staff&scope=H01&month={month}": True,
        f"/console/ranking.csv?kind=windows&scope=H01&month={month}": False,
        "/console/figures/drill.csv?hall=H01&window=1": True,
        "/console/figures/drill.csv?hall=H01": False,
        "/console/figures/days.csv": False,
        "/console/figures/reasons.csv": False,
        "/console/fleet.csv": False,
    }
    for path, names_staff in downloads.items():
        got = sup.get(f"{server.url}{path}")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv"), \
            (path, got.status_code)
        rows = csv_cells(got.content.decode("utf-8"))
        flat = [c for r in rows for c in r]
        if names_staff:
            assert any(c.startswith(quoted) for c in flat), (path, flat[:40])
    admin = login(server, "admin")
    for path in ("/console/audit.csv", "/console/export/failures.csv"):
        got = admin.get(f"{server.url}{path}")
        assert got.status_code == 200, path
        csv_cells(got.content.decode("utf-8"))

    got = sup.get(f"{server.url}/console/ranking.xlsx?kind=staff&scope=H01&month={month}")
    assert got.status_code == 200 and got.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(got.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if formula_like(c.value)] == []
    names = [c for c in cells if isinstance(c.value, str) and c.value.startswith(quoted)]
    assert names and all(c.data_type == "s" for c in names)
    header = [c.value for c in sheet[2]]
    rated = [row[header.index("rated")] for row in sheet.iter_rows(min_row=3)]
    assert rated and all(c.data_type == "n" for c in rated)   # numbers still sum

    db_url = cli_url(server)
    org_csv = cli(db_url, "org", "export")
    assert quoted in "".join(c for r in csv_cells(org_csv) for c in r)
    provincial = cli(db_url, "export", "file", "--target", "provincial", "--month", month)
    assert "'-A.1" in [c for r in csv_cells(provincial) for c in r]

    # Round trip: the sheet the console wrote, imported through the console, gives the
    # same names (the quote was ours, so the importer takes it off), and exports the same.
    sheet_bytes = sup.get(f"{server.url}/console/org/export.csv").content
    page = admin.get(f"{server.url}/console/org")
    r = admin.post(f"{server.url}/console/org/import", data={"csrf_token": csrf_in(page.text)},
                   files={"file": ("org.csv", sheet_bytes, "text/csv")})
    assert r.status_code == 200, r.text[:500]
    assert next(iter(org.staff(server.store, staff_id="S001"))).name == HOSTILE
    assert sup.get(f"{server.url}/console/org/export.csv").content == sheet_bytes
    path = tmp_path / "org.csv"
    path.write_text(org_csv, encoding="utf-8")
    cli(db_url, "org", "import", str(path))
    assert next(iter(org.staff(server.store, staff_id="S001"))).name == HOSTILE
