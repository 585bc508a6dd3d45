"""How the kiosk talks on a shared caller68 bus: one copy of each frame, sent into silence.

The reference host (JackQChen/QueueSystem `CallSystem/CallSystem/frmMain.cs`) acts on every
copy of a key frame it reads: a resent 呼叫 calls another ticket. So a frame goes out once, and
again only on strong evidence that no copy reached the wire: the write failed. A missing
answer is no such evidence (the host may have acted and its answer got lost), so it is only
counted. Several callers share the line, so a frame waits until the bus has been quiet for
`quiet_s`; on a 2-wire (RS-485 half-duplex) adapter the kiosk hears its own frame back, and
that copy is not the host's answer.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from drivers import caller68_codec as cc
from drivers.events import LinkState

log = logging.getLogger(__name__)

ANSWER_WAIT_S = 0.5   # the host answers within a few ms; a late answer is only logged
WRITE_RETRIES = 3     # resends after a failed write, the only evidence no copy went out
RETRY_PAUSE_S = 0.2
MAX_DELAY_S = 10.0    # a key still unsent after this (link down, bus never quiet) is dropped
QUIET_S = 0.05        # default [queue] caller68_quiet_ms
DRAIN_S = 2.0         # at stop, queued frames still go out for this long


@dataclass
class Outgoing:
    frame: cc.Frame
    what: str                  # for the log: "key 0c", "result 2"
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def raw(self) -> bytes:
        return cc.encode(self.frame)

    @property
    def answer(self) -> bytes:
        return cc.encode(cc.answer(self.frame))


class BusSender:
    """A thread that sends queued frames one at a time through `transport`; the link feeds
    it every frame it decodes for its address (`heard`)."""

    def __init__(self, transport, quiet_s: float = QUIET_S, two_wire: bool = False) -> None:
        self.transport = transport
        self.quiet_s = quiet_s
        self.two_wire = two_wire
        self._frames: queue.Queue = queue.Queue(maxsize=32)
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self._sent: Outgoing | None = None   # the frame whose answer we wait for
        self._own_left = 0                   # copies of it still to hear back (2-wire)
        self._copies = 0                     # copies of it heard, for the wiring hint
        self._hinted = False
        self._stopping = threading.Event()
        # For the technician menu and the log: frames the host never answered (never resent),
        # and frames given up unsent (the bus never quiet, the link down too long).
        self.unanswered = 0
        self.unsent = 0
        self._thread = threading.Thread(target=self._run, name="caller68-send", daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self, drain_s: float = DRAIN_S) -> None:
        """Frames already queued (a key pressed, a rating made just before) still go out for
        drain_s; what is left then is dropped and logged."""
        try:
            self._frames.put(None, timeout=drain_s)
        except queue.Full:
            pass
        if self._thread.is_alive():
            self._thread.join(timeout=drain_s)
        self._stopping.set()
        left = self._frames.qsize()
        if left:
            log.warning("stopping: %d frames for the host not sent", left)

    def put(self, item: Outgoing) -> bool:
        try:
            self._frames.put_nowait(item)
            return True
        except queue.Full:
            log.warning("%s dropped: 32 frames are already waiting for the bus", item.what)
            return False

    # -- the receive side (reader thread) --------------------------------------------------
    def heard(self, frame: cc.Frame) -> bool:
        """A frame for our address; True when it was our own copy or the host's answer."""
        raw = cc.encode(frame)
        with self._lock:
            sent = self._sent
            if sent is None:
                return False
            if raw == sent.raw:
                self._copies += 1
                if self._own_left > 0:  # 2-wire: our own frame, heard as it went out
                    self._own_left -= 1
                    return True
                if self._copies > 1 and not self.two_wire and not self._hinted:
                    self._hinted = True
                    log.warning("heard %s twice for one send: a 2-wire adapter that echoes "
                                "what it sends? set [queue] caller68_wires = 2", sent.what)
            if raw == sent.answer:
                self._answered.set()
                return True
        return False

    # -- the send side ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._frames.get()
            if item is None or self._stopping.is_set():
                return
            try:
                self._send(item)
            except Exception:  # noqa: BLE001 - one frame must not stop the keys after it
                log.exception("sending %s failed", item.what)

    def _send(self, item: Outgoing) -> None:
        for attempt in range(1 + WRITE_RETRIES):
            if not self._wait_for_silence(item):
                if self._stopping.is_set():
                    return
                self.unsent += 1
                log.warning("%s not sent: no quiet bus for %.0f s (link %s)", item.what,
                            MAX_DELAY_S, self.transport.state.value)
                return
            with self._lock:
                self._sent, self._copies = item, 0
                self._own_left = 1 if self.two_wire else 0
                self._answered.clear()
            if self.transport.write(item.raw, queue_if_down=False):
                answered = self._answered.wait(ANSWER_WAIT_S)
                with self._lock:
                    self._sent = None
                if not answered:
                    self.unanswered += 1
                    log.warning("host did not answer %s; not resent (it may have acted on "
                                "it)", item.what)
                return
            with self._lock:
                self._sent = None
            log.warning("writing %s failed (try %d): no copy on the bus, sending again",
                        item.what, attempt + 1)
            time.sleep(RETRY_PAUSE_S)
        self.unsent += 1
        log.error("%s not sent: %d writes failed", item.what, 1 + WRITE_RETRIES)

    def _wait_for_silence(self, item: Outgoing) -> bool:
        """Wait until the link is up and no byte was heard for quiet_s; False when the frame
        waited MAX_DELAY_S (a key pressed that long ago means nothing any more)."""
        deadline = item.queued_at + MAX_DELAY_S
        while not self._stopping.is_set():
            now = time.monotonic()
            if now >= deadline:
                return False
            if self.transport.state is not LinkState.CONNECTED:
                self._stopping.wait(0.05)
                continue
            last = self.transport.last_rx_at
            quiet_for = now - last if last is not None else self.quiet_s
            if quiet_for >= self.quiet_s:
                return True
            time.sleep(min(self.quiet_s - quiet_for, deadline - now) + 0.001)
        return False
