"""Every line kiosk-server prints for a person is Chinese under LANG=zh_CN.UTF-8 (no English
sentence left over) and has no Chinese of ours under LANG=C. Run as hall IT staff run it: the
console script's code in a subprocess, its language from LANG, against a real SQLite
database with a hall, accounts, an enrolled device and a 差评 case; error paths included
(unknown hall, bad file, revoked device, a database that cannot be opened)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Values a line keeps verbatim in any language, taken out before the line is judged.
VERBATIM = [
    r"`[^`]*`", r"\w+://[^\s，。；：（）]+",                   # code, URLs
    r"(?<![\w.])/[^\s，。；：（）,;()]*",                          # paths
    r"kiosk-server [a-z-]+(?: (?:--?[\w-]+(?:=\S+)?|[A-Z]+|[a-z]+))*",  # commands
    r"--[a-z][\w-]*(?:=\S+)?", r"\b\w+=\S*",                # options, key=value pairs
    r"\b[A-Z][A-Z0-9_]+\b",                                 # acronyms, environment variables
    r"\b\w*[\d_]\w*\b",                                     # ids, roles, codes, numbers
    r"\b\w+[./:-]\w[\w./:-]*",                              # file names, ids, times
    r"'[^']*'",                                             # repr()'d values
    r"\b\w+(?:, \w+){3,}", r"date,kind\[,note\]",              # column lists, a CSV shape
    r"\[Errno \d+\].*$", r"\b[A-Z]\w+Error: .*$",            # the OS's and a library's text
    r"\b(?:auditor|Wu|Li|Qian|Wang|Zhao|Zhou)\b",              # a role, display names
    r"SQLiteStore\([^)]*\)", r"\b(?:windows|staff|halls|csv|json)\b",  # kinds, formats
    r"\b(?:verify|rectify|answer|closed|withdrawn|pending|approved|rejected|mistaken|"
    r"malicious|webhook|email|sms|on|off|working|natural|holiday|workday|attitude)\b",
]
VERBATIM_RE = re.compile("|".join(f"(?:{v})" for v in VERBATIM), re.M)
# Chinese an English line carries all the same: values from the database (元旦, 核实属实,
# 综合受理...) and the words the English lines always had (窗口3, 逾期 OVERDUE, the digest's
# Chinese-first heading, 满意率, 空岗), which scripts may match; 《...》: a source document's title.
VALUES_ZH = r"[元春核恶廊市王李综]|窗口|逾期|办件|差评工单日报|今日到期|无期限|满意率|空岗|《"
# Log records (the server's log language is English, greppable in the journal), not messages.
LOG_LINE = re.compile(r" not delivered \(attempt \d+\)|^cannot make \S+ private \(0600\)")
# Two English words in a row: a sentence, or a piece of one, that was not translated.
PHRASE = re.compile(r"[A-Za-z]+(?:[ ,;:()]+[A-Za-z]+)+")


def english_left(text: str) -> list[str]:
    bad = []
    for line in text.splitlines():
        if LOG_LINE.search(line):
            continue
        rest = VERBATIM_RE.sub(" ", line)
        if PHRASE.search(rest) or (re.search(r"[A-Za-z]{3}", rest) and not CJK.search(line)):
            bad.append(line)
    return bad


def test_the_check_catches_english_left_in_a_chinese_line():
    assert english_left("today 2026-11-25; longest deadline 15 working days")
    assert english_left("错误：no device 'x', or it is already revoked")
    assert english_left("已吊销 hall01-w03 (its kiosk keeps its ratings)")
    assert not english_left("错误：没有设备 'x'，或它已被吊销")
    assert not english_left("请用 `kiosk-server holidays load FILE` 导入 2027 年安排")


def _world(tmp: Path) -> dict:
    """A database with 廊坊's hall01, one account per role, a device and one 差评 case."""
    from server.db.store import open_store
    from tests.server.workflow.conftest import db_with_one_case

    db = str(tmp / "server.db")
    device, bad = db_with_one_case(db)
    store = open_store(db)
    with store.transaction(write=False) as tx:
        case = tx.q("SELECT id FROM cases").fetchone()[0]
    store.close()
    files = {"good.csv": "date,kind,note\n2027-01-01,holiday,元旦\n",
             "bad.csv": "2027-01-01,holiday\n2027-02-30,holiday\n",
             "org.csv": "nonsense\n", "ratings.json": "{\"nope\": 1}",
             "pw": "correct horse battery\n"}
    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return {"db": db, "device": device, "rating": str(bad.uuid), "case": case}


