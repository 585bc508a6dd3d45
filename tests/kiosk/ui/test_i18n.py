"""UI strings in both languages and a font that draws Chinese (catalog coverage: tests/test_catalogs.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import i18n

ROOT = Path(__file__).resolve().parents[3]
PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "kiosk.po"


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


def test_a_cjk_font_is_found():
    path = i18n.find_cjk_font()
    assert path is not None and Path(path).is_file()
