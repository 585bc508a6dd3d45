"""Correcting a rating's time: a Raspberry Pi has no RTC, so its wall clock may be far off.

Every rating carries rated_at (the device's wall clock then), boot_id and mono_s (seconds
since that boot, which never jumps). Every upload carries the device's clocks at send time:
device_now, boot_id and mono_s. The server's own clock is the reference.

* Same boot: the monotonic clock is continuous, so the rating happened
  (upload mono_s - rating mono_s) seconds before the upload was sent; corrected_at =
  server receive time - that age. Trusted (error = network latency, well under a second).
* Different boot (or no monotonic data): the device's wall clock error now is
  offset = server_now - device_now; corrected_at = rated_at + offset. That assumes the clock
  had the same error when the rating was made, which is only safe when the clock is nearly
  right now (|offset| <= TRUSTED_OFFSET_S: probably NTP-synced, then as well as now).
  Otherwise the rating is flagged time_trusted = false (kept, corrected as well as we can).
* No device clock in the upload at all (an older kiosk): corrected_at = rated_at, untrusted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

TRUSTED_OFFSET_S = 120.0
# A same-boot age beyond this (mono_s of 1e300) is not a real uptime: fall back to the wall clock.
MAX_AGE_S = 10 * 365 * 86400.0


@dataclass(frozen=True)
class DeviceClock:
    """The device's clocks when it sent an upload."""

    device_now: datetime | None
    boot_id: str | None
    mono_s: float | None

    @classmethod
    def from_envelope(cls, envelope) -> "DeviceClock":
        if envelope is None:
            return cls(None, None, None)
        return cls(getattr(envelope, "device_now", None), getattr(envelope, "boot_id", None),
                   getattr(envelope, "mono_s", None))


def same_boot_age(boot_id: str, mono_s: float, clock: DeviceClock) -> float | None:
    """Seconds between the rating and the upload when both come from one boot (the trusted
    case); None when the monotonic clocks cannot tell."""
    if clock.boot_id and boot_id and boot_id == clock.boot_id and clock.mono_s is not None:
        age = clock.mono_s - mono_s
        if 0 <= age <= MAX_AGE_S:
            return age
    return None


def correct(rated_at: datetime, boot_id: str, mono_s: float, clock: DeviceClock,
            server_now: datetime) -> tuple[datetime, bool]:
    """(corrected_at, time_trusted) for one rating received at server_now."""
    age = same_boot_age(boot_id, mono_s, clock)
    if age is not None:
        return server_now - timedelta(seconds=age), True
    if clock.device_now is not None:
        offset = server_now - clock.device_now
        trusted = abs(offset.total_seconds()) <= TRUSTED_OFFSET_S
        try:
            return rated_at + offset, trusted
        except OverflowError:  # a device clock in year 9999: no use for correcting anything
            pass
    return rated_at, False


def offset_s(clock: DeviceClock, server_now: datetime) -> float | None:
    """How far the device's wall clock is behind the server's (positive: device slow)."""
    if clock.device_now is None:
        return None
    return (server_now - clock.device_now).total_seconds()
