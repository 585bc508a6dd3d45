"""Group commit for SQLite: write transactions queued while another commits share one fsync.

SQLite has one writer at a time, and with synchronous=FULL every COMMIT waits for an fsync
(5-10 ms here, far longer on a Pi's SD card). When several kiosks upload at once, their
batches queue up on the writer lock; the thread that gets the lock next runs every batch
queued by then in one transaction and commits once. A batch that fails rolls the group back;
then each batch of the group runs again in a transaction of its own, so the failing one gets
its own exception and the others still commit. (Not a SAVEPOINT per batch: that cost every
batch ~15% more CPU in SQLite for a failure that is rare; a batch's work must therefore be
safe to run again after a rollback.) Nobody is answered before the COMMIT that holds their
rows has returned, so the durability is the same as one transaction per batch.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

# A group never grows past this many jobs: a kiosk's answer waits for its whole group.
MAX_GROUP = 16


class _Job:
    __slots__ = ("work", "done", "result", "error")

    def __init__(self, work: Callable[[Any], Any]) -> None:
        self.work = work
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """Runs work(tx) callables in shared write transactions (see the module docstring).

    begin(): opens the write transaction on the calling thread and returns (tx, conn);
    `writer`: the lock every write transaction of the store holds.
    """

    def __init__(self, writer: threading.Lock, begin: Callable[[], tuple[Any, Any]]) -> None:
        self._writer = writer
        self._begin = begin
        self._queue: list[_Job] = []
        self._queue_lock = threading.Lock()
        self.groups = 0  # how many transactions ran, and how many jobs in them (for tests)
        self.jobs = 0

    def run(self, work: Callable[[Any], Any]) -> Any:
        job = _Job(work)
        with self._queue_lock:
            self._queue.append(job)
        while True:
            with self._writer:
                if not job.done:  # nobody took it yet: lead a group with what is queued
                    with self._queue_lock:
                        group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
                    self._commit(group)
            if job.done:
                break
        if job.error is not None:
            raise job.error
        return job.result

    def _commit(self, group: list[_Job]) -> None:
        try:
            if not self._attempt(group) and len(group) > 1:
                for job in group:  # one of them failed: each alone, so only it fails
                    job.error = None
                    self._attempt([job])
        finally:
            self.groups += 1
            self.jobs += len(group)
            for job in group:
                job.done = True

    def _attempt(self, jobs: list[_Job]) -> bool:
        """Run jobs in one transaction. False if one of them raised (rolled back, its error
        kept on it); True once every job has its answer (committed, or a failed BEGIN or
        COMMIT given to every job)."""
        conn = None
        try:
            tx, conn = self._begin()  # inside the try: a failed BEGIN must answer the group too
            for job in jobs:
                try:
                    job.result = job.work(tx)
                except Exception as exc:  # noqa: BLE001 - that batch's own failure
                    job.result, job.error = None, exc
                    conn.execute("ROLLBACK")
                    return False
            conn.execute("COMMIT")
            return True
        except BaseException as exc:
            log.error("a group of %d write transactions rolled back: %s", len(jobs), exc)
            for job in jobs:  # nothing of the group was kept: each caller hears why
                if job.error is None:
                    job.result = None
                    job.error = RuntimeError(f"the write transaction failed: {exc}")
                    job.error.__cause__ = exc
            if conn is not None and conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 - the callers already have the first error
                    log.exception("ROLLBACK after a failed group")
            if not isinstance(exc, Exception):
                raise
            return True
