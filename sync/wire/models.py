"""The pydantic models of the wire: ratings, batches, enrolment, config, heartbeat."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sync.wire import API_PREFIX, BAD_LEVELS, LEVEL_NAMES, MAX_BATCH  # noqa: F401
from sync.wire.pin_hash import HASH_PATTERN as PIN_HASH

Ticket = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,16}$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]
# The kiosk's case key: sync/wire/cases.py case_key()
CaseKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,160}$")]
# The kernel's boot id (a uuid): printable ASCII only, so no NUL or lone surrogate reaches
# a database that refuses it.
BootId = Annotated[str, StringConstraints(pattern=r"^[ -~]{0,64}$")]
# Seconds since boot: finite (1e309 parses as infinity) and below a century.
MonoS = Annotated[float, Field(ge=0, le=3.2e9, allow_inf_nan=False)]


class RatingWire(BaseModel):
    """One rating as it travels; nothing in it identifies the citizen."""

    model_config = ConfigDict(extra="forbid", strict=True)

    uuid: UUID = Field(strict=False)
    level: int = Field(ge=0, le=5)
    reasons: list[ReasonCode] = Field(default_factory=list, max_length=12)
    window: int = Field(ge=1, le=999)
    staff_id: Ident | None = None
    ticket: Ticket
    case_id: Ident | None = None
    item_code: Ident | None = None
    device_id: Ident
    rated_at: datetime = Field(strict=False)
    boot_id: BootId = ""
    mono_s: MonoS = Field(default=0.0, strict=False)
    # Optional so that older kiosks still upload; the kiosk store's own key when present.
    case_key: CaseKey | None = None

    @field_validator("rated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("rated_at needs a time zone (UTC, ending in Z)")
        return value

    @field_validator("reasons")
    @classmethod
    def _reasons_only_for_bad(cls, value: list[str], info) -> list[str]:
        level = info.data.get("level")
        if value and level not in BAD_LEVELS:
            raise ValueError("reasons are only given with level 1 or 2")
        return value


# Models only the server validates build their validators on first use: a running kiosk
# validates RatingWire, BatchOut and HeartbeatIn only, and building the others at import held
# ~2.6 MB of its memory (bench/memory.py). Not for a FastAPI route's body or answer (EnrolIn,
# EnrolOut): FastAPI warns about a deferred model there.
SERVER_SIDE = ConfigDict(extra="forbid", defer_build=True)


class DeviceClocks(BaseModel):
    """The device's clocks at send time, beside every upload (ratings, service events).

    device_now / boot_id / mono_s let the server correct a time on a Pi without an RTC
    (server/clock_fix.py); they are optional so that an older kiosk still uploads.
    """

    model_config = SERVER_SIDE

    device_now: datetime | None = None
    boot_id: BootId | None = None
    mono_s: MonoS | None = None

    @field_validator("device_now")
    @classmethod
    def _aware_now(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("device_now needs a time zone (UTC, ending in Z)")
        return value


class BatchIn(DeviceClocks):
    """A kiosk's upload: up to MAX_BATCH ratings, and the device's clocks at send time."""

    ratings: list[RatingWire] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(BaseModel):
    """What happened to one rating of a batch."""

    uuid: str | None  # None only when a rejected item had no readable uuid
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None


class BatchOut(BaseModel):
    """The server's acknowledgement; a kiosk marks synced only what is accepted or duplicate."""

    results: list[ItemResult]


# -- enrolment, device config, heartbeat (shared by sync/*.py and server/*.py) ---------------
class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(min_length=6, max_length=64)]


class EnrolOut(BaseModel):
    """Given once: the server keeps only a hash of token; qr_key signs phone-rating QR codes."""

    device_id: str
    token: str
    qr_key: str
    hall: str
    window: int | None = None


class StaffMember(BaseModel):
    model_config = SERVER_SIDE

    staff_id: Ident  # 工号
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    photo_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    stars: int = Field(default=0, ge=0, le=5)  # 星级
    # Salted scrypt hash of the member's kiosk sign-in PIN (sync/wire/pin_hash.py), set by
    # the hall supervisor in the console; absent when none is set (never the PIN itself).
    pin_hash: Annotated[str, StringConstraints(pattern=PIN_HASH, max_length=240)] | None = None


LOGO_URL = r"^(https?://[^\s]+|/[^\s]*)$"  # an http(s) URL or a path on the kiosk's server


class VoiceClip(BaseModel):
    """One hall recording as the device config names it: fetch `url` (device token) when the
    cached file's SHA-256 differs."""

    model_config = SERVER_SIDE

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    url: Annotated[str, StringConstraints(max_length=300)]


class DeviceConfig(BaseModel):
    """What a kiosk pulls from GET /api/v1/device/config (the admin sets it per hall/window).

    Every field is optional and has no default: a value the admin (or the org model) did not
    set is not sent, and the kiosk keeps its own (kiosk.toml, else its built-in default). A
    server default here would silently override what the technician set on the kiosk."""

    model_config = SERVER_SIDE

    hall_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    window_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    staff: list[StaffMember] | None = Field(default=None, max_length=200)
    reasons: list[ReasonCode] | None = Field(default=None, min_length=1, max_length=12)
    rating_timeout_s: float | None = Field(default=None, ge=5, le=600)
    qr_base_url: Annotated[str, StringConstraints(max_length=200)] | None = None
    # What opens the kiosk's rating screen ([rating] trigger): the queue system's DONE, the
    # business system's 请评价 (issue 29), or both (one visit, one rating).
    rating_trigger: Literal["queue", "business", "both"] | None = None
    # What commercial evaluators show (issue 26 item 8): the hall's supervision line (e.g.
    # 监督电话 12345), its logo (an http(s) URL or a server path; the kiosk fetches it like a
    # staff photo: PNG/JPEG, 2 MB, decoded), and whether an unrated case's QR code stays on
    # the idle screen until the next call instead of [ui] qr_show_s.
    supervision: Annotated[str, StringConstraints(max_length=60)] | None = None
    logo_url: Annotated[str, StringConstraints(max_length=300, pattern=LOGO_URL)] | None = None
    qr_keep: bool | None = None
    # The hall's own recordings (issue 26 item 9): phrase -> {sha256, url}. Filled by the
    # server from its voice store (`kiosk-server voice set`), never by set-config.
    voice: dict[str, VoiceClip] | None = None

    def set_values(self) -> dict:
        """Only what was set (JSON-ready): the body stored and sent."""
        return self.model_dump(mode="json", exclude_none=True)


class HeartbeatIn(BaseModel):
    """A kiosk's minute-by-minute health report; the server keeps the last one per device."""

    model_config = ConfigDict(extra="forbid")

    version: Annotated[str, StringConstraints(max_length=40)] = ""
    uptime_s: float = Field(default=0.0, ge=0)
    link_state: Annotated[str, StringConstraints(max_length=40)] = ""
    backlog: int = Field(default=0, ge=0)
    # Service events waiting for upload (issue 27); optional, so older kiosks still beat.
    events_backlog: int = Field(default=0, ge=0)
    last_rating_at: datetime | None = None
    free_disk_mb: float | None = Field(default=None, ge=0)
    clock_offset_s: float | None = None
    device_now: datetime | None = None