def _commands(w: dict, tmp: Path) -> list[tuple]:
    dev, case, rid = w["device"], w["case"], w["rating"]
    return [
        ("holidays", "status", "--today", "2026-11-25"), ("holidays", "list"),
        ("holidays", "load", tmp / "bad.csv"), ("holidays", "load", tmp / "good.csv"),
        ("holidays", "list"), ("holidays", "status", "--today", "2026-11-25"),
        ("enrol-code", "--hall", "hall01", "--window", "3"), ("enrol-code", "--hall", "a b"),
        ("revoke", "no-such-device"), ("migrate",),
        ("user", "list"), ("user", "add", "newbie", "--role", "hall_supervisor", "--scope",
                           "nohall", "--password-stdin"),
        ("user", "add", "newbie", "--role", "region_admin", "--scope", "999999",
         "--password-stdin"),
        ("user", "add", "newbie", "--role", "hall_supervisor", "--scope", "hall01",
         "--password-stdin"),
        ("user", "disable", "zhao"), ("user", "enable", "zhao"), ("user", "disable", "nobody"),
        ("user", "reset-password", "nobody", "--password-stdin"),
        ("org", "import", tmp / "org.csv"), ("org", "export", "-o", tmp / "org-out.csv"),
        ("org", "import", tmp / "org-out.csv", "--dry-run"),
        ("org", "department", "list"),
        ("org", "department", "set", "hall01", "综合窗口", "--credit-code", "11410182005291054b"),
        ("org", "department", "set", "hall01", "综合窗口", "--credit-code", "1141018200529105X"),
        ("org", "department", "set", "nohall", "综合窗口", "--credit-code", ""),
        ("org", "department", "list"),
        ("ranking", "show", "--kind", "departments", "--scope", "hall01", "--month", "2025-09"),
        ("cases", "list"), ("cases", "show", case), ("cases", "list", "--by", "wang"),
        ("cases", "list", "--by", "nobody"),
        ("cases", "advance", case, "--by", "wang", "--note", "x"),
        ("cases", "advance", case, "--by", "zhao", "--note", "核实属实"),
        ("cases", "show", "no-such-case"), ("cases", "digest", "--no-escalate"),
        ("appeals", "list"),
        ("appeals", "file", rid, "--by", "zhao", "--kind", "malicious", "--reason", "恶意"),
        ("appeals", "list"), ("appeals", "decide", "no-such-appeal", "--by", "zhou",
                              "--approve", "--note", "x"),
        ("policy", "list"), ("policy", "set", "region:131000", "--rectify-days", "5"),
        ("policy", "set", "hall:hall01", "--verify-days", "9"), ("policy", "list"),
        ("defaults", "run"),
        ("export", "set-target", "prov", "--mapping", "gbt39046", "--url",
         "http://127.0.0.1:9/in", "--region", "131000"),
        ("export", "backfill", "--target", "prov", "--month", "2025-09"),
        ("deliver", "--once"),
        ("export", "targets"), ("export", "status"), ("export", "remove-target", "nope"),
        ("export", "backfill", "--target", "nope", "--month", "2025-13"),
        ("export", "file", "--target", "gbt39046", "--month", "2025-09", "-o",
         tmp / "out.csv"),
        ("export", "retry"),
        ("alerts", "list"), ("alerts", "off", "--hall", "hall01", "webhook"),
        ("rollup", "rebuild"), ("ranking", "show", "--scope", "hall01", "--month", "2025-09"),
        ("ranking", "close", "--scope", "hall01", "--month", "2999-01", "--by", "zhou"),
        ("audit", "verify"), ("import", tmp / "ratings.json"),
        ("hours", "show", "hall01"), ("hours", "list"),
        ("hours", "set", "hall01", "--days", "weekend", "--spans", "09:00-12:00"),
        ("hours", "show", "hall01"),
        ("revoke", dev), ("revoke", dev),
        ("migrate", "--db", tmp),                     # a directory: the database cannot open
    ]


def _run(args: tuple, db: str, lang: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "KIOSK_SERVER_DB")}
    env.update(LANG=lang, COLUMNS="100", KIOSK_SERVER_DB=db)
    code = "import sys; from server.cli import main; sys.exit(main(prog_name='kiosk-server'))"
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60,
                          input="correct horse battery\n")
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    return out


def transcript(tmp: Path, lang: str) -> list[tuple[tuple, str]]:
    world = _world(tmp)
    return [(args, _run(args, world["db"], lang)) for args in _commands(world, tmp)]


@pytest.mark.parametrize("lang", ["zh_CN.UTF-8", "C"])
def test_every_line_is_in_the_clis_language(tmp_path, lang):
    report = []
    for args, out in transcript(tmp_path, lang):
        assert out.strip(), args
        wrong = english_left(out) if lang.startswith("zh") else [
            line for line in out.splitlines() if CJK.search(VERBATIM_RE.sub(" ", line))
            and not re.search(VALUES_ZH, line)]
        report += [f"kiosk-server {' '.join(map(str, args))}:\n    {line}" for line in wrong]
    assert not report, "\n".join(report)


if __name__ == "__main__":  # a transcript to diff the English of two trees
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for args, out in transcript(Path(tmp), sys.argv[1] if len(sys.argv) > 1 else "C"):
            print("$", *[str(a).replace(tmp, "TMP") for a in args])
            print(out.replace(tmp, "TMP"))
