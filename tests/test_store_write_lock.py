"""The SQLite write lock across fork: each worker process has its own descriptor, so the workers
exclude each other, and the threads of a new worker share one lock (two descriptors in one process
would lock against each other: flock belongs to the open file description)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from cds_service.store.core import WriteLock

THREADS = 8
ROUNDS = 50


def _in_child(body: object) -> int:
    """Run ``body`` in a forked child; its exit code (0 = it returned True)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os._exit(0 if body() else 1)  # type: ignore[operator]
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_the_threads_of_a_new_worker_all_get_the_lock(tmp_path: Path) -> None:
    """Eight threads of a freshly forked worker write at once, as the first calls after a restart
    do; every one gets the lock every time (before, two of them could each open a descriptor and wait
    on each other for ever)."""
    lock = WriteLock(tmp_path / "db.sqlite3")
    with lock.held():  # the parent has used it before forking (migrations, warm-up)
        pass

    def writers() -> bool:
        start = threading.Barrier(THREADS)
        done: list[int] = []

        def write() -> None:
            start.wait()
            for _ in range(ROUNDS):
                with lock.held():
                    pass
            done.append(1)

        threads = [threading.Thread(target=write) for _ in range(THREADS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        return len(done) == THREADS

    assert _in_child(writers) == 0


def test_a_worker_waits_for_the_lock_another_process_holds(tmp_path: Path) -> None:
    """The child does not inherit the parent's hold: while the parent holds the lock, the child's
    own descriptor cannot take it."""
    lock = WriteLock(tmp_path / "db.sqlite3")
    with lock.held():

        def try_lock() -> bool:
            with lock._local:
                fd = os.open(lock.path, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True  # excluded, as it must be
                return False

        assert _in_child(try_lock) == 0
