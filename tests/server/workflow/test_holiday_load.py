"""`kiosk-server holidays load` from the terminal (issue 23.9): a file is the schedule of one
year, so next year's notice, which starts 元旦 on 31 December, never erases this year's
春节; the load says per year what it added, changed and removed, in English and Chinese,
and refuses to wipe a year without --replace.

The schedules are made up for the test (25 days off in 2027, 23 in 2028): we do not know the
State Council's. Like the real notices, 2028's starts on 2027-12-31."""
import json

from click.testing import CliRunner

from server.cli import main

SPRING_2027 = [f"2027-02-{d:02d},holiday,春节" for d in range(6, 13)]
Y2027 = ("date,kind,note\n" + "\n".join(
    [f"2027-01-0{d},holiday,元旦" for d in (1, 2, 3)] + SPRING_2027
    + ["2027-02-14,workday,春节调休"]
    + [f"2027-10-{d:02d},holiday,国庆节" for d in range(1, 16)]) + "\n")
Y2028 = ("date,kind,note\n2027-12-31,holiday,元旦\n" + "\n".join(
    [f"2028-01-0{d},holiday,元旦" for d in (1, 2)]
    + [f"2028-01-{d:02d},holiday,春节" for d in range(25, 32)]
    + ["2028-01-22,workday,春节调休"]
    + [f"2028-10-{d:02d},holiday,国庆节" for d in range(1, 15)]) + "\n")


def run(db, *args, lang="C.UTF-8"):
    result = CliRunner().invoke(main, [*args, "--db", db], env={"LANG": lang, "LC_ALL": None,
                                                               "LC_MESSAGES": None})
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def days(db, year):
    code, out = run(db, "holidays", "list", "--year", str(year), "--json")
    assert code == 0, out
    return {r["day"]: (r["kind"], r["note"]) for r in json.loads(out)}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_next_years_notice_keeps_this_years_spring_festival(tmp_path):
    db = str(tmp_path / "server.db")
    code, out = run(db, "holidays", "load", write(tmp_path, "2027.csv", Y2027))
    assert code == 0, out
    assert "  2027: 26 added, 0 changed, 0 removed" in out
    before = days(db, 2027)
    assert len(before) == 26 and before["2027-02-10"] == ("holiday", "春节")

    code, out = run(db, "holidays", "load", write(tmp_path, "2028.csv", Y2028))
    assert code == 0, out
    assert out.splitlines()[0] == "loaded 2028: 24 holidays, 1 make-up working days; 0 cases dated"
    assert "  2028: 24 added, 0 changed, 0 removed" in out
    assert ("  2027: 1 added, 0 changed, 0 removed (only the dates listed; the rest of 2027 "
            "is kept)") in out
    after = days(db, 2027)
    assert after == {**before, "2027-12-31": ("holiday", "元旦")}   # 春节 2027 is still there
    assert len(days(db, 2028)) == 24


def test_a_corrected_file_changes_and_removes_only_in_its_own_year(tmp_path):
    db = str(tmp_path / "server.db")
    run(db, "holidays", "load", write(tmp_path, "2027.csv", Y2027))
    run(db, "holidays", "load", write(tmp_path, "2028.csv", Y2028))
    fixed = (Y2028.replace("2028-10-14,holiday,国庆节\n", "")
             .replace("2028-01-22,workday,春节调休", "2028-01-22,workday,春节调休（更正）"))
    code, out = run(db, "holidays", "load", write(tmp_path, "fixed.csv", fixed), "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["year"] == 2028
    assert summary["per_year"] == {"2028": {"added": 0, "changed": 1, "removed": 1},
                                   "2027": {"added": 0, "changed": 0, "removed": 0}}
    assert "2028-10-14" not in days(db, 2028) and len(days(db, 2027)) == 27


def test_a_file_that_would_wipe_a_year_is_refused_without_replace(tmp_path):
    db = str(tmp_path / "server.db")
    run(db, "holidays", "load", write(tmp_path, "2027.csv", Y2027))
    stray = write(tmp_path, "stray.csv", "2027-12-31,holiday,元旦\n")   # its year: 2027
    code, out = run(db, "holidays", "load", stray)
    assert code == 1
    assert ("loading this file as the 2027 schedule would remove 25 of the 25 holidays the "
            "table has for 2027") in out and "--replace" in out
    assert len(days(db, 2027)) == 26                                    # nothing loaded
    code, out = run(db, "holidays", "load", stray, "--year", "2028")
    assert code == 1 and "the file has no dates in 2028" in out
    code, out = run(db, "holidays", "load", stray, "--replace")
    assert code == 0 and "  2027: 1 added, 0 changed, 26 removed" in out
    assert list(days(db, 2027)) == ["2027-12-31"]


def test_the_load_speaks_chinese(tmp_path):
    db = str(tmp_path / "server.db")
    zh = "zh_CN.UTF-8"
    run(db, "holidays", "load", write(tmp_path, "2027.csv", Y2027), lang=zh)
    code, out = run(db, "holidays", "load", write(tmp_path, "2028.csv", Y2028), lang=zh)
    assert code == 0, out
    assert "  2028 年：新增 24 天，修改 0 天，删除 0 天" in out
    assert "  2027 年：新增 1 天，修改 0 天，删除 0 天（只动文件列出的日期，2027 年其余日期保留）" in out
    code, out = run(db, "holidays", "load", write(tmp_path, "s.csv", "2028-05-01,holiday\n"),
                    lang=zh)
    assert code == 1
    assert "会删除表中 2028 年 23 天假日中的 23 天" in out and "--replace" in out
