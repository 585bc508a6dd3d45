"""Window units (departments) with their 统一社会信用代码: the GB 32100-2015 check on codes
published by real agencies, the store's readers and writer on both stores, the org sheet's
new column (old sheets still import) and `kiosk-server org department set|list`."""
import json
import os
import subprocess
import sys

import pytest

from server.db import audit, org, org_io, org_units
from server.db.org import OrgError
from server.db.org_units import credit_check_char, credit_code
from tests.helpers.databases import cli_db
from tests.server.db.test_org import SHEET, load_sheet

# Codes printed in public documents: 荥阳市司法局 (河南, a court ruling of 2019, (2019)豫01行终492号),
# 晋中市文化和旅游局 (山西, a procurement contract), and two companies' codes hutool's tests use.
PUBLISHED = ["11410182005291054B", "11140800558745220K", "91310110666007217T",
             "91310115591693856A"]
# Also from hutool's tests: issued in an early pilot, before the national check rule.
PILOT = "91350211M00013FA1N"
GONGAN, RENSHE = "11410182005291054B", "11140800558745220K"


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_pass_and_lower_case_is_read_as_upper(code):
    assert credit_code(code) == code
    assert credit_code(f" {code.lower()} ") == code
    assert credit_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("value, says", [
    ("11410182005291054", "must be 18 characters (a unified social credit code), not 17"),
    ("11410182005291054BB", "not 19"),
    ("1141018200529I054B", "character 14 \u201cI\u201d is not allowed"),
    ("11410182005291054Ｂ", "character 18 \u201cＢ\u201d is not allowed"),
    ("11410182005291054C", "the 18th character should be \u201cB\u201d, not \u201cC\u201d"),
    (PILOT, "the 18th character should be \u201c3\u201d, not \u201cN\u201d"),
])
def test_a_bad_code_names_the_field_and_why(value, says):
    with pytest.raises(OrgError) as err:
        credit_code(value)
    assert err.value.field == "credit_code" and says in str(err.value)


def test_a_check_character_of_31_is_written_0():
    # Search the 17 characters whose weighted sum is a multiple of 31 by the last one.
    for last in org_units.CREDIT_CHARS:
        first = "1141018200529105" + last
        if sum(org_units.CREDIT_CHARS.index(c) * w
               for c, w in zip(first, org_units.CREDIT_WEIGHTS)) % 31 == 0:
            assert credit_check_char(first) == "0" and credit_code(first + "0")
            return
    pytest.fail("no such prefix in the search")


def test_units_and_the_unit_of_a_window(store):
    load_sheet(store)
    with store.transaction() as tx:
        social = org_units.set_department(tx, "H01", "社保", GONGAN.lower())
        org_units.set_department(tx, "H01", "人社", RENSHE)
        org_units.set_department(tx, "H02", "社保", GONGAN)  # the same agency in another hall
    assert social == org_units.Department("H01", "社保", GONGAN, (1,))
    with store.transaction(write=False) as tx:
        assert [(d.hall_id, d.name, d.credit_code, d.windows)
                for d in org_units.units(tx, ["H02", "H01"])] == \
            [("H01", "人社", RENSHE, ()), ("H01", "社保", GONGAN, (1,)),
             ("H02", "社保", GONGAN, ())]
        assert org_units.unit_of_window(tx, "H01", 1).credit_code == GONGAN
        assert org_units.unit_of_window(tx, "H01", 2) is None  # no department
        assert org_units.unit_of_window(tx, "H01", 99) is None
        assert org_units.units(tx, []) == []
        assert org.unit_of_window(tx, "H01", 1) == org_units.unit_of_window(tx, "H01", 1)


