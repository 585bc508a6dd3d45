"""Org model files: one CSV sheet a hall clerk fills in Excel, or JSON; all-or-nothing import.

CSV: one row per (window, staff member) pair, header names in Chinese or English:

    区划代码 region_code, 区划名称 region_name, 上级区划代码 parent_region_code,
    大厅编号 hall_id, 大厅名称 hall_name, 部门 department,
    部门统一社会信用代码 credit_code (also 统一社会信用代码), 窗口号 window_number,
    窗口名称 window_name, 工号 staff_id, 姓名 staff_name, 照片 photo_url, 星级 stars

A row may stop early: a region alone, a hall without windows, a department without windows,
a window without staff. Names repeat on every row of their region/hall/window/staff and must
agree; a department's credit code may be left empty on some of its rows (empty = not stated:
a stored code stays; sheets from before the column import as they did). A staff member at
two windows takes two rows. UTF-8 (with or without BOM, as Excel's "CSV UTF-8" writes) or
GB18030 (Excel's plain "CSV" on a Chinese Windows). JSON: {"regions": [...], "halls": [...],
"departments": [...], "windows": [...], "staff": [...]} with the fields of server.db.org's
and server.db.org_units' dataclasses (departments: hall_id, name, credit_code).

parse_*() check every value and every reference (against the file and what the database
already holds) before anything is written; the first problem raises OrgError naming the
line (CSV) or the JSON path and the field. apply() then writes all of it in one transaction.
"""
from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import asdict, dataclass, field, replace

from server.db import org, org_units
from server.db.org import Hall, OrgError, Region, Staff, Window
from server.db.org_units import Department
from sync.wire import cells
from sync.wire.labels import N_

log = logging.getLogger(__name__)

COLUMNS = ("region_code", "region_name", "parent_region_code", "hall_id", "hall_name",
           "department", "credit_code", "window_number", "window_name", "staff_id",
           "staff_name", "photo_url", "stars")
CHINESE = ("区划代码", "区划名称", "上级区划代码", "大厅编号", "大厅名称", "部门",
           "部门统一社会信用代码", "窗口号", "窗口名称", "工号", "姓名", "照片", "星级")
