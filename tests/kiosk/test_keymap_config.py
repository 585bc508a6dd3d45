"""A partial [keypad.keys] table overrides only the keys it names; "none" switches one off."""
from __future__ import annotations

import pytest

from drivers.keypad_codec import DEFAULT_KEYS, KeyMap
from kiosk.config import ConfigError, parse


def test_a_partial_table_keeps_the_other_default_keys():
    cfg = parse('[keypad]\ndevice = "kbd"\n[keypad.keys]\nKEY_F1 = "next"\n'
                'KEY_KPMINUS = "recall"\nKEY_KP7 = "none"\n')
    keys = cfg.keypad.effective_keys()
    assert keys["KEY_F1"] == "next" and keys["KEY_KPMINUS"] == "recall"
    assert keys["KEY_KPENTER"] == DEFAULT_KEYS["KEY_KPENTER"], "an unnamed key keeps its action"
    assert "KEY_KP7" not in keys
    assert len(KeyMap(keys).by_code) == len(DEFAULT_KEYS)  # +F1, -KP7


def test_an_empty_table_is_the_default_map():
    assert parse("").keypad.effective_keys() == DEFAULT_KEYS


def test_an_unknown_action_is_refused():
    with pytest.raises(ConfigError, match=r"\[keypad\] keys"):
        parse('[keypad.keys]\nKEY_F1 = "dance"\n')
