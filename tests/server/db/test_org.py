"""The org model: a clerk's CSV sheet in and out, all-or-nothing imports with the line and field
of the first problem, JSON, and the roster kiosks pull coming from it."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.api.enrol import create_code
from server.cli import main
from server.db import audit, org, org_io
from server.db.org import OrgError
from tests.server.conftest import session_with

SHEET = """区划代码,区划名称,上级区划代码,大厅编号,大厅名称,部门,窗口号,窗口名称,工号,姓名,照片,星级
440000,广东省,,,,,,,,,,
440300,深圳市,440000,,,,,,,,,
440305,南山区,440300,H01,南山区政务服务中心,社保,1,社保综合受理,S001,张三,/photos/s001.jpg,5
440305,南山区,440300,H01,南山区政务服务中心,社保,1,社保综合受理,S002,李四,,4
440305,南山区,440300,H01,南山区政务服务中心,,2,不动产登记,S001,张三,/photos/s001.jpg,5
440305,南山区,440300,H01,南山区政务服务中心,,3,综合窗口,,,,
440306,宝安区,440300,H02,宝安区政务服务中心,,,,,,,
"""


def load_sheet(store, text=SHEET):
    doc = org_io.parse_csv(text, org_io.load(store))
    with store.transaction() as tx:
        org_io.apply(tx, doc)
    return doc


def test_a_sheet_round_trips_through_the_store(store):
    assert load_sheet(store).counts() == {"regions": 4, "halls": 2, "departments": 1,
                                         "windows": 3, "staff": 2}
    assert org.below(org.regions(store), "440300") == {"440300", "440305", "440306"}
    zhang = org.staff(store, staff_id="S001")[0]
    assert zhang.windows == (1, 2) and zhang.stars == 5 and zhang.hall_id == "H01"
    assert [s.staff_id for s in org.roster(store, "H01", 1)] == ["S001", "S002"]
    exported = org_io.to_csv(org_io.load(store))
    assert exported.startswith("\ufeff区划代码")
    again = org_io.parse_csv(exported.lstrip("\ufeff"))
    assert again.counts() == org_io.load(store).counts()
    assert org_io.to_rows(again) == org_io.to_rows(org_io.load(store))
    as_json = org_io.parse_json(org_io.to_json(org_io.load(store)))
    assert as_json.staff == org_io.load(store).staff


@pytest.mark.parametrize("old, new, where, field", [
    ("S002,李四,,4", "S002,李四,,9", "line 5", "stars"),
    ("H02,宝安区", "H 2,宝安区", "line 8", "hall_id"),
    ("440306,宝安区,440300", "44030,宝安区,440300", "line 8", "region_code"),
    (",3,综合窗口", ",3000,综合窗口", "line 7", "window_number"),
    ("不动产登记,S001,张三", "不动产登记,S001,张三丰", "line 6", "staff_name"),
    ("440300,深圳市,440000", "440300,深圳市,990000", "line 3", "parent_region_code"),
])
def test_a_bad_row_names_its_line_and_field(old, new, where, field):
    with pytest.raises(OrgError) as err:
        org_io.parse_csv(SHEET.replace(old, new, 1))
    assert err.value.where == where and err.value.field == field, str(err.value)


def test_json_errors_name_the_path():
    with pytest.raises(OrgError) as err:
        org_io.parse_json(json.dumps({"regions": [{"code": "440000", "name": "广东省"}],
                                      "halls": [{"hall_id": "H01", "name": "x",
                                                 "region": "440001"}]}))
    assert err.value.where == "halls[0]" and "unknown region" in str(err.value)
    with pytest.raises(OrgError, match="not JSON"):
        org_io.parse_json("{")


def test_the_cli_imports_all_or_nothing(tmp_path: Path):
    db = str(tmp_path / "org.db")
    good, bad = tmp_path / "org.csv", tmp_path / "bad.csv"
    good.write_text(SHEET, encoding="utf-8-sig")
    bad.write_text(SHEET.replace("S002,李四,,4", "S002,李四,,five"), encoding="gb18030")
    runner = CliRunner()
    failed = runner.invoke(main, ["org", "import", str(bad), "--db", db])
    assert failed.exit_code == 1
    assert "line 5: stars" in failed.output and "nothing imported" in failed.output
    exported = runner.invoke(main, ["org", "export", "--format", "json", "--db", db])
    assert json.loads(exported.output)["halls"] == []
    done = runner.invoke(main, ["org", "import", str(good), "--json", "--db", db])
    assert done.exit_code == 0 and json.loads(done.output)["staff"] == 2
    out = tmp_path / "out.csv"
    runner.invoke(main, ["org", "export", "-o", str(out), "--db", db])
    assert out.read_text(encoding="utf-8-sig").count("\n") == SHEET.count("\n")
    listed = runner.invoke(main, ["audit", "list", "--json", "--db", db])
    assert json.loads(listed.output.splitlines()[0])["action"] == "org.import"


def test_kiosks_pull_the_roster_from_the_org(server, admin, enrolled):
    device = enrolled("H01", 1)  # no org yet: any hall may enrol
    config = {"hall_name": "old", "window_name": "old", "reasons": ["attitude"],
              "staff": [{"staff_id": "X9", "name": "旧"}], "qr_base_url": "https://pj.example"}
    admin.put(f"{server.url}/api/v1/admin/device-config",
              json={"hall": "H01", "config": config}).raise_for_status()
    load_sheet(server.store)
    with session_with(device.token) as http:
        got = http.get(f"{server.url}/api/v1/device/config").json()
    assert got["hall_name"] == "南山区政务服务中心" and got["window_name"] == "社保综合受理"
    assert [s["staff_id"] for s in got["staff"]] == ["S001", "S002"]
    assert got["reasons"] == ["attitude"] and got["qr_base_url"] == "https://pj.example"
    with pytest.raises(ValueError, match="not in the org model"):
        create_code(server.store, "H77", 1)
    with pytest.raises(ValueError, match="no window 9"):
        create_code(server.store, "H01", 9)
    assert audit.verify(server.store) is None
