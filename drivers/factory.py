"""Open the queue link a config asks for; the flow never learns which dialect runs."""
from __future__ import annotations

from drivers.link import NullLink, QueueLink


def make_link(dialect: str, url: str, window: int, baudrate: int = 9600,
              address: int = 1, gap_s: float | None = None, queue_cfg=None) -> QueueLink:
    """A not-yet-started link; an empty url gives a NullLink (screen-only kiosk). gap_s: the
    silence that ends a frame on the binary buses (None: 3.5 characters, 20 ms floor).
    queue_cfg: the [queue] section (kiosk/config.py Queue) for the dialects' own settings;
    None: their defaults.

    Only the dialect asked for is imported: the other two (codec, driver, serial framing)
    were ~20 ms of every start-up (bench/startup.py)."""
    if not url:
        return NullLink()
    if dialect == "line":
        from drivers.line_link import LineLink

        return LineLink(url, window, baudrate)
    if dialect == "frame":
        from drivers.frame_link import FrameLink

        return FrameLink(url, address, baudrate, gap_s)
    if dialect == "caller68":
        from drivers.caller68_link import Caller68Link

        if queue_cfg is None:
            return Caller68Link(url, address, baudrate, gap_s)
        return Caller68Link(url, address, baudrate, gap_s,
                            result_keys=queue_cfg.caller68_result_keys,
                            quiet_s=queue_cfg.caller68_quiet_ms / 1000.0,
                            two_wire=queue_cfg.caller68_wires == 2)
    if dialect == "rateservice":
        from drivers.rateservice_link import RateServiceLink

        user = queue_cfg.rateservice_user if queue_cfg is not None else ""
        win = (queue_cfg.rateservice_window if queue_cfg is not None else "") or str(window)
        return RateServiceLink(url, win, user)
    raise ValueError(f"unknown queue dialect {dialect!r} (line, frame, caller68 or rateservice)")
