"""The rating wire schema shared by the kiosk uploader and the server's ingest endpoint."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

API_PREFIX = "/api/v1"
BATCH_PATH = f"{API_PREFIX}/ratings/batch"
MAX_BATCH = 500

LEVEL_NAMES = {
    5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意", 0: "未评价",
}
BAD_LEVELS = frozenset({1, 2})  # 差评: these ask for reasons

Ticket = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,16}$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]


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
    boot_id: Annotated[str, StringConstraints(max_length=64)] = ""
    mono_s: float = Field(default=0.0, ge=0, strict=False)

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


class BatchIn(BaseModel):
    """A kiosk's upload: up to MAX_BATCH ratings."""

    model_config = ConfigDict(extra="forbid")

    ratings: list[RatingWire] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(BaseModel):
    """What happened to one rating of a batch."""

    uuid: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None


class BatchOut(BaseModel):
    """The server's acknowledgement; a kiosk marks synced only what is accepted or duplicate."""

    results: list[ItemResult]


def to_wire(row: dict) -> dict:
    """A local store row as the JSON the server takes (store-only columns left out)."""
    keys = RatingWire.model_fields.keys()
    return {k: row[k] for k in keys if k in row}
