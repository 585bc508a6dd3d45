"""Level and reason labels both ends show (English msgids), and gettext catalogs read with Babel.

The kiosk's rating screen and the server's phone page and console must say the same words for
the same level, so the msgids live here, in the shared contract; each side translates them in
its own catalog. Catalogs are compiled from the committed .po in memory at first use (Babel's
msgfmt), so no .mo can go stale and nothing is written next to an installed package.
"""
from __future__ import annotations

import gettext
import hashlib
import io
import logging
import os
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)


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
    """A gettext catalog compiled from one .po file (fuzzy entries left out).

    The first start compiles it with Babel and keeps the .mo in a cache keyed by the .po's
    content hash; later starts read that .mo directly (Babel's parser cost ~70 ms of the
    kiosk's start-up). An unwritable cache only means compiling in memory each time.
    """
    data = Path(po_path).read_bytes()
    cached = _cache_dir() / f"{Path(po_path).stem}-{hashlib.sha256(data).hexdigest()[:16]}.mo"
    try:
        with open(cached, "rb") as fh:
            return gettext.GNUTranslations(fh)
    except (OSError, ValueError):
        pass
    mo = _compile(data)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        tmp.write_bytes(mo)
        os.replace(tmp, cached)
    except OSError as exc:
        log.info("catalog cache %s not writable (%s): compiling in memory", cached.parent, exc)
    return gettext.GNUTranslations(io.BytesIO(mo))


def _cache_dir() -> Path:
    # systemd's CacheDirectory= sets $CACHE_DIRECTORY (kiosk.service: /var/cache/kiosk).
    base = (os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
            or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"))
    return Path(base) / "haochaping-catalogs"


def _compile(po_bytes: bytes) -> bytes:
    """Babel's msgfmt: .po bytes to .mo bytes."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buf = io.BytesIO()
    write_mo(buf, read_po(io.BytesIO(po_bytes)), use_fuzzy=False)
    return buf.getvalue()
