"""The CLIs' language from the environment, lazily loaded catalogs, and click's own words."""
from __future__ import annotations

import copy
import gettext
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from sync.wire.labels import po_translations

log = logging.getLogger(__name__)

# click's own msgids (Usage:, Options, Show this message and exit., its usage errors).
CLICK_PO = Path(__file__).resolve().parent / "locale" / "zh_CN" / "LC_MESSAGES" / "click.po"


def env_language() -> str:
    """zh_CN when LC_ALL, else LC_MESSAGES, else LANG starts with zh; English otherwise."""
    env = (os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES")
           or os.environ.get("LANG") or "")
    return "zh_CN" if env.lower().startswith("zh") else "en"


class Catalog:
    """English msgids to Chinese from one or more .po files, compiled on first use only: a
    command that renders no help and no error never reads them."""

    def __init__(self, *po_paths: Path) -> None:
        self.po_paths = po_paths
        self._tr: gettext.NullTranslations | None = None

    def _load(self) -> gettext.NullTranslations:
        if self._tr is None:
            tr = gettext.NullTranslations()
            for path in reversed(self.po_paths):  # the first file wins
                try:
                    first = po_translations(path)
                except OSError:
                    log.error("no catalog %s: help stays English", path)
                    continue
                first = copy.copy(first)   # po_translations is cached: never chain onto it
                first.add_fallback(tr)
                tr = first
            self._tr = tr
        return self._tr

    def gettext(self, message: str) -> str:
        return self._load().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._load().ngettext(singular, plural, n)


# click's modules do `from gettext import gettext as _` (and ngettext) and call them when they
# render, i.e. the process-wide default gettext domain, whose language comes from
# LANGUAGE/LC_*/LANG and whose catalog must sit on disk as <dir>/<lang>/LC_MESSAGES/*.mo.
# kiosk-setup speaks the language of the kiosk's config even under LANG=C, so binding that
# domain would mean rewriting os.environ (inherited by systemctl, udevadm... that install
# runs) and redirecting every library's default domain. Overriding the click methods that
# emit the words would mean copying click's parser and type errors (some 40 strings in six
# modules). So, for one main() call and restored after it, the names click took from gettext
# are rebound in click's own modules to our catalog: it touches click alone, follows the
# language we chose, and tests/test_cli_help.py checks every click module importing gettext
# is covered, so a click upgrade that adds one is caught.
def click_modules() -> list:
    """Every loaded click module that renders text through gettext's global functions."""
    import click  # noqa: F401 - its modules are what we look at

    return [mod for name, mod in sorted(sys.modules.items())
            if (name == "click" or name.startswith("click."))
            and (getattr(mod, "_", None) is gettext.gettext
                 or getattr(mod, "ngettext", None) is gettext.ngettext)]


@contextmanager
def click_speaks(catalog: Catalog | None):
    """click's own words (headings, --help's help, usage errors) from `catalog` inside the
    block; None leaves click English."""
    if catalog is None:
        yield
        return
    # Modules click imports only when needed: loaded now so that they are patched too.
    import click._termui_impl  # noqa: F401
    import click.shell_completion  # noqa: F401

    patched = []
    for mod in click_modules():
        for name, theirs, ours in (("_", gettext.gettext, catalog.gettext),
                                   ("ngettext", gettext.ngettext, catalog.ngettext)):
            original = getattr(mod, name, None)
            if original is theirs:
                setattr(mod, name, ours)
                patched.append((mod, name, original))
    from cli_i18n.clicktypes import click_types_speak

    try:
        with click_types_speak(catalog.gettext):
            yield
    finally:
        for mod, name, original in patched:
            setattr(mod, name, original)
