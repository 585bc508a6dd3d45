"""Who works where: region (行政区划代码) → hall (服务大厅) → department → window → staff (工号).

Plain dataclasses, checked field by field (OrgError names the field and says what is
expected; its message is an English msgid marked for the console's catalog), and queries
written once for both stores. Writers take the caller's transaction so the console and
`kiosk-server org import` record the change in the audit log in the same transaction.

Decisions: 工号 (staff_id) is unique across the server (ratings carry only the 工号); a staff
member belongs to one hall and works at any of its windows; departments are names within a
hall, created when a window names one; their 统一社会信用代码 and the readers other parts use
(units, unit_of_window, set_department) are in server/db/org_units.py. Import/export formats
live in server/db/org_io.py (CSV, JSON) and server/db/org_xlsx.py.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sync.wire.labels import N_

log = logging.getLogger(__name__)

ORG_TABLES = """
    CREATE TABLE regions (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        parent TEXT
    );
    CREATE TABLE halls (
        hall_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        region TEXT NOT NULL
    );
    CREATE INDEX halls_region ON halls (region);
    CREATE TABLE departments (
        hall_id TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (hall_id, name)
    );
    CREATE TABLE windows (
        hall_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        name TEXT NOT NULL,
        department TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (hall_id, number)
    );
    CREATE TABLE staff (
        staff_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hall_id TEXT NOT NULL,
        photo_url TEXT NOT NULL DEFAULT '',
        stars INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX staff_hall ON staff (hall_id);
    CREATE TABLE staff_windows (
        staff_id TEXT NOT NULL,
        hall_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        PRIMARY KEY (staff_id, hall_id, number)
    );
    CREATE INDEX staff_windows_window ON staff_windows (hall_id, number)
"""

REGION_RE = re.compile(r"^\d{6,9}$")
HALL_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")     # same as enrolment codes' halls
STAFF_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")   # sync.wire Ident
URL_RE = re.compile(r"^(https?://\S+|/\S*)$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class OrgError(ValueError):
    """A bad value: where (line 7, halls[2], a form), which field, and why (msgid + params)."""

    def __init__(self, field: str, message: str, where: str = "", **params) -> None:
        self.field, self.message, self.where, self.params = field, message, where, params
        super().__init__(str(self))

    def at(self, where: str) -> "OrgError":
        return OrgError(self.field, self.message, where, **self.params)

    def __str__(self) -> str:
        text = self.message.format(**self.params)
        return f"{self.where}: {self.field}: {text}" if self.where else f"{self.field}: {text}"


def text(value, field: str, max_len: int, required: bool = True) -> str:
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise OrgError(field, N_("is required"))
    if len(value) > max_len:
        raise OrgError(field, N_("is longer than {max} characters"), max=max_len)
    if CONTROL.search(value):
        raise OrgError(field, N_("contains control characters"))
    return value


def pattern(value, field: str, regex: re.Pattern, expected: str) -> str:
    value = "" if value is None else str(value).strip()
    if not regex.match(value):
        raise OrgError(field, N_("must be {expected}, not \u201c{value}\u201d"),
                       expected=expected, value=value[:60])
    return value


def integer(value, field: str, low: int, high: int) -> int:
    raw = "" if value is None else str(value).strip()
    try:
        number = int(float(raw)) if re.fullmatch(r"\d+(\.0+)?", raw) else int(raw)
    except ValueError:
        raise OrgError(field, N_("must be a whole number from {low} to {high}, not "
                                 "\u201c{value}\u201d"), low=low, high=high, value=raw[:60])
    if not low <= number <= high:
        raise OrgError(field, N_("must be a whole number from {low} to {high}, not "
                                 "\u201c{value}\u201d"), low=low, high=high, value=raw[:60])
    return number


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None = None

    @classmethod
    def check(cls, code, name, parent=None) -> "Region":
        code = pattern(code, "region_code", REGION_RE, N_("6 to 9 digits"))
        parent = str(parent or "").strip() or None
        if parent is not None:
            parent = pattern(parent, "parent_region_code", REGION_RE, N_("6 to 9 digits"))
            if parent == code:
                raise OrgError("parent_region_code", N_("cannot be the region itself"))
        return cls(code, text(name, "region_name", 100), parent)


@dataclass(frozen=True)
class Hall:
    hall_id: str
    name: str
    region: str

    @classmethod
    def check(cls, hall_id, name, region) -> "Hall":
        return cls(pattern(hall_id, "hall_id", HALL_RE, N_("letters, digits, _ or -")),
                   text(name, "hall_name", 100),
                   pattern(region, "region_code", REGION_RE, N_("6 to 9 digits")))


@dataclass(frozen=True)
class Window:
    hall_id: str
    number: int
    name: str
    department: str = ""

    @classmethod
    def check(cls, hall_id, number, name, department="") -> "Window":
        return cls(pattern(hall_id, "hall_id", HALL_RE, N_("letters, digits, _ or -")),
                   integer(number, "window_number", 1, 999), text(name, "window_name", 100),
                   text(department, "department", 100, required=False))


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    hall_id: str
    photo_url: str = ""
    stars: int = 0
    windows: tuple[int, ...] = field(default=())

    @classmethod
    def check(cls, staff_id, name, hall_id, photo_url="", stars=0, windows=()) -> "Staff":
        photo = text(photo_url, "photo_url", 500, required=False)
        if photo and not URL_RE.match(photo):
            raise OrgError("photo_url", N_("must start with http://, https:// or /"))
        stars = 0 if stars in (None, "") else integer(stars, "stars", 0, 5)
        numbers = tuple(sorted({integer(n, "window_number", 1, 999) for n in windows}))
        return cls(pattern(staff_id, "staff_id", STAFF_RE,
                           N_("letters, digits, '.', '_' or '-' (at most 64)")),
                   text(name, "staff_name", 64),
                   pattern(hall_id, "hall_id", HALL_RE, N_("letters, digits, _ or -")),
                   photo, stars, numbers)


# -- reading -----------------------------------------------------------------------------------
def regions(store) -> dict[str, Region]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT code, name, parent FROM regions ORDER BY code")
    return {r[0]: Region(*r) for r in rows}


def halls(store, region_codes=None) -> dict[str, Hall]:
    """Every hall, or those in the given regions (a set of codes)."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT hall_id, name, region FROM halls ORDER BY region, hall_id")
    return {r[0]: Hall(*r) for r in rows if region_codes is None or r[2] in region_codes}


