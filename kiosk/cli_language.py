"""The language of the kiosk's command lines (kiosk, kiosk-setup): their help, click's own
words and config errors, from locale/zh_CN/LC_MESSAGES/kiosk_cli.po.

The help texts live in their own catalog, not kiosk.po: `kiosk run` loads kiosk.po whole for
the screen, and must not carry a few hundred lines of help in its memory. Nothing here is
imported by the service's own command line (kiosk/launch.py) unless it shows an error.
"""
from __future__ import annotations

from pathlib import Path

from kiosk import config

HELP_PO = Path(__file__).resolve().parent / "locale" / "zh_CN" / "LC_MESSAGES" / "kiosk_cli.po"


def cli_language(config_path: str | None = None) -> str:
    """[device] language of the kiosk's config when it can be read, else LC_ALL, LC_MESSAGES
    or LANG (zh* gives Chinese), else English."""
    from cli_i18n.catalog import env_language

    try:
        return config.load(config_path).device.language
    except (config.ConfigError, OSError):
        return env_language()


def localize(root, language=cli_language):
    """Give a kiosk CLI's command tree help in `language()` (see cli_i18n)."""
    from cli_i18n.command import localize as localize_tree

    return localize_tree(root, language, [HELP_PO])


def config_error_text(exc: config.ConfigError, language: str) -> str:
    """A ConfigError's message in `language`; section, key and value names stay verbatim."""
    if language == "en":
        return str(exc)
    from cli_i18n.catalog import Catalog

    return exc.translated(Catalog(HELP_PO).gettext)
