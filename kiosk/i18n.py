"""UI language (gettext, zh_CN default, English msgids, catalogs compiled by Babel) and the CJK font."""
from __future__ import annotations

import gettext
import glob
import logging
import re
from pathlib import Path

from sync.wire.labels import LEVEL_LABELS, REASON_LABELS, po_translations

log = logging.getLogger(__name__)

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def install(language: str) -> str:
    """Choose the UI language (zh_CN or en); returns the language actually in use."""
    global _translation, _language
    if language == "en":
        _translation, _language = gettext.NullTranslations(), "en"
        return _language
    try:
        _translation = po_translations(LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po")
        _language = language
    except OSError:
        log.error("no %s catalog under %s: showing English", language, LOCALE_DIR)
        _translation, _language = gettext.NullTranslations(), "en"
    return _language


def language() -> str:
    return _language


def _(message: str) -> str:
    """Translate one UI string into the installed language (English msgids)."""
    return _translation.gettext(message)


# Level and reason labels: msgids in sync/wire/labels.py, Chinese in locale/zh_CN/.../kiosk.po.


def level_label(level: int) -> str:
    return _(LEVEL_LABELS.get(level, str(level)))


def reason_label(code: str) -> str:
    """A configured reason code's label; unknown codes show as they are."""
    return _(REASON_LABELS[code]) if code in REASON_LABELS else code


def find_cjk_font(extra: list[str] | None = None) -> str | None:
    """First font file that can draw Chinese: assets/fonts, then system CJK fonts."""
    bundled = sorted(glob.glob(str(ASSETS_DIR / "fonts" / "*.tt[fc]"))
                     + glob.glob(str(ASSETS_DIR / "fonts" / "*.otf")))
    for path in [*(extra or []), *bundled, *CJK_FONTS]:
        if Path(path).is_file():
            return path
    return None


def register_font() -> str | None:
    """Make the CJK font Kivy's default so Chinese never shows as tofu boxes."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = find_cjk_font()
    if path is None:
        log.error("no CJK font found (install fonts-wqy-microhei or put one in assets/fonts)")
        return None
    LabelBase.register(DEFAULT_FONT, path)
    log.info("default font: %s", path)
    return path


# -- pybabel extract: the _("...") strings of the .kv files --------------------------
KV_STRING = re.compile(r"""\b_\(("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\)""")


def extract_kv(fileobj, keywords, comment_tags, options):
    """Babel extractor for Kivy .kv files (registered as `kv` in setup.py's entry points)."""
    import ast

    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        for literal in KV_STRING.findall(line):
            yield lineno, "_", ast.literal_eval(literal), []
