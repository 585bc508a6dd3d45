"""Render-time translation of click commands: help, option help, command lists and epilogs.

localize(root, ...) gives every command of a CLI's tree the Localized mixin (the commands
are built by plain click decorators across packages that need not know the CLI's language).
The root's main() picks the language before click parses anything, since --help is eager;
English renders exactly as click alone would, nothing loaded.
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import click

from cli_i18n.catalog import CLICK_PO, Catalog, click_speaks
from cli_i18n.wide import WideFormatter, width

# The catalog of the main() that is running; None: English.
_catalog: Catalog | None = None


def current() -> Catalog | None:
    return _catalog


def help_msgid(text: str) -> str:
    """What click prints of a help text (dedented, up to a form feed), as its msgid."""
    return inspect.cleandoc(text).partition("\f")[0]


def translate(catalog: Catalog, text: str) -> str:
    """`text` in the catalog's language. click's no-rewrap mark (the control character
    \\x08) is looked up as a backslash and a b, so that a translator can see it in the .po."""
    return catalog.gettext(text.replace("\b", "\\b")).replace("\\b", "\b")


def first_sentence(text: str) -> str:
    """A translated help's first sentence, for the command list."""
    lines = text.partition("\n\n")[0].splitlines()
    if lines and lines[0].strip() == "\b":
        lines = lines[1:]
    text = "".join(line.strip() for line in lines)
    end = text.find("。")
    return text[:end + 1] if end >= 0 else text


def clip(text: str, columns: int) -> str:
    if width(text) <= columns:
        return text
    while text and width(text) > columns - 3:
        text = text[:-1]
    return text + "..."


def translated_param(param: click.Parameter, tr: Catalog) -> click.Parameter:
    """A copy of `param` whose help (and a worded show_default) is in the catalog's language."""
    out = copy.copy(param)
    if getattr(out, "help", None):
        out.help = translate(tr, out.help)
    if isinstance(getattr(out, "show_default", None), str):
        out.show_default = translate(tr, out.show_default)
    return out


class Localized:
    """Mixin for click.Command and its subclasses: renders help in the running main()'s
    language. A command may set render_epilog(gettext) -> str for an epilog it builds."""

    cli_language: Callable[[], str] | None = None
    cli_po_files: Sequence[Path] = ()

    def main(self, *args, **kwargs):
        global _catalog
        lang = self.cli_language() if self.cli_language else "en"
        catalog = Catalog(*self.cli_po_files, CLICK_PO) if lang != "en" else None
        previous, _catalog = _catalog, catalog
        try:
            with click_speaks(catalog):
                return super().main(*args, **kwargs)
        finally:
            _catalog = previous

    def _formatter(self, ctx: click.Context) -> click.HelpFormatter:
        if _catalog is None:
            return ctx.make_formatter()
        return WideFormatter(width=ctx.terminal_width, max_width=ctx.max_content_width)

    def get_help(self, ctx: click.Context) -> str:
        formatter = self._formatter(ctx)
        self.format_help(ctx, formatter)
        return formatter.getvalue().rstrip("\n")

    def get_usage(self, ctx: click.Context) -> str:
        formatter = self._formatter(ctx)
        self.format_usage(ctx, formatter)
        return formatter.getvalue().rstrip("\n")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _catalog is None or not self.help:
            return super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(translate(_catalog, help_msgid(self.help)))

    def get_short_help_str(self, limit: int = 45) -> str:
        if _catalog is None or self.hidden or not (self.short_help or self.help):
            return super().get_short_help_str(limit)
        if self.short_help:
            return clip(translate(_catalog, inspect.cleandoc(self.short_help)), limit)
        return clip(first_sentence(translate(_catalog, help_msgid(self.help))), limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _catalog is None:
            return super().format_options(ctx, formatter)
        rows = [translated_param(p, _catalog).get_help_record(ctx)
                for p in self.get_params(ctx) if not isinstance(p, click.Argument)]
        rows = [row for row in rows if row is not None]
        if rows:
            with formatter.section(_catalog.gettext("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        args = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        if _catalog is None or not any(a.help is not None for a in args):
            return super().format_arguments(ctx, formatter)
        with formatter.section(_catalog.gettext("Positional arguments")):
            formatter.write_dl([translated_param(a, _catalog).get_help_record(ctx)
                                for a in args])

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        build = getattr(self, "render_epilog", None)
        if _catalog is None or not (self.epilog or build):
            return super().format_epilog(ctx, formatter)
        text = (build(lambda message: translate(_catalog, message)) if build
                else translate(_catalog, help_msgid(self.epilog)))
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)


_CLASSES: dict[type, type] = {}


def _localized(cls: type) -> type:
    if cls not in _CLASSES:
        _CLASSES[cls] = type(cls.__name__, (Localized, cls), {"__module__": cls.__module__})
    return _CLASSES[cls]


def walk(command: click.Command, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """(command path, command) for `command` and every command under it."""
    path = path or command.name or ""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, f"{path} {name}")


def localize(root: click.Command, language: Callable[[], str],
             po_files: Sequence[Path]) -> click.Command:
    """Make every command under `root` render its help through the catalogs `po_files`
    (then click's own) when `language()` is not English when root.main() starts."""
    for _path, command in walk(root):
        if not isinstance(command, Localized):
            command.__class__ = _localized(type(command))
    root.cli_language, root.cli_po_files = language, tuple(po_files)
    return root
