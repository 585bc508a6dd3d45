"""Polling with a deadline, so tests wait for real things without fixed sleeps."""
import time


def wait_for(predicate, timeout=10.0, step=0.02):
    """Poll until predicate() is truthy; return its value, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def next_event(link, timeout=10.0):
    """The next event a link queues for the flow, skipping link-state changes."""
    from drivers.events import LinkChanged

    while True:
        event = link.events.get(timeout=timeout)
        if not isinstance(event, LinkChanged):
            return event


def link_events(link, want, timeout=10.0, settle_s=0.0):
    """Events (not link-state changes) once `want` arrived or timeout passed; with settle_s,
    also whatever else arrives within settle_s after that, so extras show up in asserts."""
    from drivers.events import LinkChanged

    got, deadline = [], time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        if link.events.empty():
            time.sleep(0.02)
            continue
        event = link.events.get()
        if not isinstance(event, LinkChanged):
            got.append(event)
    if settle_s:
        time.sleep(settle_s)
        while not link.events.empty():
            got.append(link.events.get())
    return got
