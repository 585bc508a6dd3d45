"""Service events: what happens at the counter, as it travels from the kiosk to the server.

The contract shared by the kiosk (which records each event in its SQLite outbox before acting
on it, and uploads them in batches exactly once, as ratings) and the server (which stores each
(device, uuid) once with a clock-corrected time and derives 办件量, 办理时长, 空岗 and
sign-in/out facts from them; issue 27).

Nothing about a citizen travels, and no event carries a rating level: a ticket number is the
queue's, a case id is the business system's 办件 key. Times are as ratings carry them: the
device's wall clock (UTC, aware), its boot id and seconds since boot, so the server corrects a
Pi's clock the same way (server/db/clock_fix.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync.wire import API_PREFIX, MAX_BATCH
from sync.wire.models import BootId, CaseKey, DeviceClocks, Ident, MonoS, ReasonCode, Ticket

EVENTS_PATH = f"{API_PREFIX}/events/batch"

# kind: what happened                      fields it carries (others None)
#   staff_in     a staff member signed in   staff_id, cause (pin | keypad | queue)
#   staff_out    a staff member signed out  staff_id, cause (key | pause | day_end | queue |
#                                           replaced | app_stop)
#   called       a ticket was called        ticket (recalls are not events)
#   completed    a case was completed       ticket, case_key, case_id (the queue's, if any)
#   paused       the window paused          reason (the pause reason key, if any)
#   resumed      the window resumed
#   link_up      the queue link came up
#   link_down    the queue link went down
#   app_start    the kiosk app started
#   app_stop     the kiosk app stopped cleanly
KINDS = ("staff_in", "staff_out", "called", "completed", "paused", "resumed",
         "link_up", "link_down", "app_start", "app_stop")
Kind = Literal["staff_in", "staff_out", "called", "completed", "paused", "resumed",
               "link_up", "link_down", "app_start", "app_stop"]
CAUSES = ("pin", "keypad", "queue", "key", "pause", "day_end", "replaced", "app_stop")
Cause = Literal["pin", "keypad", "queue", "key", "pause", "day_end", "replaced", "app_stop"]


class EventWire(BaseModel):
    """One service event as it travels."""

    model_config = ConfigDict(extra="forbid", strict=True)

    uuid: UUID = Field(strict=False)
    kind: Kind
    device_id: Ident
    window: int = Field(ge=1, le=999)
    at: datetime = Field(strict=False)
    boot_id: BootId = ""
    mono_s: MonoS = Field(default=0.0, strict=False)
    staff_id: Ident | None = None
    ticket: Ticket | None = None
    case_key: CaseKey | None = None
    case_id: Ident | None = None
    reason: ReasonCode | None = None
    cause: Cause | None = None

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("at needs a time zone (UTC, ending in Z)")
        return value


class EventBatchIn(DeviceClocks):
    """A kiosk's event upload: up to MAX_BATCH events and the device's clocks at send time
    (as BatchIn). The answer is a BatchOut: per item accepted / duplicate / rejected; the
    kiosk marks sent only what is accepted or duplicate."""

    events: list[EventWire] = Field(min_length=1, max_length=MAX_BATCH)
