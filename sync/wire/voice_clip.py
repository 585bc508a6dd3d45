"""A hall's own voice recording (issue 26 item 9): what the kiosk's player can play, checked the
same way on the server (upload, `kiosk-server voice set`) and on the kiosk (after download).

The player is Kivy's SoundLoader on SDL2_mixer: WAV (PCM, 8/16-bit) and Ogg Vorbis. A clip
must be mono or stereo, 8..48 kHz, at most MAX_SECONDS long and MAX_BYTES large. The phrases
are the shipped clips' names (kiosk/ui/voice.py joins them): a hall can replace any of them,
and a phrase it leaves alone keeps the shipped clip.
"""
from __future__ import annotations

import io
import re
import wave
from dataclasses import dataclass

MAX_SECONDS = 10.0
MAX_BYTES = 1024 * 1024
RATES = (8000, 48000)
PHRASES = (
    *(f"d{n}" for n in range(10)), *(f"letter_{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "shi", "bai", "qing", "hao_dao", "hao_chuangkou_banli", "rate_prompt", "thanks")
# What each phrase says, for the technician and the admin (the shipped clip's text).
PHRASE_TEXT = {**{f"d{n}": "零一二三四五六七八九"[n] for n in range(10)},
               **{f"letter_{c}": c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
               "shi": "十", "bai": "百", "qing": "请", "hao_dao": "号到",
               "hao_chuangkou_banli": "号窗口办理", "rate_prompt": "请您对我的服务做出评价",
               "thanks": "谢谢您的评价"}
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ClipError(ValueError):
    """A recording the kiosk must not play, with why: an English template (a msgid of the
    server's catalog) and its values, so the CLI can say it in Chinese (`translated`)."""

    def __init__(self, template: str, **values) -> None:
        self.template, self.values = template, values
        super().__init__(template.format(**values) if values else template)

    def translated(self, gettext) -> str:
        text = gettext(self.template)
        return text.format(**self.values) if self.values else text


@dataclass(frozen=True)
class ClipInfo:
    format: str   # "wav" or "ogg"
    rate: int
    channels: int
    seconds: float


def check_clip(data: bytes) -> ClipInfo:
    """The format, sample rate, channels and length of a playable clip; ClipError otherwise."""
    if len(data) > MAX_BYTES:
        raise ClipError("{size} bytes: at most {most} bytes", size=len(data), most=MAX_BYTES)
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        info = _wav(data)
    elif data[:4] == b"OggS":
        info = _ogg(data)
    else:
        raise ClipError("not a WAV or Ogg Vorbis file")
    if not RATES[0] <= info.rate <= RATES[1]:
        raise ClipError("sample rate {rate} Hz: must be {low}..{high} Hz", rate=info.rate,
                        low=RATES[0], high=RATES[1])
    if info.channels not in (1, 2):
        raise ClipError("{n} channels: must be mono or stereo", n=info.channels)
    if not 0.05 <= info.seconds <= MAX_SECONDS:
        raise ClipError("{seconds} s long: must be 0.05..{most} s",
                        seconds=f"{info.seconds:.1f}", most=f"{MAX_SECONDS:g}")
    return info


def _wav(data: bytes) -> ClipInfo:
    try:
        with wave.open(io.BytesIO(data)) as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            frames = w.getnframes()
    except (wave.Error, EOFError, ValueError) as exc:
        raise ClipError("not a PCM WAV file the player can read ({why})", why=exc) from None
    if width not in (1, 2):
        raise ClipError("{bits}-bit samples: must be 8- or 16-bit PCM", bits=8 * width)
    if frames * width * channels > len(data):
        raise ClipError("truncated WAV file")
    return ClipInfo("wav", rate, channels, frames / rate if rate else 0.0)


def _ogg(data: bytes) -> ClipInfo:
    """Ogg Vorbis: the identification header (first packet) names channels and rate; the last
    page's granule position is the length in samples."""
    head = data.find(b"\x01vorbis", 0, 512)
    if head < 0:
        raise ClipError("an Ogg file but not Vorbis (Opus and FLAC are not played)")
    ident = data[head + 7: head + 7 + 9]
    if len(ident) < 9:
        raise ClipError("truncated Ogg Vorbis header")
    channels, rate = ident[4], int.from_bytes(ident[5:9], "little")
    last = data.rfind(b"OggS")
    granule = int.from_bytes(data[last + 6: last + 14], "little", signed=True)
    if granule <= 0 or rate <= 0:
        raise ClipError("truncated Ogg Vorbis file (no length)")
    return ClipInfo("ogg", rate, channels, granule / rate)