def test_two_departments_of_a_hall_never_share_a_code(store):
    load_sheet(store)
    with store.transaction() as tx:
        org_units.set_department(tx, "H01", "社保", GONGAN)
    with pytest.raises(OrgError) as err:
        with store.transaction() as tx:
            org_units.set_department(tx, "H01", "人社", GONGAN)
    assert err.value.field == "credit_code" and "社保" in str(err.value)
    with pytest.raises(OrgError, match="unknown hall"):
        with store.transaction() as tx:
            org_units.set_department(tx, "H77", "人社", RENSHE)
    with store.transaction(write=False) as tx:
        assert [d.name for d in org_units.units(tx, ["H01"])] == ["社保"]
    # The index holds even for a writer that skips the check.
    with pytest.raises(Exception):
        with store.transaction() as tx:
            org_units.put_department(tx, org_units.Department("H01", "人社", GONGAN))


SHEET_WITH_CODES = SHEET.replace("部门,窗口号", "部门,部门统一社会信用代码,窗口号").replace(
    ",社保,1,", f",社保,{GONGAN.lower()},1,").replace(",,2,", ",,,2,").replace(
    ",,3,", ",,,3,")


def test_the_sheet_carries_the_codes_and_old_sheets_keep_them(store):
    sheet = SHEET_WITH_CODES.replace(f",社保,{GONGAN.lower()},1,社保综合受理,S002",
                                     ",社保,,1,社保综合受理,S002")  # a row leaves it empty
    sheet += f"440305,南山区,440300,H01,南山区政务服务中心,人社,{RENSHE},,,,,,\n"
    doc = load_sheet(store, sheet)
    assert doc.counts()["departments"] == 2
    again = org_io.load(store)
    assert again.departments[("H01", "社保")].credit_code == GONGAN
    assert again.departments[("H01", "人社")].windows == ()
    exported = org_io.to_csv(again)
    assert "部门统一社会信用代码" in exported and f"人社,{RENSHE},," in exported
    assert org_io.to_rows(org_io.parse_csv(exported.lstrip("\ufeff"))) == org_io.to_rows(again)
    assert org_io.parse_json(org_io.to_json(again)).departments.keys() == \
        again.departments.keys()
    load_sheet(store)  # the old sheet, without the column: codes stay
    assert org_io.load(store).departments[("H01", "社保")].credit_code == GONGAN


@pytest.mark.parametrize("old, new, where, field, says", [
    (f",{GONGAN.lower()},1,", ",11410182005291054C,1,", "line 4", "credit_code",
     "\u201cB\u201d"),
    (",,,2,", f",,{RENSHE},2,", "line 6", "department", "credit_code"),
    (",,,3,", f",不动产,{GONGAN.lower()},3,", "line 7", "credit_code", "社保"),
])
def test_a_bad_code_in_the_sheet_names_its_line_and_field(old, new, where, field, says):
    with pytest.raises(OrgError) as err:
        org_io.parse_csv(SHEET_WITH_CODES.replace(old, new, 1))
    assert (err.value.where, err.value.field) == (where, field), str(err.value)
    assert says in str(err.value)


def test_two_rows_disagreeing_on_a_code_name_the_first():
    sheet = SHEET_WITH_CODES.replace(f",社保,{GONGAN.lower()},1,社保综合受理,S002",
                                     f",社保,{RENSHE},1,社保综合受理,S002")
    with pytest.raises(OrgError) as err:
        org_io.parse_csv(sheet)
    assert err.value.where == "line 5" and "line 4" in str(err.value)


