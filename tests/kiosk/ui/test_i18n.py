"""UI strings: the committed .mo matches its .po, every UI string is translated, fonts draw Chinese."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk import i18n

ROOT = Path(__file__).resolve().parents[3]
PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "kiosk.po"


def ui_strings() -> set[str]:
    """Every literal passed to _() in kiosk/*.py and assets/kv/*.kv, plus the label tables."""
    found = set(i18n.LEVEL_LABELS.values()) | set(i18n.REASON_LABELS.values())
    for path in (ROOT / "kiosk").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    for path in (ROOT / "assets" / "kv").glob("*.kv"):
        found |= {ast.literal_eval(m) for m in
                  re.findall(r'\b_\(("(?:[^"\\]|\\.)*")\)', path.read_text(encoding="utf-8"))}
    from kiosk.ui.screens import LINK_TEXT
    return found | set(LINK_TEXT.values())


def test_committed_mo_matches_po():
    mo = PO.with_suffix(".mo")
    assert mo.read_bytes() == i18n.build_mo(i18n.parse_po(PO.read_text(encoding="utf-8"))), \
        "kiosk.mo is stale: run `python -m kiosk.i18n` and commit the .mo"


def test_every_ui_string_has_a_chinese_translation():
    catalog = i18n.parse_po(PO.read_text(encoding="utf-8"))
    strings = ui_strings()
    assert len(strings) > 25
    missing = sorted(s for s in strings if s not in catalog)
    assert not missing, f"add to kiosk.po: {missing}"
    for msgid in strings:
        assert re.search(r"[\u4e00-\u9fff]", catalog[msgid]), f"{msgid!r} is not Chinese"
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", catalog[msgid]))


@pytest.mark.parametrize("level, zh, en", [
    (5, "非常满意", "Very satisfied"), (4, "满意", "Satisfied"), (3, "基本满意", "Basically satisfied"),
    (2, "不满意", "Dissatisfied"), (1, "非常不满意", "Very dissatisfied")])
def test_level_labels_in_both_languages(level, zh, en):
    from sync.wire import LEVEL_NAMES

    try:
        assert i18n.install("zh_CN") == "zh_CN"
        assert i18n.level_label(level) == zh == LEVEL_NAMES[level]
        assert i18n.install("en") == "en"
        assert i18n.level_label(level) == en
    finally:
        i18n.install("zh_CN")


def test_reason_labels_cover_the_default_reasons():
    from kiosk.config import DEFAULT_REASONS

    i18n.install("zh_CN")
    assert [i18n.reason_label(c) for c in DEFAULT_REASONS] == [
        "服务态度差", "办事效率低", "业务不熟练", "一次性告知不到位", "多次跑腿", "其他"]
    assert i18n.reason_label("custom_code") == "custom_code"


def test_po_parser_handles_multiline_and_fuzzy():
    text = ('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgid "a"\n"b"\nmsgstr ""\n"甲乙"\n\n#, fuzzy\nmsgid "c"\nmsgstr "丙"\n')
    entries = i18n.parse_po(text)
    assert entries["ab"] == "甲乙" and "c" not in entries


def test_a_cjk_font_is_found():
    path = i18n.find_cjk_font()
    assert path is not None and Path(path).is_file()