ALIASES = {**{c: c for c in COLUMNS}, **dict(zip(CHINESE, COLUMNS)),
           "统一社会信用代码": "credit_code", "department_credit_code": "credit_code"}
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class OrgDoc:
    regions: dict[str, Region] = field(default_factory=dict)
    halls: dict[str, Hall] = field(default_factory=dict)
    departments: dict[tuple[str, str], Department] = field(default_factory=dict)
    windows: dict[tuple[str, int], Window] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    where: dict[tuple, str] = field(default_factory=dict)  # (kind, key) -> "line 7"

    def counts(self) -> dict:
        return {"regions": len(self.regions), "halls": len(self.halls),
                "departments": len(self.departments), "windows": len(self.windows),
                "staff": len(self.staff)}


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise OrgError("file", N_("is larger than {max} MB"), max=MAX_BYTES // 2**20)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise OrgError("file", N_("is neither UTF-8 nor GB18030 text"))


def _merge(doc: OrgDoc, kind: str, key, item, where: str) -> None:
    """Add item, or check it agrees with the same key seen on an earlier line."""
    table = getattr(doc, kind)
    old = table.get(key)
    if old is None:
        table[key] = item
        doc.where[(kind, key)] = where
    elif old != item:
        first = doc.where[(kind, key)]
        diff = next(f for f in asdict(item) if getattr(old, f) != getattr(item, f))
        raise OrgError(diff, N_("disagrees with {first} for the same {kind} \u201c{key}\u201d"),
                       where, first=first, kind=kind, key=key if isinstance(key, str)
                       else f"{key[0]} #{key[1]}")


def _merge_department(doc: OrgDoc, dept: Department, where: str) -> None:
    """A department's rows agree on its code, or leave it empty (not stated)."""
    key = (dept.hall_id, dept.name)
    old = doc.departments.get(key)
    if old is not None and old.credit_code and dept.credit_code != old.credit_code:
        if not dept.credit_code:
            return
        raise OrgError("credit_code", N_("disagrees with {first} for the same {kind} "
                                         "\u201c{key}\u201d"), where,
                       first=doc.where[("departments", key)], kind="department",
                       key=f"{dept.hall_id} {dept.name}")
    if old is None or (dept.credit_code and not old.credit_code):
        doc.departments[key] = dept
        doc.where[("departments", key)] = where


def parse_file(data: bytes, fmt: str, existing: OrgDoc | None = None) -> OrgDoc:
    """An uploaded or given file: fmt 'csv', 'json' or 'xlsx'."""
    if fmt == "xlsx":
        from server.db import org_xlsx

        if len(data) > MAX_BYTES:
            raise OrgError("file", N_("is larger than {max} MB"), max=MAX_BYTES // 2**20)
        return parse_table(org_xlsx.read_rows(data), existing)
    text = decode(data)
    return parse_json(text, existing) if fmt == "json" else parse_csv(text, existing)


def parse_csv(text: str, existing: OrgDoc | None = None) -> OrgDoc:
    return parse_table(csv.reader(io.StringIO(text)), existing)


def parse_table(rows, existing: OrgDoc | None = None) -> OrgDoc:
    """The sheet as rows of text cells (a CSV's, or an XLSX's: server/db/org_xlsx.py); the
    first row is the header. Line numbers are the rows' (1 = the header), as Excel shows."""
    reader = iter(rows)
    header = next(reader, None)
    if not header:
        raise OrgError("header", N_("the file is empty"), "line 1")
    names = [ALIASES.get(h.strip().lstrip("\ufeff")) for h in header]
    for h, name in zip(header, names):
        if name is None and h.strip():
            raise OrgError(h.strip()[:40], N_("unknown column; expected {columns}"), "line 1",
                           columns=", ".join(COLUMNS))
    if "region_code" not in names:
        raise OrgError("region_code", N_("column missing"), "line 1")
    doc = OrgDoc()
    staff_rows: dict[str, tuple[dict, list[int], str]] = {}
    for line, fields in enumerate(reader, start=2):
        if not any(c.strip() for c in fields):
            continue
        row = {n: (cells.read_cell(fields[i].strip()) if i < len(fields) else "")
               for i, n in enumerate(names) if n}
        where = f"line {line}"
        try:
            _row(doc, row, where, existing, staff_rows)
        except OrgError as exc:
            raise exc.at(where) if not exc.where else exc
    for sid, (row, numbers, where) in staff_rows.items():
        try:
            doc.staff[sid] = Staff.check(sid, row["staff_name"], row["hall_id"],
                                         row.get("photo_url"), row.get("stars"), numbers)
        except OrgError as exc:
            raise exc.at(where)
        doc.where[("staff", sid)] = where
    check_references(doc, existing or OrgDoc())
    return doc


def _row(doc, row, where, existing, staff_rows) -> None:
    known = existing or OrgDoc()
    code = org.pattern(row.get("region_code"), "region_code", org.REGION_RE, N_("6 to 9 digits"))
    if row.get("region_name") or row.get("parent_region_code"):
        _merge(doc, "regions", code, Region.check(code, row.get("region_name"),
                                                  row.get("parent_region_code")), where)
    elif code not in doc.regions and code not in known.regions:
        raise OrgError("region_name", N_("is required for a region not named before"), where)
    hall_id = row.get("hall_id", "")
    if not hall_id:
        for key in ("credit_code", "window_number", "staff_id"):
            if row.get(key):
                raise OrgError("hall_id", N_("is required when {column} is given"), where,
                               column=key)
        return
    if row.get("hall_name"):
        _merge(doc, "halls", hall_id, Hall.check(hall_id, row.get("hall_name"), code), where)
    elif hall_id not in doc.halls and hall_id not in known.halls:
        raise OrgError("hall_name", N_("is required for a hall not named before"), where)
    if row.get("department") or row.get("credit_code"):
        if not row.get("department"):
            raise OrgError("department", N_("is required when {column} is given"), where,
                           column="credit_code")
        _merge_department(doc, Department.check(hall_id, row.get("department"),
                                                row.get("credit_code")), where)
    number = row.get("window_number", "")
    if number:
        number = org.integer(number, "window_number", 1, 999)
        if row.get("window_name") or row.get("department"):
            w = Window.check(hall_id, number, row.get("window_name"), row.get("department"))
            _merge(doc, "windows", (hall_id, w.number), w, where)
        elif (hall_id, number) not in doc.windows and (hall_id, number) not in known.windows:
            raise OrgError("window_name", N_("is required for a window not named before"),
                           where)
    sid = row.get("staff_id", "")
    if sid:
        first = staff_rows.get(sid)
        if first is None:
            staff_rows[sid] = (row, [number] if number else [], where)
        else:
            for key in ("staff_name", "hall_id", "photo_url", "stars"):
                if (first[0].get(key) or "") != (row.get(key) or ""):
                    raise OrgError(key, N_("disagrees with {first} for the same {kind} "
                                           "\u201c{key}\u201d"), where, first=first[2],
                                   kind="staff", key=sid)
            if number:
                first[1].append(number)
    elif row.get("staff_name"):
        raise OrgError("staff_id", N_("is required when a staff name is given"), where)


def parse_json(text: str, existing: OrgDoc | None = None) -> OrgDoc:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise OrgError("file", N_("is not JSON: {error}"), error=str(exc))
    if not isinstance(data, dict):
        raise OrgError("file", N_("must be a JSON object with regions, halls, windows, staff"))
    doc = OrgDoc()
    makers = {"regions": (lambda d: Region.check(d.get("code"), d.get("name"), d.get("parent")),
                          lambda r: r.code),
              "halls": (lambda d: Hall.check(d.get("hall_id"), d.get("name"), d.get("region")),
                        lambda h: h.hall_id),
              "departments": (lambda d: Department.check(d.get("hall_id"), d.get("name"),
                                                         d.get("credit_code", "")),
                              lambda d: (d.hall_id, d.name)),
              "windows": (lambda d: Window.check(d.get("hall_id"), d.get("number"), d.get("name"),
                                                 d.get("department", "")),
                          lambda w: (w.hall_id, w.number)),
              "staff": (lambda d: Staff.check(d.get("staff_id"), d.get("name"), d.get("hall_id"),
                                              d.get("photo_url", ""), d.get("stars", 0),
                                              _list(d.get("windows", []))),
                        lambda s: s.staff_id)}
    for kind, (make, key_of) in makers.items():
        items = data.get(kind, [])
        if not isinstance(items, list):
            raise OrgError(kind, N_("must be a list"))
        for i, item in enumerate(items):
            where = f"{kind}[{i}]"
            if not isinstance(item, dict):
                raise OrgError(kind, N_("each entry must be an object"), where)
            try:
                value = make(item)
            except OrgError as exc:
                raise exc.at(where)
            if key_of(value) in getattr(doc, kind):
                raise OrgError(kind, N_("\u201c{key}\u201d appears twice"), where,
                               key=str(key_of(value)))
            getattr(doc, kind)[key_of(value)] = value
            doc.where[(kind, key_of(value))] = where
    check_references(doc, existing or OrgDoc())
    return doc


def _list(value):
    if not isinstance(value, list):
        raise OrgError("windows", N_("must be a list"))
    return value


def check_references(doc: OrgDoc, existing: OrgDoc) -> None:
    """Every parent, region, hall and window named must exist in the file or the database,
    and regions must not loop."""
    all_regions = {**existing.regions, **doc.regions}
    for code, r in doc.regions.items():
        seen, current = {code}, r.parent
        while current:
            if current not in all_regions:
                raise OrgError("parent_region_code", N_("unknown region \u201c{code}\u201d"),
                               doc.where[("regions", code)], code=current)
            if current in seen:
                raise OrgError("parent_region_code", N_("regions form a loop through "
                                                        "\u201c{code}\u201d"),
                               doc.where[("regions", code)], code=current)
            seen.add(current)
            current = all_regions[current].parent
    all_halls = {**existing.halls, **doc.halls}
    for hid, h in doc.halls.items():
        if h.region not in all_regions:
            raise OrgError("region_code", N_("unknown region \u201c{code}\u201d"),
                           doc.where[("halls", hid)], code=h.region)
    for key, d in doc.departments.items():
        if d.hall_id not in all_halls:
            raise OrgError("hall_id", N_("unknown hall \u201c{hall}\u201d"),
                           doc.where[("departments", key)], hall=d.hall_id)
    _check_codes(doc, existing)
    all_windows = {**existing.windows, **doc.windows}
    for key, w in doc.windows.items():
        if w.hall_id not in all_halls:
            raise OrgError("hall_id", N_("unknown hall \u201c{hall}\u201d"),
                           doc.where[("windows", key)], hall=w.hall_id)
    for sid, s in doc.staff.items():
        if s.hall_id not in all_halls:
            raise OrgError("hall_id", N_("unknown hall \u201c{hall}\u201d"),
                           doc.where[("staff", sid)], hall=s.hall_id)
        for number in s.windows:
            if (s.hall_id, number) not in all_windows:
                raise OrgError("window_number", N_("hall \u201c{hall}\u201d has no window "
                                                   "{number}"), doc.where[("staff", sid)],
                               hall=s.hall_id, number=number)


def _check_codes(doc: OrgDoc, existing: OrgDoc) -> None:
    """No two departments of a hall share a code, as the file leaves them (a department the
    file names without a code keeps its stored one); the later line of a clash is named."""
    stated = [k for k, d in doc.departments.items() if d.credit_code]  # in the file's order
    holder = {(k[0], d.credit_code): k[1] for k, d in existing.departments.items()
              if d.credit_code and k not in stated}
    for key in stated:
        code = doc.departments[key].credit_code
        other = holder.setdefault((key[0], code), key[1])
        if other != key[1]:
            raise OrgError("credit_code", N_("is already the code of \u201c{other}\u201d in "
                                             "this hall"), doc.where[("departments", key)],
                           other=other)


def load(store) -> OrgDoc:
    """The whole org model as it stands."""
    doc = OrgDoc(regions=org.regions(store), halls=org.halls(store))
    with store.transaction(write=False) as tx:
        doc.departments = {(d.hall_id, d.name): d
                           for d in org_units.units(tx, sorted(doc.halls))}
        rows = tx.all("SELECT hall_id, number, name, department FROM windows "
                      "ORDER BY hall_id, number")
    doc.windows = {(r[0], int(r[1])): Window(r[0], int(r[1]), r[2], r[3]) for r in rows}
    doc.staff = {s.staff_id: s for s in org.staff(store)}
    return doc


def apply(tx, doc: OrgDoc) -> dict:
    """Write everything in doc (upserts; nothing absent from doc is removed)."""
    for r in sorted(doc.regions.values(), key=lambda r: r.code):
        org.put_region(tx, r)
    for h in doc.halls.values():
        org.put_hall(tx, h)
    coded = [d for d in doc.departments.values() if d.credit_code]
    for d in coded:  # free the codes first, so two departments may swap theirs
        org_units.put_department(tx, replace(d, credit_code=""))
    for d in doc.departments.values():
        org_units.put_department(tx, d, keep_code=not d.credit_code)
    for w in doc.windows.values():
        org.put_window(tx, w)
    for s in doc.staff.values():
        org.put_staff(tx, s)
    return doc.counts()


def to_json(doc: OrgDoc) -> str:
    return json.dumps({"regions": [asdict(r) for r in doc.regions.values()],
                       "halls": [asdict(h) for h in doc.halls.values()],
                       "departments": [{"hall_id": d.hall_id, "name": d.name,
                                        "credit_code": d.credit_code}
                                       for d in doc.departments.values()],
                       "windows": [asdict(w) for w in doc.windows.values()],
                       "staff": [{**asdict(s), "windows": list(s.windows)}
                                 for s in doc.staff.values()]},
                      ensure_ascii=False, indent=1)


def to_rows(doc: OrgDoc) -> list[list]:
    """The CSV rows (no header): regions without halls, halls without windows, departments
    without windows, windows without staff, then one row per staff member and window."""
    rows = []
    width = len(COLUMNS)
    used_regions = {h.region for h in doc.halls.values()}
    for r in doc.regions.values():
        if r.code not in used_regions:
            rows.append([r.code, r.name, r.parent or ""] + [""] * (width - 3))
    by_window: dict[tuple, list[Staff]] = {}
    homeless: dict[str, list[Staff]] = {}
    for s in doc.staff.values():
        for n in s.windows:
            by_window.setdefault((s.hall_id, n), []).append(s)
        if not s.windows:
            homeless.setdefault(s.hall_id, []).append(s)
    staffed = {(w.hall_id, w.department) for w in doc.windows.values()}
    for h in doc.halls.values():
        r = doc.regions.get(h.region) or Region(h.region, "", None)
        base = [r.code, r.name, r.parent or "", h.hall_id, h.name]
        hall_windows = [w for w in doc.windows.values() if w.hall_id == h.hall_id]
        bare = [d for k, d in sorted(doc.departments.items())
                if k[0] == h.hall_id and k not in staffed]
        if not hall_windows and not homeless.get(h.hall_id) and not bare:
            rows.append(base + [""] * (width - 5))
        rows += [base + [d.name, d.credit_code] + [""] * (width - 7) for d in bare]
        for w in sorted(hall_windows, key=lambda w: w.number):
            dept = doc.departments.get((h.hall_id, w.department))
            wbase = base + [w.department, dept.credit_code if dept else "", w.number, w.name]
            members = by_window.get((h.hall_id, w.number), [])
            rows += [wbase + [s.staff_id, s.name, s.photo_url, s.stars] for s in members] or \
                [wbase + ["", "", "", ""]]
        rows += [base + ["", "", "", "", s.staff_id, s.name, s.photo_url, s.stars]
                 for s in homeless.get(h.hall_id, [])]
    return rows


def to_csv(doc: OrgDoc) -> str:
    """Chinese headers, UTF-8 with a BOM so Excel opens it right; formula-safe cells
    (sync.wire.cells), which parse_csv reads back to the same values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CHINESE)
    writer.writerows(cells.row(r) for r in to_rows(doc))
    return "\ufeff" + out.getvalue()
