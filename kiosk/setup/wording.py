"""What the doctor says of a failed request, in the kiosk's language: what happened (连接被拒绝,
无法解析主机名, 超时, 证书错误 ...), never an exception's class name. The English detail
(`ConnectError: ConnectionRefusedError: [Errno 111] Connection refused`) and the libraries'
own log lines are for `doctor --verbose` only."""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar

from kiosk.i18n import _

# True inside `doctor --verbose`: messages carry the exception's own text after them.
VERBOSE: ContextVar[bool] = ContextVar("doctor_verbose", default=False)


def detail(exc: BaseException | str | None) -> str:
    """ ` [detail: ...]` (the exception as Python says it) under --verbose, else nothing."""
    if not VERBOSE.get() or not exc:
        return ""
    text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}".rstrip(": ")
    return _(" [detail: {text}]").format(text=text.splitlines()[0][:300])


def config_pull_error(error: str | None) -> str:
    """sync/device_config.py's reason for not using the server's config (an httpclient error
    class name, `HTTP 503`, or one worded reason) said for a person."""
    if not error:
        return ""
    status = re.fullmatch(r"HTTP (\d{3})", error)
    if status and status.group(1) in ("401", "403"):
        text = _("the server refuses this kiosk's token")
    elif status:
        text = _("the server answered HTTP {status}").format(status=status.group(1))
    else:
        text = {
            "ConnectError": _("cannot connect to the server"),
            "Timeout": _("the server did not answer in time"),
            "SSLError": _("the server's TLS certificate is not trusted"),
            "TooLarge": _("the server's answer is too large"),
            "answer is not a JSON object": _("the server's answer is not a JSON object"),
        }.get(error, _("the request to the server failed"))
    return text + detail(error)


@contextmanager
def library_logs(verbose: bool):
    """Inside the block: with `verbose`, the libraries' log lines (INFO and up) on stderr, and
    messages with their English detail; without it, none (every finding is in the report,
    in the kiosk's language: Python would print a WARNING in English on its own)."""
    root = logging.getLogger()
    handler = logging.StreamHandler() if verbose else logging.NullHandler()
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level, token = root.level, VERBOSE.set(verbose)
    root.addHandler(handler)
    if verbose:
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        VERBOSE.reset(token)
