"""Spreadsheet cells the product writes (CSV and XLSX), safe to open in Excel or WPS.

A text cell that starts with = + - @ tab or CR is a formula to a spreadsheet program
(`=HYPERLINK(...)` as a staff name becomes a live link; OWASP "CSV injection"). Every CSV and
XLSX writer of the kiosk and the server passes its cells through `cell()`, which puts a single
quote in front of such text; the importers that read our files back (org import, holiday file,
`kiosk-server import`) pass each value through `read_cell()`, which takes that quote off again.

Kept here, in the wire package, because both sides use it and the kiosk's export is read by
the server's import: the rule that writes and the rule that reads are one rule.

- Numbers (int, float, Decimal) stay numbers, so a column of -3 differences still sums; bool
  and None are written as the CSV writer writes them ("" for None in our writers).
- Text that is only a number ("-3", "+86", "4", "-0.5") is not a formula in any spreadsheet
  program and is left as it is, so mapped codes and numbers formatted as text stay numeric.
- Any other text starting with a formula character gets a leading "'". Text that already
  starts with quotes followed by a formula character ("'=x") gets one more, so read_cell()
  gives back exactly what was written: read_cell(cell(v)) == v for every text v.
- XLSX: `xlsx_cell()` writes the same neutralised text as a string cell (openpyxl would take a
  str starting with "=" for a formula), so no text ever becomes a formula there either.
"""
from __future__ import annotations

import re
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def cell(value):
    """A value as it goes into a CSV or XLSX cell: text that a spreadsheet would run as a
    formula gets a leading single quote; numbers and everything else are unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if _NUMBER.fullmatch(value):
        return value
    if _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def row(values) -> list:
    """cell() of each value of a row (a list, tuple or any iterable)."""
    return [cell(v) for v in values]


def read_cell(text):
    """A cell read back from a file we wrote (or one a clerk edited in Excel): the quote
    cell() added is taken off; any other text is unchanged."""
    if isinstance(text, str) and _QUOTED.match(text):
        return text[1:]
    return text


def is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def xlsx_cell(sheet, value):
    """An openpyxl cell for `sheet` (a normal or write-only worksheet) holding `value`:
    numbers as numbers, everything else as neutralised text in a string cell (never a
    formula, whatever the text starts with)."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        value = ""
    made = WriteOnlyCell(sheet, value=value if is_number(value) else str(cell(value)))
    if not is_number(value):
        made.data_type = "s"
    return made


def xlsx_row(sheet, values) -> list:
    """A row for sheet.append(): xlsx_cell() of each value."""
    return [xlsx_cell(sheet, v) for v in values]
