"""Polling with a deadline, so tests wait for real things without fixed sleeps."""
import time


def wait_for(predicate, timeout=5.0, step=0.02):
    """Poll until predicate() is truthy; return its value, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
