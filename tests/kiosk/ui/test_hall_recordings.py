"""Issue 26 item 9: a hall recording is checked like the player needs (sync/wire/voice_clip.py)
and played in place of the shipped clip; one that is missing or will not load falls back to
the shipped clip, and the rest of the announcement still plays."""
from __future__ import annotations

import json
import struct

import pytest

from kiosk.ui.voice import SOUNDS_DIR, Player
from sync.wire.voice_clip import ClipError, check_clip
from tests.server.api.test_hall_voice import wav


def ogg_vorbis(rate: int, channels: int, samples: int) -> bytes:
    """The two parts check_clip reads: a first page with the Vorbis identification header and
    a last page whose granule position is the length in samples."""
    ident = b"\x01vorbis" + struct.pack("<IBI", 0, channels, rate) + b"\x00" * 13
    first = b"OggS\x00\x02" + struct.pack("<q", 0) + b"\x00" * 13 + ident
    last = b"OggS\x00\x04" + struct.pack("<q", samples) + b"\x00" * 13
    return first + b"\x00" * 100 + last


def test_what_the_player_can_play_is_accepted_and_the_rest_refused_with_why():
    info = check_clip(wav(2.0, rate=22050, channels=2))
    assert (info.format, info.rate, info.channels, round(info.seconds, 2)) == \
        ("wav", 22050, 2, 2.0)
    ogg = check_clip(ogg_vorbis(44100, 1, 44100 * 3))
    assert (ogg.format, ogg.rate, round(ogg.seconds)) == ("ogg", 44100, 3)
    for data, why in ((wav(11, rate=8000), "10 s"), (wav(1, rate=96000), "96000 Hz"),
                      (b"ID3\x03" + b"\x00" * 64, "WAV or Ogg"),
                      (ogg_vorbis(48000, 6, 48000), "6 channels"),
                      (b"OggS" + b"\x00" * 200 + b"OpusHead", "not Vorbis"),
                      (wav(1)[:200], "truncated"), (b"\x00" * (1024 * 1024 + 1), "bytes")):
        with pytest.raises(ClipError, match=why):
            check_clip(data)


class Sound:
    def __init__(self, path):
        self.path, self.length, self.volume = path, 1.0, 1.0

    def play(self):
        pass

    def stop(self):
        pass


def test_a_hall_recording_plays_and_a_broken_one_falls_back_to_the_shipped_clip(tmp_path):
    hall = tmp_path / "voice"
    hall.mkdir()
    (hall / f"rate_prompt-{'a' * 16}.wav").write_bytes(wav(1))
    (hall / f"thanks-{'b' * 16}.wav").write_bytes(b"broken")
    (hall / "index.json").write_text(json.dumps({
        "rate_prompt": f"rate_prompt-{'a' * 16}.wav", "thanks": f"thanks-{'b' * 16}.wav",
        "qing": f"qing-{'c' * 16}.wav"}))  # qing: the file is gone
    played = []

    def loader(path):
        return None if path.endswith("broken") or "thanks-" in path else Sound(path)

    player = Player(loader=loader, schedule=lambda fn, s: played.append(fn) or None,
                    hall_dir=hall, probe=lambda: None)
    for name in ("rate_prompt", "thanks", "qing"):
        player.play([name])
        played.clear()
        assert player._playing is not None, name
        played_path = player._playing.path
        if name == "rate_prompt":
            assert played_path == str(hall / f"rate_prompt-{'a' * 16}.wav")
        else:
            assert played_path == str(SOUNDS_DIR / f"{name}.wav"), name
