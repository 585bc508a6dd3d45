"""A simulated RS-485 bus master (frame dialect) polling kiosks on a pty-backed bus."""
from __future__ import annotations

import logging
import queue
import threading

from drivers import frame_codec as fc
from drivers.sim.endpoint import open_endpoint
from drivers.sim.pty_pair import PtyPair

log = logging.getLogger(__name__)

ANSWER_WAIT_S = 0.25  # the spec gives the kiosk 50 ms; a pty and a busy CI box get more


class BusHub:
    """One pty per bus drop; what the master sends reaches every drop, as on a real RS-485 pair."""

    def __init__(self, drops: int, on_kiosk_bytes) -> None:
        self._on_kiosk_bytes = on_kiosk_bytes
        self.ptys: list[PtyPair] = []
        for index in range(drops):
            self.ptys.append(PtyPair(lambda data, i=index: self._from_drop(i, data)))

    def _from_drop(self, source: int, data: bytes) -> None:
        self._on_kiosk_bytes(data)
        for index, pty in enumerate(self.ptys):  # other kiosks hear the answer too, and ignore it
            if index != source:
                pty.send_bytes(data)

    @property
    def port_paths(self) -> list[str]:
        return [p.port_path for p in self.ptys]

    def start(self) -> None:
        for pty in self.ptys:
            pty.start()

    def stop(self) -> None:
        for pty in self.ptys:
            pty.stop()

    def send_bytes(self, data: bytes) -> None:
        for pty in self.ptys:
            pty.send_bytes(data)


class FrameMaster:
    """Polls `addresses` in turn, acknowledges their events, and sends CALL/DONE/... on demand."""

    def __init__(self, addresses: list[int], drops: int | None = None, poll_s: float = 0.2,
                 url: str | None = None) -> None:
        """On `url` (any pyserial URL) the master drives a real bus; else a pty per drop."""
        self.addresses = addresses
        self.poll_s = poll_s
        self.received: queue.Queue = queue.Queue()   # (address, Frame) of RATED / NEXT
        self.answers: list[fc.Frame] = []             # every answer frame seen, in order
        self._decoder = fc.FrameDecoder()
        self._replies: queue.Queue = queue.Queue()
        self._bus_lock = threading.Lock()             # half duplex: one transaction at a time
        self._stop = threading.Event()
        self.hub = open_endpoint(url, self._on_bytes) if url else BusHub(
            drops or len(addresses), self._on_bytes)
        self._send = self.hub.send_bytes
        self._poller = threading.Thread(target=self._poll_loop, name="bus-master", daemon=True)

    @property
    def port_paths(self) -> list[str]:
        return self.hub.port_paths if isinstance(self.hub, BusHub) else [self.hub.port_path]

    def start(self) -> "FrameMaster":
        self.hub.start()
        self._poller.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._poller.join(timeout=2)
        self.hub.stop()

    def _on_bytes(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, fc.Frame) and item.cmd >= 0x80:
                self.answers.append(item)
                self._replies.put(item)

    def transact(self, frame: fc.Frame, wait: bool = True) -> fc.Frame | None:
        """Send one frame; return the addressed kiosk's answer, or None after the wait."""
        with self._bus_lock:
            while not self._replies.empty():
                self._replies.get_nowait()
            self._send(fc.encode(frame))
            if not wait or frame.addr == fc.BROADCAST:
                return None
            try:
                return self._replies.get(timeout=ANSWER_WAIT_S)
            except queue.Empty:
                return None

    def send(self, address: int, event) -> fc.Frame | None:
        """Send a queue event (Call, Done, ...) to one address (0: broadcast)."""
        return self.transact(fc.to_frame(address, event))

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            for addr in self.addresses:
                answer = self.transact(fc.Frame(addr, fc.POLL))
                if answer is None or answer.cmd not in (fc.RATED, fc.NEXT):
                    continue
                if answer.addr != addr:
                    log.warning("address %d answered a poll for %d", answer.addr, addr)
                    continue
                seq = int(answer.fields[0])
                self.received.put((addr, answer))
                self.transact(fc.to_frame(addr, fc.EventAck(seq)))
