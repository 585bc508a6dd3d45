"""UI language (gettext, zh_CN default, English msgids), the CJK font, and a tiny pure-Python msgfmt."""
from __future__ import annotations

import ast
import gettext
import glob
import logging
import struct
import sys
from pathlib import Path

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
        _translation = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[language])
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


# Level and reason labels: msgids here, Chinese in locale/zh_CN/LC_MESSAGES/kiosk.po.
LEVEL_LABELS = {
    5: "Very satisfied", 4: "Satisfied", 3: "Basically satisfied",
    2: "Dissatisfied", 1: "Very dissatisfied", 0: "Not rated",
}
REASON_LABELS = {
    "attitude": "Poor service attitude",
    "efficiency": "Slow to get things done",
    "competence": "Not familiar with the business",
    "notification": "Not told everything at once",
    "multiple_trips": "Had to come back several times",
    "other": "Other",
}


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


# -- msgfmt: .po -> .mo without GNU gettext or babel -------------------------------
def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file; fuzzy and untranslated entries are left out."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    fuzzy = section = None

    def flush() -> None:
        if msgid is not None and msgstr and not fuzzy:
            entries[msgid] = msgstr

    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if not line or line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if not line and msgid is not None:
                flush()
                msgid = msgstr = section = None
                fuzzy = False
            continue
        if line.startswith("msgid "):
            if msgid is not None:
                flush()
                fuzzy = False
            msgid, msgstr, section = ast.literal_eval(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, section = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"') and section == "id":
            msgid += ast.literal_eval(line)
        elif line.startswith('"') and section == "str":
            msgstr += ast.literal_eval(line)
        else:
            raise ValueError(f"unsupported .po line: {raw!r}")
    return entries


def build_mo(entries: dict[str, str]) -> bytes:
    """GNU .mo bytes (little endian, no hash table) for msgid -> msgstr, sorted by msgid."""
    keys = sorted(entries)
    ids = b"".join(k.encode("utf-8") + b"\0" for k in keys)
    strs = b"".join(entries[k].encode("utf-8") + b"\0" for k in keys)
    n = len(keys)
    start = 7 * 4 + n * 16
    koffsets, voffsets, pos = [], [], 0
    for k in keys:
        b = k.encode("utf-8")
        koffsets += [len(b), start + pos]
        pos += len(b) + 1
    vstart, pos = start + len(ids), 0
    for k in keys:
        b = entries[k].encode("utf-8")
        voffsets += [len(b), vstart + pos]
        pos += len(b) + 1
    header = struct.pack("<7I", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    return header + struct.pack(f"<{4 * n}I", *koffsets, *voffsets) + ids + strs


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every locale/*/LC_MESSAGES/*.po next to itself; returns the .mo files written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(build_mo(parse_po(po.read_text(encoding="utf-8"))))
        written.append(mo)
    return written


if __name__ == "__main__":  # python -m kiosk.i18n  (after editing a .po)
    for path in compile_catalogs():
        print(f"wrote {path}")
    sys.exit(0)
