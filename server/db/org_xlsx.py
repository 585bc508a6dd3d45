"""The org sheet as an Excel workbook (.xlsx): the same columns, rows and checks as the CSV
(server/db/org_io.py), for clerks who keep it in Excel and would rather not save as CSV.

Reading takes the first worksheet's cells as text (a whole number typed into a cell, e.g. a
window number or a region code, reads as its digits); writing puts text in string cells,
never formulas (sync.wire.cells), numbers as numbers, so Excel keeps 440305 and 0017 as typed.
An upload is bounded in rows and in its uncompressed size, so a small file cannot expand
into a huge one.
"""
from __future__ import annotations

import io
import logging
import zipfile

from server.db.org import OrgError
from sync.wire import cells
from sync.wire.labels import N_

log = logging.getLogger(__name__)

MAX_ROWS = 100_000
MAX_UNZIPPED = 200 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(data: bytes) -> list[list[str]]:
    """The first worksheet's rows as lists of text; OrgError("file") when it is no workbook
    or too large."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise OrgError("file", N_("is larger than {max} MB"),
                               max=MAX_UNZIPPED // 2**20)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except OrgError:
        raise
    except Exception:  # noqa: BLE001 - zip, XML or openpyxl's own errors: all "not a workbook"
        raise OrgError("file", N_("is not an Excel workbook (.xlsx)")) from None
    try:
        rows = []
        for values in book.worksheets[0].iter_rows(values_only=True):
            if len(rows) >= MAX_ROWS:
                raise OrgError("file", N_("has more than {max} rows"), max=MAX_ROWS)
            rows.append([_text(v) for v in values])
        return rows
    finally:
        book.close()


def to_xlsx(header, rows) -> bytes:
    """A workbook of one sheet (组织架构): the header and the rows, formula-safe."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("组织架构")
    for column, width in zip("ABCDEFGHIJKLM", (10, 12, 12, 10, 24, 16, 22, 8, 16, 10, 10,
                                                 24, 6)):
        sheet.column_dimensions[column].width = width
    sheet.append(cells.xlsx_row(sheet, header))
    for row in rows:
        sheet.append(cells.xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
