"""Org and users pages through real forms: a bad value is shown beside its field and nothing is
written; good ones are saved and audited; the audit page finds tampering; CSV downloads."""
from server.db import audit, org, users
from tests.server.console.conftest import login, post_form


def test_a_bad_window_form_shows_the_error_in_the_form_and_writes_nothing(console):
    sup1 = login(console, "sup1")
    r = post_form(sup1, console, "/console/org/halls/H01", "/console/org/halls/H01/windows",
                  {"number": "1000", "name": "太大了"})
    assert r.status_code == 400
    assert "应为 1 至 999 的整数，而不是“1000”" in r.text and 'value="太大了"' in r.text
    assert 1000 not in [w.number for w in org.windows(console.store, "H01")]
    ok = post_form(sup1, console, "/console/org/halls/H01", "/console/org/halls/H01/windows",
                   {"number": "9", "name": "新开窗口", "department": "社保"})
    assert ok.status_code == 303
    assert "新开窗口" in sup1.get(f"{console.url}/console/org/halls/H01").text
    entry = audit.entries(console.store, 1)[0][0]
    assert (entry["actor"], entry["action"], entry["target"]) == \
        ("user:sup1", "org.window.save", "window:H01/9")


def test_staff_form_sets_windows_and_the_kiosk_roster_follows(console):
    sup1 = login(console, "sup1")
    bad = post_form(sup1, console, "/console/org/halls/H01", "/console/org/halls/H01/staff",
                    {"staff_id": "S009", "name": "孙九", "stars": "7", "windows": ["1", "3"]})
    assert bad.status_code == 400 and "应为 0 至 5 的整数" in bad.text
    ok = post_form(sup1, console, "/console/org/halls/H01", "/console/org/halls/H01/staff",
                   {"staff_id": "S009", "name": "孙九", "stars": "4", "windows": ["1", "3"]})
    assert ok.status_code == 303
    assert org.kiosk_view(console.store, "H01", 3)["staff"][-1]["name"] == "孙九"
    gone = post_form(sup1, console, "/console/org/halls/H01",
                     "/console/org/halls/H01/staff/S009/delete", {})
    assert gone.status_code == 303 and not org.staff(console.store, staff_id="S009")


def test_region_admin_adds_regions_halls_and_users(console):
    admin = login(console, "nanshan")
    outside = post_form(admin, console, "/console/org", "/console/org/halls",
                        {"hall_id": "H77", "name": "越界大厅", "region": "440306"})
    assert outside.status_code == 400 and "必须是您所辖区划或其下级区划" in outside.text
    r = post_form(admin, console, "/console/org", "/console/org/regions",
                  {"code": "440305001", "name": "粤海街道", "parent": "440305"})
    assert r.status_code == 303
    r = post_form(admin, console, "/console/org", "/console/org/halls",
                  {"hall_id": "H03", "name": "粤海街道便民服务中心", "region": "440305001"})
    assert r.status_code == 303 and r.headers["location"] == "/console/org/halls/H03"
    bad = post_form(admin, console, "/console/users", "/console/users",
                    {"username": "Bad Name", "role": "hall_supervisor", "scope": "H02",
                     "password": "short"})
    assert bad.status_code == 400
    assert "不是您辖区内的区划、大厅或工号" in bad.text and "至少需要 10 个字符" in bad.text
    r = post_form(admin, console, "/console/users", "/console/users",
                  {"username": "sup3", "display_name": "粤海主任", "role": "hall_supervisor",
                   "scope": "H03", "password": "first-password-1"})
    assert r.status_code == 303
    assert users.get(console.store, "sup3").must_change
    r = post_form(admin, console, "/console/users", "/console/users/sup3/disable", {})
    assert r.status_code == 303 and not users.get(console.store, "sup3").active
    assert post_form(admin, console, "/console/users", "/console/users/sup2/disable",
                     {}).status_code == 403  # sup2's hall is outside 440305
    assert audit.verify(console.store) is None


def test_the_audit_page_finds_a_tampered_entry_and_exports_csv(console):
    auditor = login(console, "audit1")
    intact = auditor.get(f"{console.url}/console/audit?verify=1").text
    assert "哈希链完整" in intact
    with console.store.transaction() as tx:
        tx.q("UPDATE audit_log SET detail = ? WHERE id = 2", ['{"role":"region_admin"}'])
    broken = auditor.get(f"{console.url}/console/audit?verify=1").text
    assert "哈希链在第 2 条处断开" in broken
    csv_text = auditor.get(f"{console.url}/console/audit.csv?action=user.").text
    assert csv_text.startswith("\ufeffid,at,actor,action,target,detail,hash")
    assert "user:admin" in csv_text and "org.import" not in csv_text
    with console.store.transaction() as tx:  # put it back for the other tests
        tx.q("UPDATE audit_log SET detail = ? WHERE id = 2",
             ['{"role":"region_admin","scope":"440000"}'])
    assert audit.verify(console.store) is None


def test_org_csv_download_is_the_import_sheet_of_the_scope(console):
    text = login(console, "sup2").get(f"{console.url}/console/org/export.csv").text
    assert text.startswith("\ufeff区划代码,区划名称")
    assert "宝安区政务服务中心" in text and "南山" not in text
