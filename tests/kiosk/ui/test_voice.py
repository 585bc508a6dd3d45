"""Voice: announcements to clip lists (pure), the player's queueing, and silence without audio."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.flow import Case, FlowState, Mode
from kiosk.ui.voice import (
    SOUNDS_DIR,
    CallTicket,
    Player,
    RatePrompt,
    Thanks,
    announcements,
    clips_for,
    number_clips,
)


def test_call_is_joined_from_clips():
    assert clips_for(CallTicket("A023", 5)) == [
        "qing", "letter_A", "d0", "d2", "d3", "hao_dao", "d5", "hao_chuangkou_banli"]
    assert clips_for(RatePrompt()) == ["rate_prompt"]
    assert clips_for(Thanks()) == ["thanks"]


@pytest.mark.parametrize("n, clips", [
    (5, ["d5"]), (10, ["shi"]), (12, ["shi", "d2"]), (20, ["d2", "shi"]), (35, ["d3", "shi", "d5"]),
    (100, ["d1", "bai"]), (105, ["d1", "bai", "d0", "d5"]), (110, ["d1", "bai", "d1", "shi"]),
    (999, ["d9", "bai", "d9", "shi", "d9"])])
def test_window_numbers_read_in_chinese(n, clips):
    assert number_clips(n) == clips


def test_every_clip_is_committed():
    names = set()
    for ticket in ("ABCDEFGHIJKLM0123456789", "NOPQRSTUVWXYZ"):
        names |= set(clips_for(CallTicket(ticket, 999)))
    names |= set(clips_for(RatePrompt())) | set(clips_for(Thanks())) | {"d0"}
    missing = sorted(n for n in names if not (SOUNDS_DIR / f"{n}.wav").is_file())
    assert not missing, f"run scripts/make_sounds.sh: {missing}"
    for name in names:  # 16 kHz mono 16-bit WAV, small
        head = (SOUNDS_DIR / f"{name}.wav").read_bytes()[:44]
        assert head[:4] == b"RIFF" and int.from_bytes(head[22:24], "little") == 1
        assert int.from_bytes(head[24:28], "little") == 16000
        assert (SOUNDS_DIR / f"{name}.wav").stat().st_size < 200_000


def test_announcements_follow_the_flow():
    idle = FlowState()
    called = FlowState(calling="A023", call_count=1, window=5)
    recalled = FlowState(calling="A023", call_count=2, window=5)
    rating = FlowState(mode=Mode.RATING, calling="A023", call_count=2, window=5,
                       case=Case("A023", None, None, "k"))
    thanks = FlowState(mode=Mode.THANKS, calling="A023", call_count=2, window=5)
    assert announcements(idle, called) == [CallTicket("A023", 5)]
    assert announcements(called, recalled) == [CallTicket("A023", 5)]
    assert announcements(recalled, rating) == [RatePrompt()]
    assert announcements(rating, rating) == []
    assert announcements(rating, thanks) == [Thanks()]


class FakeSound:
    def __init__(self, path):
        self.path, self.length, self.volume, self.played, self.stopped = path, 0.3, 1.0, 0, 0

    def play(self):
        self.played += 1

    def stop(self):
        self.stopped += 1


def test_player_plays_clips_in_order_one_after_another():
    loaded, scheduled = [], []
    player = Player(volume=0.5, loader=lambda p: loaded.append(FakeSound(p)) or loaded[-1],
                    schedule=lambda fn, s: scheduled.append((fn, s)))
    player.say(CallTicket("A1", 5))
    assert [s.path.rsplit("/", 1)[-1] for s in loaded] == ["qing.wav"]
    assert loaded[0].volume == 0.5 and scheduled[0][1] == pytest.approx(0.33)
    while scheduled:
        fn, _s = scheduled.pop(0)
        fn(0)
    assert [s.path.rsplit("/", 1)[-1] for s in loaded] == [
        "qing.wav", "letter_A.wav", "d1.wav", "hao_dao.wav", "d5.wav", "hao_chuangkou_banli.wav"]
    assert all(s.played == 1 for s in loaded)


def test_new_announcement_cuts_the_old_one_and_mute_is_silent():
    sounds, scheduled = {}, []
    player = Player(loader=lambda p: sounds.setdefault(p, FakeSound(p)),
                    schedule=lambda fn, s: scheduled.append(fn) or type("E", (), {"cancel": lambda self: None})())
    player.say(CallTicket("A1", 5))
    first = next(iter(sounds.values()))
    player.say(RatePrompt())
    assert first.stopped == 1
    player.mute = True
    player.say(Thanks())
    assert not any(p.endswith("thanks.wav") for p in sounds)
    assert player.history[-1] == ["thanks"]


def test_no_audio_device_logs_once_and_does_not_crash(display, caplog):
    """The real SoundLoader under Xvfb: there may be no audio device; quiet, one warning."""
    caplog.set_level(logging.WARNING, logger="kiosk.ui.voice")
    player = Player(schedule=lambda fn, s: None)
    player.say(CallTicket("A023", 5))
    player.say(RatePrompt())
    warnings = [r for r in caplog.records if r.name == "kiosk.ui.voice"]
    assert len(warnings) <= 1


def test_broken_loader_and_missing_clip_log_once(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="kiosk.ui.voice")

    def boom(path):
        raise RuntimeError("Audio device hasn't been opened")

    player = Player(sounds_dir=tmp_path, loader=boom, schedule=lambda fn, s: None)
    player.say(CallTicket("A023", 5))
    player.replay()
    (tmp_path / "qing.wav").write_bytes(b"x")
    player.say(CallTicket("B1", 7))
    assert len([r for r in caplog.records if r.name == "kiosk.ui.voice"]) == 1


NO_CARD_SCRIPT = """
import logging, sys
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
from kiosk.ui.voice import CallTicket, Player, RatePrompt
player = Player(schedule=lambda fn, s: fn(0))
for n in range(3):
    player.say(CallTicket("A02%d" % n, 5))
    player.say(RatePrompt())
