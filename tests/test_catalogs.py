"""`pybabel extract` finds every translatable string, and each has a Chinese translation."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PYBABEL = Path(sys.executable).with_name("pybabel")
CATALOGS = {
    "kiosk": ("babel-kiosk.cfg", ROOT / "kiosk/locale/zh_CN/LC_MESSAGES/kiosk.po"),
    "server": ("babel-server.cfg", ROOT / "server/locale/zh_CN/LC_MESSAGES/server.po"),
}
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"{\w*}|%\(\w+\)[sd]|%[sd]")


def extract(cfg: str, tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", cfg, "-k", "N_", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as fh:
        return [m for m in read_po(fh) if m.id]


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_extracted_string_has_a_chinese_translation(name, tmp_path):
    cfg, po_path = CATALOGS[name]
    messages = extract(cfg, tmp_path)
    assert len(messages) > 10, f"pybabel found only {len(messages)} strings for {name}"
    with open(po_path, "rb") as fh:
        po = read_po(fh)
    missing, wrong = [], []
    for m in messages:
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        entry = po.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(msgid)
            continue
        text = entry.string if isinstance(entry.string, str) else entry.string[0]
        # A pattern of placeholders and punctuation ("{label}:") is translated by its
        # full-width punctuation ("{label}："): it has no words to say in Chinese.
        pattern_only = not re.search(r"[A-Za-z]", PLACEHOLDER.sub("", msgid))
        if pattern_only and text == msgid:
            wrong.append(f"{msgid!r} -> {text!r} keeps the English punctuation")
        elif not pattern_only and not HAN.search(text):
            wrong.append(f"{msgid!r} -> {text!r} is not Chinese")
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
            wrong.append(f"{msgid!r} -> {text!r} changes the placeholders")
    assert not missing, (f"{po_path.relative_to(ROOT)} lacks a translation for:\n  "
                         + "\n  ".join(missing))
    assert not wrong, "\n".join(wrong)


def test_the_extractor_sees_the_kv_files_and_the_shared_labels(tmp_path):
    ids = {m.id for m in extract("babel-kiosk.cfg", tmp_path)}
    assert "Thank you for your rating" in ids      # assets/kv/rating.kv
    assert "Very dissatisfied" in ids              # sync/wire/labels.py
    assert "No queue system" in ids                # kiosk/ui/widgets.py, marked N_


PO_FILES = sorted(p for p in ROOT.glob("*/locale/*/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.name)
def test_each_catalog_defines_a_message_once(po_path):
    """Two definitions of one msgid (two branches each adding "Next page") make GNU msgfmt
    refuse the file, while babel silently keeps the last: say which ones, by line."""
    seen, twice = {}, []
    text = po_path.read_text(encoding="utf-8")
    for match in re.finditer(r'^(?:msgctxt (".*")\n)?msgid ((?:".*"\n)+)', text, re.M):
        key = (match.group(1), match.group(2))
        line = text.count("\n", 0, match.start()) + 1
        if key[1] != '""\n' and key in seen:
            twice.append(f"line {line}: {key[1].strip()} (first at line {seen[key]})")
        seen.setdefault(key, line)
    assert len(seen) > 10
    assert not twice, f"{po_path.relative_to(ROOT)} defines these again:\n  " + "\n  ".join(twice)
