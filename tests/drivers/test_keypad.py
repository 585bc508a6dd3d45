"""The keypad: raw kernel input_event records through a FIFO, mapping, re-plug."""
import os
import queue
import threading

import pytest
from evdev import ecodes

from drivers.events import KeyDigit, LinkState, StaffAction
from drivers.keypad import Keypad, KeypadChanged
from drivers.keypad_codec import (
    EV_KEY,
    KEY_DOWN,
    KEY_REPEAT,
    InputEventDecoder,
    KeyMap,
    key_press,
    pack,
)


def actions_from(data: bytes, keymap=None):
    keymap = keymap or KeyMap()
    return [a for a in map(keymap.action, InputEventDecoder().feed(data)) if a]


def test_default_keys_map_to_staff_actions():
    data = key_press("KEY_KPENTER") + key_press("KEY_KPMINUS") + key_press("KEY_KP7")
    # A digit key comes with its digit too: it types a 工号 after 签到 (kiosk/signin.py).
    assert actions_from(data) == [StaffAction.NEXT, StaffAction.EVALUATE,
                                  KeyDigit("7", StaffAction.GIVE_UP)]
    data = key_press("KEY_NUMLOCK") + key_press("KEY_KP1") + key_press("KEY_BACKSPACE")
    assert actions_from(data) == [StaffAction.SIGN_IN, KeyDigit("1"), StaffAction.SIGN_OUT]


def test_auto_repeat_release_and_unmapped_keys_do_nothing():
    code = ecodes.ecodes["KEY_KPENTER"]
    data = pack(EV_KEY, code, KEY_REPEAT) + pack(EV_KEY, code, 0) + key_press("KEY_A")
    assert actions_from(data) == []


def test_records_split_across_reads_reassemble():
    dec = InputEventDecoder()
    data = key_press("KEY_KPENTER")
    assert dec.feed(data[:10]) == []
    events = dec.feed(data[10:])
    assert len(events) == 4 and events[0].value == KEY_DOWN


def test_custom_mapping_from_config():
    keymap = KeyMap({"KEY_F1": "next", "KEY_F2": "pause"})
    assert actions_from(key_press("KEY_F2") + key_press("KEY_KPENTER"), keymap) == [
        StaffAction.PAUSE]


@pytest.mark.parametrize("keys, word", [({"KEY_NOPE": "next"}, "unknown key"),
                                        ({"KEY_F1": "launch"}, "unknown action")])
def test_bad_mapping_is_a_clear_error(keys, word):
    with pytest.raises(ValueError, match=word):
        KeyMap(keys)


def writer(path, data_chunks, started):
    fd = os.open(path, os.O_WRONLY)  # blocks until the keypad opened the FIFO
    started.set()
    for chunk in data_chunks:
        os.write(fd, chunk)
    os.close(fd)


def next_action(keypad, timeout=5.0):
    while True:
        ev = keypad.events.get(timeout=timeout)
        if not isinstance(ev, KeypadChanged):
            return ev


def test_keypad_reads_a_device_node_and_survives_replug(tmp_path):
    node = tmp_path / "kiosk-keypad"
    os.mkfifo(node)
    keypad = Keypad(str(node), KeyMap())
    keypad.start()
    try:
        started = threading.Event()
        threading.Thread(target=writer, args=(node, [key_press("KEY_KPENTER")], started)).start()
        assert next_action(keypad) is StaffAction.NEXT
        # Unplug: the node goes away and the writer closes; then a new keypad appears.
        os.unlink(node)
        while keypad.events.get(timeout=5) != KeypadChanged(LinkState.DISCONNECTED):
            pass
        os.mkfifo(node)
        threading.Thread(target=writer, args=(node, [key_press("KEY_KPMINUS")], started)).start()
        assert next_action(keypad, timeout=10) is StaffAction.EVALUATE
    finally:
        keypad.stop()


def test_missing_keypad_is_reported_not_fatal(tmp_path):
    keypad = Keypad(str(tmp_path / "absent"), KeyMap())
    keypad.start()
    try:
        assert keypad.events.get(timeout=5) == KeypadChanged(LinkState.DISCONNECTED)
        with pytest.raises(queue.Empty):
            next_action(keypad, timeout=0.5)
    finally:
        keypad.stop()
