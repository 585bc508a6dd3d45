"""Server-side language: zh_CN first, English second, per request (the phone page, the console).

Msgids are English; Chinese lives in server/locale/zh_CN/LC_MESSAGES/server.po, compiled by
Babel in memory at first use. The level and reason labels come from the shared contract
(sync/wire/labels.py), so the phone page and the console say what the counter screen says.
"""
from __future__ import annotations

import gettext
import logging
from pathlib import Path

from sync.wire.labels import LEVEL_LABELS, REASON_LABELS, po_translations

log = logging.getLogger(__name__)

DOMAIN = "server"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
ALIASES = {"zh": "zh_CN", "zh-CN": "zh_CN", "zh_Hans": "zh_CN"}


def translations(lang: str) -> gettext.NullTranslations:
    """The catalog for one of LANGUAGES ("zh" means zh_CN); English for anything else."""
    lang = ALIASES.get(lang, lang)
    if lang == "en" or lang not in LANGUAGES:
        return gettext.NullTranslations()
    try:
        return po_translations(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po")
    except OSError:
        log.error("no %s catalog under %s: showing English", lang, LOCALE_DIR)
        return gettext.NullTranslations()


def gettext_for(lang: str):
    """A `_` bound to one language, for a request or a template."""
    return translations(lang).gettext


def level_label(level: int, lang: str) -> str:
    return gettext_for(lang)(LEVEL_LABELS.get(level, str(level)))


def reason_label(code: str, lang: str) -> str:
    """A reason code's label; codes a locality added itself show as they are."""
    return gettext_for(lang)(REASON_LABELS[code]) if code in REASON_LABELS else code
