"""Builders for the figures tests: enrolled devices in real halls, ratings through ingest."""
import uuid
from datetime import datetime, timezone

from server.api.enrol import create_code, redeem
from sync.wire import RatingWire


def add_device(store, hall: str, window: int) -> str:
    """A device enrolled through a real one-time code; its id."""
    return redeem(store, create_code(store, hall, window).code).device_id


def rating(device_id: str, level: int, when: str, window: int = 1, staff="S001",
           ticket="A001", case_key=None, reasons=None, uid=None) -> RatingWire:
    """A rating as a kiosk uploads it (rated_at `when`, UTC ISO text)."""
    at = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(timezone.utc)
    return RatingWire(uuid=uid or uuid.uuid4(), level=level, window=window, staff_id=staff,
                      ticket=ticket, device_id=device_id, rated_at=at,
                      reasons=reasons if reasons is not None
                      else (["attitude"] if level in (1, 2) else []),
                      case_key=case_key or f"{when[:10]}/{window}/{ticket}/")