def hall(store, hall_id: str) -> Hall | None:
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT hall_id, name, region FROM halls WHERE hall_id = ?", [hall_id])
    return Hall(*row) if row else None


def windows(store, hall_id: str) -> list[Window]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT hall_id, number, name, department FROM windows WHERE hall_id = ? "
                      "ORDER BY number", [hall_id])
    return [Window(r[0], int(r[1]), r[2], r[3]) for r in rows]


def departments(store, hall_id: str) -> list[str]:
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT name FROM departments WHERE hall_id = ? ORDER BY name", [hall_id])
    return [r[0] for r in rows]


def staff(store, hall_id: str | None = None, staff_id: str | None = None) -> list[Staff]:
    """The staff of a hall (or one member, or everyone), each with their window numbers."""
    where, params = [], []
    if hall_id is not None:
        where.append("s.hall_id = ?")
        params.append(hall_id)
    if staff_id is not None:
        where.append("s.staff_id = ?")
        params.append(staff_id)
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT s.staff_id, s.name, s.hall_id, s.photo_url, s.stars, w.number "
                      "FROM staff s LEFT JOIN staff_windows w ON w.staff_id = s.staff_id "
                      f"AND w.hall_id = s.hall_id {clause}ORDER BY s.staff_id, w.number",
                      params)
    out: dict[str, Staff] = {}
    for sid, name, hid, photo, stars, number in rows:
        prev = out.get(sid)
        numbers = (prev.windows if prev else ()) + ((int(number),) if number is not None else ())
        out[sid] = Staff(sid, name, hid, photo, int(stars), numbers)
    return list(out.values())


