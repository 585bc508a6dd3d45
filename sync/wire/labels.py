"""Level and reason labels both ends show (English msgids), and gettext catalogs read with Babel.

The kiosk's rating screen and the server's phone page and console must say the same words for
the same level, so the msgids live here, in the shared contract; each side translates them in
its own catalog. Catalogs are compiled from the committed .po in memory at first use (Babel's
msgfmt), so no .mo can go stale and nothing is written next to an installed package.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path


def N_(message: str) -> str:
    """Mark a string for `pybabel extract -k N_` without translating it here."""
    return message


LEVEL_LABELS = {
    5: N_("Very satisfied"), 4: N_("Satisfied"), 3: N_("Basically satisfied"),
    2: N_("Dissatisfied"), 1: N_("Very dissatisfied"), 0: N_("Not rated"),
}
REASON_LABELS = {
    "attitude": N_("Poor service attitude"),
    "efficiency": N_("Slow to get things done"),
    "competence": N_("Not familiar with the business"),
    "notification": N_("Not told everything at once"),
    "multiple_trips": N_("Had to come back several times"),
    "other": N_("Other"),
}


@lru_cache(maxsize=16)
def po_translations(po_path: Path) -> gettext.GNUTranslations:
    """A gettext catalog compiled from one .po file (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)
