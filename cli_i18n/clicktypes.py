"""click's own words that gettext alone cannot put in Chinese: its type names (`'综合受理' is
not a valid integer range`: `integer range` is IntRange.name, never looked up) and the ASCII
full stop it glues after a missing parameter's name, and a path type's name (`File '/x' does
not exist`), looked up when the option was declared. Patched for one main() call, by
click_speaks (cli_i18n/catalog.py), and restored after it.

A number type's error names the range in words instead: “'综合受理' 不是 1 到 999 之间的整数”.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
import click.exceptions
import click.types

Gettext = Callable[[str], str]


def number_words(kind: click.ParamType, value, gettext: Gettext) -> str:
    """What a number option accepts, said of `value`: a whole number or any number, from
    min to max, at least min, at most max (open bounds: click's own range notation)."""
    whole = isinstance(kind, (click.types.IntParamType, click.IntRange))
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    names = {"value": value, "min": low, "max": high}
    if getattr(kind, "min_open", False) or getattr(kind, "max_open", False):
        names["range"] = kind._describe_range()
        text = (gettext("{value!r} is not a whole number in the range {range}.") if whole
                else gettext("{value!r} is not a number in the range {range}."))
    elif low is not None and high is not None:
        text = (gettext("{value!r} is not a whole number from {min} to {max}.") if whole
                else gettext("{value!r} is not a number from {min} to {max}."))
    elif low is not None:
        text = (gettext("{value!r} is not a whole number of at least {min}.") if whole
                else gettext("{value!r} is not a number of at least {min}."))
    elif high is not None:
        text = (gettext("{value!r} is not a whole number of at most {max}.") if whole
                else gettext("{value!r} is not a number of at most {max}."))
    else:
        text = (gettext("{value!r} is not a whole number.") if whole
                else gettext("{value!r} is not a number."))
    return text.format(**names)


def _patches(gettext: Gettext) -> Iterator[tuple[object, str, object]]:
    """(owner, attribute, replacement) for each click method whose words we give."""
    number_base = click.types._NumberParamTypeBase
    range_base = click.types._NumberRangeBase
    range_convert = range_base.convert
    missing_message = click.exceptions.MissingParameter.format_message

    def convert_number(self, value, param, ctx):
        try:
            return self._number_class(value)
        except (TypeError, ValueError):
            self.fail(number_words(self, value, gettext), param, ctx)

    def convert_range(self, value, param, ctx):
        number = convert_number(self, value, param, ctx)
        try:
            return range_convert(self, number, param, ctx)
        except click.BadParameter:
            self.fail(number_words(self, number, gettext), param, ctx)

    def format_missing(self) -> str:
        # click: f"{missing}{param_hint}.{msg}": a Chinese sentence ends with 。
        text = missing_message(self)
        text, done = re.subn(r"'\.(?!\.)", "'。", text, count=1)
        return text if done else re.sub(r"^([^.']*)\.", r"\1。", text, count=1)

    path_convert = click.types.Path.convert

    def convert_path(self, value, param, ctx):
        english = self.name  # "file", "directory", "path": looked up when the type was made
        self.name = gettext(english)
        try:
            return path_convert(self, value, param, ctx)
        finally:
            self.name = english

    yield number_base, "convert", convert_number
    yield range_base, "convert", convert_range
    yield click.exceptions.MissingParameter, "format_message", format_missing
    yield click.types.Path, "convert", convert_path


@contextmanager
def click_types_speak(gettext: Gettext):
    """Inside the block, click's number errors and missing-parameter errors in the words of
    `gettext` (the catalog of the running main())."""
    saved = []
    for owner, name, ours in _patches(gettext):
        saved.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, ours)
    try:
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)
