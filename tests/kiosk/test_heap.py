"""kiosk/heap.py: what a case leaves behind is given back, and a reload's old screens too."""
import gc
import weakref

import pytest

from kiosk import heap


class Held:
    """A stand-in for what a case leaves: an object in a reference cycle, holding memory."""

    def __init__(self) -> None:
        self.me = self
        self.payload = bytearray(1 << 20)


@pytest.fixture
def thawed():
    yield
    heap.thaw()


def test_after_a_case_its_reference_cycles_are_freed_without_waiting_for_a_full_collection(
        thawed):
    heap.settle()
    gone = weakref.ref(Held())  # unreachable, but only the cyclic collector can free it
    assert gone() is not None
    heap.after_case()
    assert gone() is None


def test_start_up_survivors_are_frozen_out_of_later_collections_until_a_reload_thaws_them(
        thawed):
    kept = Held()
    heap.settle()
    assert gc.get_freeze_count() > 0
    gone = weakref.ref(kept)
    del kept  # a screen replaced by a reload: frozen, so a collection alone cannot free it
    heap.after_case()
    assert gone() is not None
    heap.thaw()
    heap.after_case()
    assert gone() is None
