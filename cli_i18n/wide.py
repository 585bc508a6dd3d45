"""A click help formatter that measures Chinese as two columns and breaks lines between Han
characters (click's own wrapper counts one per character and breaks only at spaces)."""
from __future__ import annotations

import unicodedata

import click

# A line never starts with closing punctuation nor ends with opening punctuation.
NO_START = set("，。、；：！？）】」』》〉”’%,.;:!?)]}")
NO_END = set("（【「『《〈“‘([{")


def width(text: str) -> int:
    """Terminal columns `text` takes: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def tokens(text: str) -> list[str]:
    """Words that must stay whole: runs of non-space narrow characters, single wide ones
    (glued to their punctuation); " " stands for any run of white space."""
    out: list[str] = []
    glue = False
    for char in text:
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            glue = False
            continue
        joins = out and out[-1] != " " and (
            glue or char in NO_START or not (_wide(char) or _wide(out[-1][-1])))
        if joins:
            out[-1] += char
        else:
            out.append(char)
        glue = char in NO_END
    return out


def fill(text: str, columns: int, first: str = "", rest: str = "") -> str:
    """`text` as lines of at most `columns` columns (a longer word overflows its own line)."""
    lines: list[str] = []
    line, used, space = first, width(first), False
    empty = True
    for token in tokens(text):
        if token == " ":
            space = not empty
            continue
        need = width(token) + (1 if space else 0)
        if not empty and used + need > columns:
            lines.append(line.rstrip())
            line, used = rest + token, width(rest) + width(token)
        else:
            line += (" " if space else "") + token
            used += need
        empty, space = False, False
    lines.append(line.rstrip())
    return "\n".join(lines)


def _join(lines: list[str]) -> str:
    """A paragraph's lines as one: a space between words, none between Han characters."""
    text = ""
    for line in lines:
        if text and not (_wide(text[-1]) or _wide(line[0])):
            text += " "
        text += line
    return text


def wrap_text(text: str, columns: int, first: str = "", rest: str = "") -> str:
    """click's wrap_text(preserve_paragraphs=True) measured in columns: paragraphs are
    separated by a blank line, keep their indentation, and one starting with a \\b line is
    printed as it is."""
    paragraphs: list[tuple[int, bool, list[str]]] = []
    buf: list[str] = []
    indent = None
    for line in text.expandtabs().splitlines() + [""]:
        if line:
            if indent is None:  # the first line sets the paragraph's indent (as in click)
                indent = len(line) - len(line.lstrip())
                line = line.lstrip()
            buf.append(line)
            continue
        if buf:
            raw = buf[0].strip() == "\b"
            paragraphs.append((indent or 0, raw, buf[1:] if raw else buf))
        buf, indent = [], None
    out = []
    for indent, raw, lines in paragraphs:
        pad = " " * indent
        if raw:
            out.append("\n".join((first if i == 0 else rest) + pad + line
                                 for i, line in enumerate(lines)))
        else:
            out.append(fill(_join([line.strip() for line in lines]), columns, first + pad,
                            rest + pad))
    return "\n\n".join(out)


class WideFormatter(click.HelpFormatter):
    """click's HelpFormatter for Chinese text: column-true wrapping, full-width colons."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = click.formatting._("Usage:")
        usage = f"{'':>{self.current_indent}}{prefix}{prog} "
        if not args:
            self.write(usage.rstrip(" ") + "\n")
            return
        if self.width - self.current_indent >= width(usage) + 20:
            pad = " " * width(usage)
            self.write(fill(args, self.width - self.current_indent, usage, pad))
        else:
            pad = " " * (max(self.current_indent, width(prefix)) + 4)
            self.write(usage.rstrip(" ") + "\n" + fill(args, self.width, pad, pad))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, indent, indent) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_text(text, max(self.width - first_col - 2, 10)).splitlines()
            pad = " " * (first_col + self.current_indent)
            self.write("\n".join([lines[0], *(pad + line for line in lines[1:])]) + "\n"
                       if lines else "\n")
