"""The wire contract lives in the repository (docs/queue-link.md): identical to the shared copy
the queue-system side works from (where that exists), and its test vectors are the ones the
codec tests use."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs" / "queue-link.md"
SHARED = ROOT.parent / "shared" / "spec" / "queue-link.md"


def vectors() -> dict[str, list[str]]:
    """Dialect -> the lines of its block under '## Test vectors'."""
    text = SPEC.read_text(encoding="utf-8").split("## Test vectors", 1)[1]
    out = {}
    for name, block in re.findall(r"`(\w+)`[^\n]*:\n```\n(.*?)```", text, re.S):
        out[name] = [line for line in block.splitlines() if line.strip()]
    return out


def hex_bytes(line: str) -> bytes:
    return bytes.fromhex(line.split("  ")[0])


def test_the_repository_copy_is_the_shared_contract():
    if not SHARED.exists():
        pytest.skip(f"no shared copy at {SHARED} (a plain clone): docs/queue-link.md is it")
    assert SPEC.read_bytes() == SHARED.read_bytes(), (
        f"docs/queue-link.md differs from {SHARED}: copy the agreed version over")


def test_the_codec_tests_use_the_spec_vectors():
    from tests.drivers import test_caller68_codec as c68
    from tests.drivers import test_frame_codec as fr

    vec = vectors()
    assert set(vec) >= {"line", "frame", "caller68"}
    line = [v.split("\\r\\n")[0] for v in vec["line"]]
    assert line == ["CALL,5,A023", "DONE,5,A023,C20261122001,11410000", "RATED,5,A023,4"]
    assert [hex_bytes(v) for v in vec["frame"]] == [fr.POLL_5, fr.DONE_5]
    assert [hex_bytes(v) for v in vec["caller68"]] == [c68.TICKET_123, c68.BEEP_5,
                                                       c68.CALL_NEXT_1]
