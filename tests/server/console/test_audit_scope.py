"""The audit log through the console, on both stores: a region admin or auditor reads only the
entries of their halls and regions (a sibling district's admin sees none of another hall's
notes or staff names), the province reads all, entries written before scopes existed are
scoped too, pages go by id, and the chain still verifies whole."""
import re

from click.testing import CliRunner

from server.cli import main
from server.console.sample import seed
from server.db import audit
from tests.server.console.conftest import PASSWORD, login, post_form

MARK = "13800138000"  # what a supervisor might type into a note: a citizen's phone number


def ids_on(session, url):
    page = session.get(url)
    assert page.status_code == 200, page.text[:300]
    return page, [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>\s*<td[^>]*>\d{4}-", page.text)]


def test_a_sibling_regions_admin_reads_none_of_another_halls_entries(console_both):
    srv = console_both
    seed(srv.store, PASSWORD, accounts={"baoan": ("宝安区管理员", "region_admin", "440306"),
                                        "baoan_audit": ("宝安审计", "auditor", "440306")})
    sup1, sup2 = login(srv, "sup1"), login(srv, "sup2")
    r = post_form(sup1, srv, "/console/org/halls/H01", "/console/org/halls/H01/windows",
                  {"number": "7", "name": f"回访 {MARK} 张三", "department": ""})
    assert r.status_code == 303
    r = post_form(sup2, srv, "/console/org/halls/H02", "/console/org/halls/H02/windows",
                  {"number": "7", "name": "宝安七号窗口", "department": ""})
    assert r.status_code == 303
    for name in ("baoan", "baoan_audit"):
        baoan = login(srv, name)
        for url in ("/console/audit", "/console/audit.csv", "/console/audit?target=window:H01/7",
                    "/console/audit?action=org.", "/console/audit.csv?actor=user:sup1"):
            text = baoan.get(f"{srv.url}{url}").text
            assert MARK not in text and ">window:H01/7<" not in text, (name, url)
            assert ">user:staff1<" not in text and ",user:staff1," not in text  # their account
        assert "宝安七号窗口" in baoan.get(f"{srv.url}/console/audit").text  # their own
    for name in ("nanshan", "admin", "audit1"):  # the hall's district and the province
        assert MARK in login(srv, name).get(f"{srv.url}/console/audit").text, name
    page = login(srv, "baoan").get(f"{srv.url}/console/audit?verify=1")
    assert "哈希链完整" in page.text  # the chain is checked whole, whoever reads


def test_entries_written_before_scopes_existed_are_scoped_on_first_read(console_both):
    srv = console_both
    seed(srv.store, PASSWORD, accounts={"baoan": ("宝安区管理员", "region_admin", "440306")})
    legacy = audit.record(srv.store, "user:sup1", "org.window.save", "window:H01/8",
                          {"name": f"旧记录 {MARK}"})
    own = audit.record(srv.store, "user:sup2", "org.window.save", "window:H02/8",
                       {"name": "宝安旧记录"})
    with srv.store.transaction() as tx:  # as a database migrated from before audit_scope
        tx.q("DELETE FROM audit_scope")
        tx.q("UPDATE audit_head SET unscoped_through = seq")
    text = login(srv, "baoan").get(f"{srv.url}/console/audit?action=org.window.").text
    assert "宝安旧记录" in text and "旧记录 " + MARK not in text
    assert "旧记录 " + MARK in login(srv, "nanshan").get(f"{srv.url}/console/audit").text
    with srv.store.transaction(write=False) as tx:
        scoped = dict(tx.all("SELECT entry_id, scope FROM audit_scope WHERE entry_id IN (?, ?)",
                             [legacy, own]))
    assert scoped == {legacy: "hall:H01", own: "hall:H02"}
    assert audit.verify(srv.store) is None


def test_pages_go_by_id_and_walk_the_whole_scope_both_ways(console_both):
    srv = console_both
    seed(srv.store, PASSWORD, accounts={"baoan": ("宝安区管理员", "region_admin", "440306")})
    for i in range(120):
        audit.record(srv.store, "user:sup2", "test.page", "hall:H02", {"i": i})
        audit.record(srv.store, "user:sup1", "test.page", "hall:H01", {"i": i})
    baoan = login(srv, "baoan")
    page, first = ids_on(baoan, f"{srv.url}/console/audit?action=test.page")
    seen, pages = list(first), [first]
    while (older := re.search(r'href="\?before=(\d+)&amp;([^"]*)"', page.text)):
        page, ids = ids_on(baoan, f"{srv.url}/console/audit?before={older.group(1)}&"
                                  f"{older.group(2)}")
        pages.append(ids)
        seen += ids
    assert len(seen) == len(set(seen)) == 120 and seen == sorted(seen, reverse=True)
    assert [len(p) for p in pages] == [50, 50, 20]
    newer = re.search(r'href="\?after=(\d+)&amp;([^"]*)"', page.text)
    _, back = ids_on(baoan, f"{srv.url}/console/audit?after={newer.group(1)}&{newer.group(2)}")
    assert back == pages[1]
    csv_ids = [int(line.split(",")[0]) for line in baoan.get(
        f"{srv.url}/console/audit.csv?action=test.page").text.lstrip("\ufeff").splitlines()[1:]]
    assert csv_ids == seen


def test_the_cli_still_verifies_and_lists_the_whole_chain(tmp_path):
    db = str(tmp_path / "server.db")
    from server.db.store import open_store

    store = open_store(db)
    seed(store, PASSWORD)
    audit.record(store, "user:sup1", "org.window.save", "window:H01/9", {})
    store.close()
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "verify", "--db", db])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["audit", "list", "--db", db, "--limit", "2", "--json"])
    first = [int(line.split('"id": ')[1].split(",")[0]) for line in listed.output.splitlines()
             if line.startswith("{")]
    older = runner.invoke(main, ["audit", "list", "--db", db, "--json", "--before",
                                 str(first[-1])])
    assert older.exit_code == 0 and f'"id": {first[-1]},' not in older.output
