"""What kiosk-server prints for a person, in the CLI's language.

The language is the one its --help speaks (cli_i18n env_language: LC_ALL, LC_MESSAGES, LANG;
zh* gives Chinese, anything else English), read at each call so a test or a wrapper that
sets LANG late is obeyed. The msgids are the English lines the commands always printed
(scripts and tests grep them under LANG=C) and the Chinese lives in server.po, not
server_cli.po: that catalog is the console's, so a case, an appeal or a refusal reads the
same in the terminal as on its page, and tests/test_catalogs.py already fails on any
`_()` of server/ left without Chinese. Machine output (--json, JSON lines, CSV) never
passes through here.
"""
from __future__ import annotations

from functools import lru_cache

from cli_i18n.catalog import env_language
from sync.wire.labels import N_


@lru_cache(maxsize=4)
def _gettext(lang: str):
    from server.i18n import gettext_for

    return gettext_for(lang)


def chinese() -> bool:
    return env_language() == "zh_CN"


def _(message: str) -> str:
    """`message` (an English msgid, placeholders still in braces) in the CLI's language."""
    return _gettext(env_language())(message)


def refusal(exc: BaseException) -> str:
    """An error raised below the CLI, for a person. English: its message, byte for byte as
    before. Chinese: its lines as refusals.py reads them, with their values, or as the
    catalog has them (e.g. the password rules); failing that its msgid (the console's
    sentence); failing that the English: better a reason in English than none."""
    text = str(exc)
    if not chinese():
        return text
    from server.commands.refusals import in_chinese, org_error
    from server.db.org import OrgError

    if isinstance(exc, OrgError):
        return org_error(exc, _)
    translated = in_chinese(text, _)
    if translated == text and getattr(exc, "msgid", None):
        return _(exc.msgid)   # the console's sentence, without the values it leaves out
    return translated


def label(labels: dict, key: str) -> str:
    """A stored code (a case's state, a step) as the console names it in Chinese; the code
    itself in English, as the lines always showed it."""
    return _(labels[key]) if chinese() and key in labels else key


# An outbox record's state, and a delivery round's outcome, as `deliver` and `export status`
# count them ("3 sent, 1 failed").
OUTBOX_WORDS = {"sent": N_("sent"), "pending": N_("pending"), "retry": N_("retry"),
                "failed": N_("failed"), "cancelled": N_("cancelled")}
