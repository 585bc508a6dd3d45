"""The contract shared by the kiosk and the server: paths, levels, and (lazily) the models.

The pydantic models live in sync/wire/models.py and load on first use of one of their names
(`from sync.wire import RatingWire` works as before): the kiosk's flow needs only the level
constants here, and importing pydantic up front cost ~130 ms of the kiosk's start-up
(bench/startup.py).
"""
from __future__ import annotations

API_PREFIX = "/api/v1"
BATCH_PATH = f"{API_PREFIX}/ratings/batch"
ENROL_PATH = f"{API_PREFIX}/enrol"
CONFIG_PATH = f"{API_PREFIX}/device/config"
HEARTBEAT_PATH = f"{API_PREFIX}/device/heartbeat"
MAX_BATCH = 500

LEVEL_NAMES = {
    5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意", 0: "未评价",
}
BAD_LEVELS = frozenset({1, 2})  # 差评: these ask for reasons


def __getattr__(name: str):
    import importlib

    models = importlib.import_module("sync.wire.models")
    try:
        return getattr(models, name)
    except AttributeError:
        raise AttributeError(f"module 'sync.wire' has no attribute {name!r}") from None
