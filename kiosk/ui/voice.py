"""Spoken calls and prompts in Mandarin, joined from short recorded clips in assets/sounds.

`clips_for()` is pure (an announcement in, clip names out); `Player` plays a clip list in order
on the Kivy main thread and never takes the kiosk down when there is no sound device.
Regenerate the clips with scripts/make_sounds.sh. A hall may replace any clip with its own
recording (`kiosk-server voice set`, pulled with the device config into <data_dir>/voice,
sync/voice_fetch.py); a recording that is missing or will not load falls back to the shipped
clip.
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

SOUNDS_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds"
GAP_S = 0.03  # between two clips of one announcement
DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class CallTicket:
    """请 A023 号到 5 号窗口办理"""

    ticket: str
    window: int


@dataclass(frozen=True)
class RatePrompt:
    """请您对我的服务做出评价"""


@dataclass(frozen=True)
class Thanks:
    """谢谢您的评价"""


def ticket_clips(ticket: str) -> list[str]:
    """A ticket read character by character, as halls do: A023 -> A 零 二 三."""
    out = []
    for ch in ticket.strip().upper():
        if ch.isdigit() and ch.isascii():
            out.append(f"d{ch}")
        elif "A" <= ch <= "Z":
            out.append(f"letter_{ch}")
        else:
            log.info("ticket %r: %r cannot be spoken, left out", ticket, ch)
    return out


def number_clips(n: int) -> list[str]:
    """A window number 1..999 read as a Chinese number: 5 五, 12 十二, 20 二十, 105 一百零五."""
    if not 0 <= n <= 999:
        return [f"d{c}" for c in str(abs(n))]
    if n < 10:
        return [f"d{n}"]
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out: list[str] = []
    if hundreds:
        out += [f"d{hundreds}", "bai"]
        if tens == 0 and ones:
            return out + ["d0", f"d{ones}"]
    if tens:
        if tens > 1 or hundreds:
            out.append(f"d{tens}")
        out.append("shi")
    if ones:
        out.append(f"d{ones}")
    return out


def clips_for(announcement) -> list[str]:
    """The clip names (files assets/sounds/<name>.wav) that say `announcement`."""
    match announcement:
        case CallTicket(ticket=t, window=w):
            return ["qing", *ticket_clips(t), "hao_dao", *number_clips(w), "hao_chuangkou_banli"]
        case RatePrompt():
            return ["rate_prompt"]
        case Thanks():
            return ["thanks"]
    raise TypeError(f"not an announcement: {announcement!r}")


def announcements(before, after) -> list:
    """What to say when the flow goes from state `before` to `after` (FlowStates)."""
    from kiosk.flow import Mode

    said = []
    if after.calling and after.call_count != before.call_count:
        said.append(CallTicket(after.calling, after.window))
    if after.mode is Mode.RATING and before.mode is not Mode.RATING:
        said.append(RatePrompt())
    if after.mode is Mode.THANKS and before.mode is not Mode.THANKS:
        said.append(Thanks())
    return said


def audio_output(cards: Path = Path("/proc/asound/cards")) -> str | None:
    """Why there is surely no sound output here, or None when there may be some. Asked once,
    before SDL is touched: opening a missing ALSA device prints about 20 ALSA/SDL lines per
    clip, so a kiosk without a sound card must never try."""
    if sys.platform != "linux" or os.environ.get("SDL_AUDIODRIVER"):
        return None  # another OS, or a driver chosen on purpose: let SDL decide
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent")
    if os.environ.get("PULSE_SERVER") or any(
            (runtime / name).exists() for name in ("pulse/native", "pipewire-0")):
        return None
    try:
        lines = cards.read_text().splitlines()
    except OSError:
        return "no sound card (no /proc/asound)"
    if not any(line[:3].strip().isdigit() for line in lines):
        return "no sound card"
    return None


class Player:
    """Plays clip lists one after another via Kivy's SoundLoader, scheduled with Clock.

    A new announcement cuts the one still playing (a recall must not wait behind the prompt).
    With no audio device, or a clip missing, it logs once and stays quiet.
    """

    def __init__(self, volume: float = 0.8, mute: bool = False, sounds_dir: Path = SOUNDS_DIR,
                 loader: Callable | None = None, schedule: Callable | None = None,
                 probe: Callable[[], str | None] | None = None,
                 hall_dir: Path | None = None) -> None:
        self.volume = volume
        self.mute = mute
        self.sounds_dir = Path(sounds_dir)
        # The hall's own recordings (sync/voice_fetch.py: <data_dir>/voice); None: the running
        # app's data_dir, found at the first clip.
        self.hall_dir = Path(hall_dir) if hall_dir is not None else None
        self._hall_index: dict[str, str] = {}
        self._bad: set[str] = set()  # hall recordings that would not load: shipped clip instead
        self._loader = loader
        self._schedule = schedule
        self._cache: dict[str, object | None] = {}
        self._queue: list[str] = []
        self._playing = None
        self._event = None
        self._warned = False
        # With the real loader, look for a sound card once, at the first clip.
        self._probe = probe if probe is not None else (audio_output if loader is None else None)
        self.off_reason: str | None = None  # set when the voice is off for good
        self.history: list[list[str]] = []  # every clip list asked for (tests, tech menu replay)

    def say(self, announcement) -> list[str]:
        clips = clips_for(announcement)
        self.play(clips)
        return clips

    def replay(self) -> None:
        if self.history:
            self.play(self.history[-1])

    def play(self, clips: list[str]) -> None:
        self.history.append(list(clips))
        del self.history[:-20]
        if self.mute or self._voice_off():
            return
        self._hall_index = self._read_hall_index()  # a few bytes; the config pull may change it
        self.stop()
        self._queue = list(clips)
        self._next()

    def stop(self) -> None:
        self._queue = []
        if self._event is not None:
            self._event.cancel()
            self._event = None
        if self._playing is not None:
            try:
                self._playing.stop()
            except Exception:  # noqa: BLE001 - a sound backend hiccup must not stop the kiosk
                pass
            self._playing = None

    # -- internals ----------------------------------------------------------------
    def _voice_off(self) -> bool:
        if self._probe is not None:
            probe, self._probe = self._probe, None
            reason = probe()
            if reason:
                self._switch_off(reason)
        return self.off_reason is not None

    def _switch_off(self, reason: str) -> None:
        self.off_reason = reason
        self._cache.clear()
        self._warned = True
        log.warning("%s: the voice is off; calls and prompts are shown on screen only", reason)

    def _warn(self, message: str, *args) -> None:
        if not self._warned:
            self._warned = True
            log.warning(message + " (voice stays quiet; said once)", *args)

    def _read_hall_index(self) -> dict[str, str]:
        if self.hall_dir is None and self._loader is None:
            from kivy.app import App

            cfg = getattr(App.get_running_app(), "cfg", None)
            if cfg is not None:
                self.hall_dir = Path(cfg.device.data_dir) / "voice"
        if self.hall_dir is None:
            return {}
        from sync.voice_fetch import read_index

        return read_index(self.hall_dir)

    def clip_path(self, name: str) -> Path:
        """The file that says `name`: the hall's own recording when it has one that loads,
        else the shipped clip."""
        hall = self._hall_index.get(name)
        if hall and self.hall_dir is not None and hall not in self._bad:
            return self.hall_dir / hall
        return self.sounds_dir / f"{name}.wav"

    def _load(self, name: str):
        path = self.clip_path(name)
        key = str(path)
        if key not in self._cache:
            sound = self._open(path)
            if sound is None and path.parent != self.sounds_dir and self.off_reason is None:
                # A hall recording that will not play: the shipped clip, from now on.
                self._bad.add(path.name)
                log.warning("hall recording %s does not load: the shipped clip plays", path)
                return self._load(name)
            self._cache[key] = sound
        return self._cache[key]

    def _open(self, path: Path):
        """A loaded sound, or None (said once)."""
        if not path.is_file():
            self._warn("voice clip %s is missing", path)
            return None
        sound = None
        try:
            loader = self._loader
            if loader is None:
                from kivy.core.audio import SoundLoader
                loader = SoundLoader.load
            sound = loader(str(path))
        except Exception as exc:  # noqa: BLE001 - no audio device, broken driver, ...
            self._warn("cannot load %s: %s", path, exc)
        if sound is None:
            self._warn("no audio output for %s", path)
        elif not getattr(sound, "length", 1):
            # SDL hands back an empty sound when the device cannot be opened: stop
            # asking (each try logs again), and say so once.
            self._switch_off("the sound device cannot be opened")
            return None
        return sound

    def _after(self, seconds: float) -> None:
        schedule = self._schedule
        if schedule is None:
            from kivy.clock import Clock
            schedule = Clock.schedule_once
        self._event = schedule(lambda _dt: self._next(), seconds)

    def _next(self) -> None:
        self._event = None
        while self._queue and self.off_reason is None:
            sound = self._load(self._queue.pop(0))
            if sound is None:
                continue
            try:
                sound.volume = self.volume
                sound.play()
            except Exception as exc:  # noqa: BLE001
                self._warn("playing failed: %s", exc)
                continue
            self._playing = sound
            self._after(max(float(getattr(sound, "length", 0) or 0), 0.05) + GAP_S)
            return
        self._playing = None
