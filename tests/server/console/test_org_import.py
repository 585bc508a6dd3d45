"""Uploading the org sheet in the console: all or nothing, the line of the first problem in the
page's language, and no change outside the uploader's scope."""
from server.console.sample import SHEET
from server.db import audit, org
from tests.server.console.conftest import csrf_in, login


def upload(session, server, text, name="org.csv", dry_run=False):
    token = csrf_in(session.get(f"{server.url}/console/org").text)
    data = {"csrf_token": token, **({"dry_run": "1"} if dry_run else {})}
    return session.post(f"{server.url}/console/org/import", data=data,
                        files={"file": (name, text.encode("utf-8-sig"), "text/csv")},
                        allow_redirects=False)


def test_a_supervisor_uploads_their_halls_sheet(console):
    sup1 = login(console, "sup1")
    sheet = sup1.get(f"{console.url}/console/org/export.csv").text.lstrip("\ufeff")
    sheet += "440305,南山区,440300,H01,南山区政务服务中心,,,4,上传的窗口,S004,周八,,3\r\n"
    checked = upload(sup1, console, sheet, dry_run=True)
    assert checked.status_code == 200 and "已检查，未保存" in checked.text
    assert 4 not in [w.number for w in org.windows(console.store, "H01")]
    done = upload(sup1, console, sheet)
    assert done.status_code == 200 and "已导入" in done.text
    assert org.kiosk_view(console.store, "H01", 4)["staff"][0]["name"] == "周八"
    entry = audit.entries(console.store, 1)[0][0]
    assert (entry["actor"], entry["action"], entry["detail"]["staff"]) == \
        ("user:sup1", "org.import", 4)


def test_out_of_scope_or_malformed_rows_import_nothing(console):
    sup1 = login(console, "sup1")
    before = audit.head(console.store)
    other_hall = SHEET + "440306,宝安区,440300,H02,宝安区政务服务中心,,9,偷加的,S109,某人,,1\n"
    r = upload(sup1, console, other_hall)
    assert r.status_code == 400 and "未导入任何内容。 第 8 行: hall_id: 不是您管辖的大厅" in r.text
    bad = SHEET.replace("S002,李四,,4", "S002,李四,,9")
    r = upload(login(console, "admin"), console, bad)
    assert r.status_code == 400 and "第 5 行: stars: 应为 0 至 5 的整数，而不是“9”" in r.text
    assert 9 not in [w.number for w in org.windows(console.store, "H02")]
    assert audit.head(console.store) != before  # only the logins were recorded
    assert [e["action"] for e in audit.entries(console.store, 2)[0]] == ["session.login"] * 2
    r = upload(login(console, "nanshan"), console, SHEET.replace("宝安区政务服务中心",
                                                               "宝安新名字"))
    assert r.status_code == 400 and "已被您辖区以外的大厅使用" in r.text
    staff = login(console, "staff1")
    token = csrf_in(staff.get(f"{console.url}/console/password").text)
    r = staff.post(f"{console.url}/console/org/import", data={"csrf_token": token},
                   files={"file": ("org.csv", SHEET.encode(), "text/csv")})
    assert r.status_code == 403