def test_the_cli_sets_and_lists_departments(db, tmp_path):
    from click.testing import CliRunner

    from server.cli import main
    from server.db.store import open_store

    sheet = tmp_path / "org.csv"
    sheet.write_text(SHEET, encoding="utf-8-sig")
    url = cli_db(db)
    runner = CliRunner()
    assert runner.invoke(main, ["org", "import", str(sheet), "--db", url]).exit_code == 0
    done = runner.invoke(main, ["org", "department", "set", "H01", "社保", "--credit-code",
                                GONGAN.lower(), "--db", url])
    assert done.exit_code == 0 and GONGAN in done.output and "windows 1" in done.output
    # In Chinese as hall IT staff run it: its own process (two Chinese runs in one process
    # leave gettext's fallback chain looping for a later in-process run of kiosk --help).
    bad = subprocess.run([sys.executable, "-c", "from server.cli import main; main()", "org",
                          "department", "set", "H01", "人社", "--credit-code",
                          "11410182005291054C", "--db", url], capture_output=True, text=True,
                         env={**os.environ, "LC_ALL": "zh_CN.UTF-8"}, timeout=60)
    assert bad.returncode == 1 and "credit_code：校验码不符：第 18 位应为“B”，而不是“C”" in bad.stderr
    taken = runner.invoke(main, ["org", "department", "set", "H01", "人社", "--credit-code",
                                 GONGAN, "--db", url])
    assert taken.exit_code == 1 and "already the code of \u201c社保\u201d" in taken.output
    listed = runner.invoke(main, ["org", "department", "list", "--json", "--db", url])
    assert [json.loads(line) for line in listed.output.splitlines()] == \
        [{"hall_id": "H01", "name": "社保", "credit_code": GONGAN, "windows": [1]}]
    text = runner.invoke(main, ["org", "department", "list", "--hall", "H02", "--db", url])
    assert text.exit_code == 0 and text.stdout == "" and "no departments yet" in text.stderr
    store = open_store(db[0], schema=db[1])
    try:
        entry = audit.entries(store, 1)[0][0]
        assert (entry["action"], entry["target"], entry["detail"]) == \
            ("org.department.save", "department:H01/社保", {"credit_code": GONGAN})
        assert audit.verify(store) is None
        assert org.departments(store, "H01") == ["社保"]
    finally:
        store.close()


def test_the_sheet_as_xlsx_round_trips_through_the_cli(db, tmp_path):
    """Export to .xlsx, edit it as a clerk would in Excel (a code in lower case, a window
    number typed as a number), import it back; a broken workbook imports nothing."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from server.cli import main

    sheet = tmp_path / "org.csv"
    sheet.write_text(SHEET_WITH_CODES, encoding="utf-8-sig")
    url, runner = cli_db(db), CliRunner()
    assert runner.invoke(main, ["org", "import", str(sheet), "--db", url]).exit_code == 0
    book_path = tmp_path / "org.xlsx"
    wrote = runner.invoke(main, ["org", "export", "-o", str(book_path), "--db", url])
    assert wrote.exit_code == 0, wrote.output
    book = load_workbook(book_path)
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0][5:8] == ["部门", "部门统一社会信用代码", "窗口号"]
    assert rows[0][0] == "区划代码" and rows[1][0] == "440000"  # codes stay text
    row = next(r for r in rows if r[7] == 2)  # a number cell, as Excel keeps it
    assert row[8] == "不动产登记" and book.active.cell(2, 1).data_type == "s"
    row[5], row[6] = "不动产", RENSHE.lower()
    book.active.append(["440305", "南山区", "440300", "H01", "南山区政务服务中心", "人社",
                        None, 7.0, "新窗口"])
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            book.active.cell(r, c).value = value
    book.save(book_path)
    done = runner.invoke(main, ["org", "import", str(book_path), "--json", "--db", url])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(main, ["org", "department", "list", "--json", "--db", url])
    got = {d["name"]: (d["credit_code"], d["windows"])
           for d in map(json.loads, listed.stdout.splitlines())}
    assert got == {"社保": (GONGAN, [1]), "不动产": (RENSHE, [2]), "人社": ("", [7])}
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(book_path.read_bytes()[:500])
    failed = runner.invoke(main, ["org", "import", str(broken), "--db", url])
    assert failed.exit_code == 1 and "file: is not an Excel workbook (.xlsx)" in failed.output
    no_file = runner.invoke(main, ["org", "export", "--format", "xlsx", "--db", url])
    assert no_file.exit_code == 2 and "-o FILE.xlsx" in no_file.output
