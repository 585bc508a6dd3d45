"""Every text a CLI's --help may show, as msgids, and what a catalog lacks of them: for the
tests (tests/test_cli_help.py) and for translators (scripts/cli_help_strings.py)."""
from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from pathlib import Path

import click

from cli_i18n.command import help_msgid, walk

HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"{\w*(?:![rs])?}|%\(\w+\)[sd]")


def help_msgids(root: click.Command) -> dict[str, str]:
    """msgid -> where it first shows (`kiosk-setup init --pin`), for every help text, option
    help, worded default and epilog (a built one through a recording gettext) of the tree."""
    found: dict[str, str] = {}

    def add(text: str | None, where: str) -> str | None:
        if text:  # as translate() looks it up
            found.setdefault(text.replace("\b", "\\b"), where)
        return text

    for path, command in walk(root):
        if command.help:
            add(help_msgid(command.help), path)
        if command.short_help:
            add(inspect.cleandoc(command.short_help), f"{path} (short help)")
        build = getattr(command, "render_epilog", None)
        if build:
            build(lambda text, where=f"{path} (epilog)": add(text, where))
        elif command.epilog:
            add(help_msgid(command.epilog), f"{path} (epilog)")
        for param in command.params:
            where = f"{path} {(param.opts or [param.name])[0]}"
            add(getattr(param, "help", None), where)
            default = getattr(param, "show_default", None)
            if isinstance(default, str):
                add(default, f"{where} (default)")
    return found


def problems(msgids: Iterable[str], *po_paths: Path) -> list[str]:
    """What the catalogs (the first that has a msgid answers) lack: msgids with no (or a
    fuzzy) translation, translations with no Chinese, translations that change a
    {placeholder}."""
    from babel.messages.pofile import read_po

    catalogs = []
    for path in po_paths:
        with open(path, "rb") as fh:
            catalogs.append(read_po(fh))
    out = []
    for msgid in msgids:
        entry = next((c.get(msgid) for c in catalogs if c.get(msgid) is not None), None)
        text = entry.string if entry is not None else ""
        text = text if isinstance(text, str) else text[0]  # a plural: Chinese has one form
        if not text or entry.fuzzy:
            out.append(f"missing: {msgid!r}")
        elif not HAN.search(text):
            out.append(f"not Chinese: {msgid!r} -> {text!r}")
        elif entry.id == msgid and set(PLACEHOLDER.findall(msgid)) != set(
                PLACEHOLDER.findall(text)):
            out.append(f"placeholders differ: {msgid!r} -> {text!r}")
    return out