print("history", len(player.history), player.off_reason)
"""


def test_no_sound_card_says_once_that_the_voice_is_off(tmp_path):
    """Three calls and prompts on this machine's real audio stack, in a fresh process, with no
    sound card: no ALSA/SDL error lines at all, one line saying the voice is off, calls kept."""
    import os
    import subprocess
    import sys

    from kiosk.ui.voice import audio_output

    env = {k: v for k, v in os.environ.items() if k not in ("SDL_AUDIODRIVER", "PULSE_SERVER")}
    env.update(XDG_RUNTIME_DIR=str(tmp_path), KIVY_NO_ARGS="1", KIVY_LOG_MODE="MIXED")
    saved = os.environ.get("XDG_RUNTIME_DIR"), os.environ.get("SDL_AUDIODRIVER")
    os.environ["XDG_RUNTIME_DIR"] = str(tmp_path)
    os.environ.pop("SDL_AUDIODRIVER", None)
    try:
        if audio_output() is None:
            pytest.skip("this machine has a sound card")
    finally:
        for key, value in zip(("XDG_RUNTIME_DIR", "SDL_AUDIODRIVER"), saved):
            if value is not None:
                os.environ[key] = value
    run = subprocess.run([sys.executable, "-c", NO_CARD_SCRIPT], check=False, env=env, capture_output=True,
                         text=True, timeout=60, cwd=Path(__file__).resolve().parents[3])
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert not [x for x in lines if "ALSA" in x or "CRITICAL" in x or "AudioSDL2" in x], lines
    off = [x for x in lines if "the voice is off" in x]
    assert len(off) == 1 and off[0].startswith("WARNING kiosk.ui.voice")
    assert "history 6 no sound card" in run.stdout, run.stdout


def test_sound_card_probe_reads_alsa_cards(tmp_path, monkeypatch):
    from kiosk.ui.voice import audio_output

    monkeypatch.delenv("SDL_AUDIODRIVER", raising=False)
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    cards = tmp_path / "cards"
    cards.write_text("--- no soundcards ---\n")
    assert audio_output(cards) == "no sound card"
    assert audio_output(tmp_path / "missing") == "no sound card (no /proc/asound)"
    cards.write_text(" 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n")
    assert audio_output(cards) is None
    (tmp_path / "pipewire-0").touch()
    assert audio_output(tmp_path / "missing") is None


def test_device_that_cannot_open_switches_the_voice_off_once(caplog):
    """SDL hands back an empty sound (length 0) when the device fails: one line, then quiet."""
    caplog.set_level(logging.WARNING, logger="kiosk.ui.voice")
    loads = []
    player = Player(loader=lambda p: loads.append(p) or type("S", (), {"length": 0})(),
                    schedule=lambda fn, s: None)
    player.say(CallTicket("A023", 5))
    player.say(CallTicket("A024", 5))
    assert len(loads) == 1 and player.off_reason == "the sound device cannot be opened"
    assert [r.getMessage() for r in caplog.records if r.name == "kiosk.ui.voice"] == [
        ("the sound device cannot be opened: the voice is off; calls and prompts are shown on "
         "screen only")]
    assert player.history[-1][0] == "qing"
