"""Window units (窗口单位): the departments stationed in a hall, first-class (issue 28 item 1).

A department is (hall_id, name) as before, now with its 统一社会信用代码 (GB 32100-2015,
18 characters, check character verified; '' when not known yet) and its windows (the windows
whose `department` names it). The same agency stationed in two halls is two departments with
the same code; two departments of one hall never share a code (a partial unique index, and a
clear OrgError before it).

Readers and writers take the caller's transaction, so exports (deptCode), the assessment and
the console read one consistent picture, and writers are audited by their callers.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from server.db.org import HALL_RE, OrgError, pattern, text
from sync.wire.labels import N_

log = logging.getLogger(__name__)

UNIT_TABLES = """
    ALTER TABLE departments ADD COLUMN credit_code TEXT NOT NULL DEFAULT '';
    CREATE UNIQUE INDEX departments_credit_code ON departments (hall_id, credit_code)
        WHERE credit_code <> ''
"""

# GB 32100-2015: the code's 31 characters (no I, O, S, V, Z), the weights of positions 1-17
# (3^(i) mod 31) and the check character 31 - (Σ mod 31), 31 written as '0' (section 4.5).
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_char(first17: str) -> str:
    """The 18th character the first 17 call for."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code(value, field: str = "credit_code", required: bool = False) -> str:
    """A 统一社会信用代码 upper-cased and checked, or '' (when not required and empty).
    OrgError says what is wrong: the length, the first character not allowed (and where), or
    the check character expected."""
    code = "" if value is None else str(value).strip().upper()
    if not code:
        if required:
            raise OrgError(field, N_("is required"))
        return ""
    if len(code) != 18:
        raise OrgError(field, N_("must be 18 characters (a unified social credit code), "
                                 "not {n}"), n=len(code))
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CHARS:
            raise OrgError(field, N_("character {position} \u201c{char}\u201d is not allowed: "
                                     "a unified social credit code has digits and capital "
                                     "letters except I, O, S, V and Z"),
                           position=position, char=char)
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        raise OrgError(field, N_("check character mismatch: the 18th character should be "
                                 "\u201c{expected}\u201d, not \u201c{got}\u201d"),
                       expected=expected, got=code[17])
    return code


@dataclass(frozen=True)
class Department:
    hall_id: str
    name: str
    credit_code: str = ""
    windows: tuple[int, ...] = field(default=())

    @classmethod
    def check(cls, hall_id, name, code="") -> "Department":
        return cls(pattern(hall_id, "hall_id", HALL_RE, N_("letters, digits, _ or -")),
                   text(name, "department", 100), credit_code(code))


def _in(values) -> str:
    return ", ".join("?" * len(values))


def units(tx, halls: list[str]) -> list[Department]:
    """The departments of these halls with their window numbers, ordered by hall, name (a
    window naming a department the table lacks still shows it, without a code)."""
    halls = sorted(set(halls))
    if not halls:
        return []
    found: dict[tuple[str, str], list] = {}
    for hall_id, name, code in tx.all(f"SELECT hall_id, name, credit_code FROM departments "
                                      f"WHERE hall_id IN ({_in(halls)})", halls):
        found[(hall_id, name)] = [code, []]
    for hall_id, name, number in tx.all(f"SELECT hall_id, department, number FROM windows "
                                        f"WHERE hall_id IN ({_in(halls)}) AND department <> ''",
                                        halls):
        found.setdefault((hall_id, name), ["", []])[1].append(int(number))
    return [Department(h, n, code, tuple(sorted(numbers)))
            for (h, n), (code, numbers) in sorted(found.items())]


def unit_of_window(tx, hall_id: str, window: int) -> Department | None:
    """The department a window belongs to (with its code and windows), None when it has none."""
    row = tx.one('SELECT department FROM windows WHERE hall_id = ? AND number = ?',
                 [hall_id, int(window)])
    if row is None or not row[0]:
        return None
    return next((d for d in units(tx, [hall_id]) if d.name == row[0]), None)


def code_taken(tx, hall_id: str, name: str, code: str) -> str | None:
    """The other department of the hall that already has this code, if any."""
    if not code:
        return None
    row = tx.one("SELECT name FROM departments WHERE hall_id = ? AND credit_code = ? AND "
                 "name <> ?", [hall_id, code, name])
    return row[0] if row else None


def set_department(tx, hall_id: str, name: str, credit_code: str) -> Department:
    """Create a department or set its code ('' clears it); OrgError when a value is bad, the
    hall unknown or another department of the hall has the code. Audited by the caller."""
    dept = Department.check(hall_id, name, credit_code)
    if tx.one("SELECT 1 FROM halls WHERE hall_id = ?", [dept.hall_id]) is None:
        raise OrgError("hall_id", N_("unknown hall \u201c{hall}\u201d"), hall=dept.hall_id)
    other = code_taken(tx, dept.hall_id, dept.name, dept.credit_code)
    if other is not None:
        raise OrgError("credit_code", N_("is already the code of \u201c{other}\u201d in this "
                                         "hall"), other=other)
    put_department(tx, dept)
    return next(d for d in units(tx, [dept.hall_id]) if d.name == dept.name)


def put_department(tx, dept: Department, keep_code: bool = False) -> None:
    """Upsert one department (checked values); keep_code leaves a stored code as it is (a
    sheet row naming the department without a code)."""
    if keep_code:
        tx.q("INSERT INTO departments (hall_id, name, credit_code) VALUES (?, ?, ?) "
             "ON CONFLICT DO NOTHING", [dept.hall_id, dept.name, dept.credit_code])
        return
    tx.q("INSERT INTO departments (hall_id, name, credit_code) VALUES (?, ?, ?) ON CONFLICT "
         "(hall_id, name) DO UPDATE SET credit_code = excluded.credit_code",
         [dept.hall_id, dept.name, dept.credit_code])