def roster(store, hall_id: str, number: int) -> list[Staff]:
    """Who works at one window (the kiosk's idle card), by 工号."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT s.staff_id, s.name, s.hall_id, s.photo_url, s.stars FROM staff s "
                      "JOIN staff_windows w ON w.staff_id = s.staff_id AND w.hall_id = s.hall_id "
                      "WHERE w.hall_id = ? AND w.number = ? ORDER BY s.staff_id",
                      [hall_id, number])
    return [Staff(r[0], r[1], r[2], r[3], int(r[4]), (number,)) for r in rows]


def below(all_regions: dict[str, Region], code: str) -> set[str]:
    """A region and every region under it (parents may form no loop; a loop stops here)."""
    children: dict[str, list[str]] = {}
    for r in all_regions.values():
        if r.parent:
            children.setdefault(r.parent, []).append(r.code)
    found, todo = set(), [code]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


# -- writing (inside the caller's transaction) ------------------------------------------------
def put_region(tx, r: Region) -> None:
    tx.q("INSERT INTO regions (code, name, parent) VALUES (?, ?, ?) ON CONFLICT (code) DO "
         "UPDATE SET name = excluded.name, parent = excluded.parent", [r.code, r.name, r.parent])


def put_hall(tx, h: Hall) -> None:
    tx.q("INSERT INTO halls (hall_id, name, region) VALUES (?, ?, ?) ON CONFLICT (hall_id) DO "
         "UPDATE SET name = excluded.name, region = excluded.region",
         [h.hall_id, h.name, h.region])


def put_window(tx, w: Window) -> None:
    if w.department:
        tx.q("INSERT INTO departments (hall_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
             [w.hall_id, w.department])
    tx.q("INSERT INTO windows (hall_id, number, name, department) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (hall_id, number) DO UPDATE SET name = excluded.name, "
         "department = excluded.department", [w.hall_id, w.number, w.name, w.department])


def put_staff(tx, s: Staff) -> None:
    """Upsert a staff member; their windows become exactly s.windows."""
    tx.q("INSERT INTO staff (staff_id, name, hall_id, photo_url, stars) VALUES (?, ?, ?, ?, ?) "
         "ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name, hall_id = excluded.hall_id, "
         "photo_url = excluded.photo_url, stars = excluded.stars",
         [s.staff_id, s.name, s.hall_id, s.photo_url, s.stars])
    tx.q("DELETE FROM staff_windows WHERE staff_id = ?", [s.staff_id])
    for number in s.windows:
        tx.q("INSERT INTO staff_windows (staff_id, hall_id, number) VALUES (?, ?, ?)",
             [s.staff_id, s.hall_id, number])


def delete_window(tx, hall_id: str, number: int) -> None:
    tx.q("DELETE FROM staff_windows WHERE hall_id = ? AND number = ?", [hall_id, number])
    tx.q("DELETE FROM windows WHERE hall_id = ? AND number = ?", [hall_id, number])


def delete_staff(tx, staff_id: str) -> None:
    tx.q("DELETE FROM staff_pins WHERE staff_id = ?", [staff_id])
    tx.q("DELETE FROM staff_windows WHERE staff_id = ?", [staff_id])
    tx.q("DELETE FROM staff WHERE staff_id = ?", [staff_id])


# -- what kiosks are told ---------------------------------------------------------------------
def kiosk_view(store, hall_id: str, number: int | None) -> dict:
    """The parts of a kiosk's pushed config the org model decides: hall_name when the hall is
    known; window_name and the staff roster when that window is known. Empty when neither."""
    out: dict = {}
    known = hall(store, hall_id)
    if known is None:
        return out
    out["hall_name"] = known.name
    if number is None:
        return out
    window = next((w for w in windows(store, hall_id) if w.number == number), None)
    if window is not None:
        from server.db.staff_pins import hashes

        out["window_name"] = window.name
        members = roster(store, hall_id, number)[:200]
        pins = hashes(store, [s.staff_id for s in members])
        # A PIN travels only when set: an unset PIN stays unset on the kiosk.
        out["staff"] = [{"staff_id": s.staff_id, "name": s.name,
                         "photo_url": s.photo_url or None, "stars": s.stars,
                         **({"pin_hash": pins[s.staff_id]} if s.staff_id in pins else {})}
                        for s in members]
    return out


# Window units live in server/db/org_units.py (this module was long enough); parts written
# against `org.units`, `org.unit_of_window`, `org.set_department` or `org.Department` find them.
_UNIT_NAMES = ("Department", "units", "unit_of_window", "set_department", "credit_code")


def __getattr__(name: str):
    if name in _UNIT_NAMES:
        from server.db import org_units

        return getattr(org_units, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
