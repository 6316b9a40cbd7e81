"""How many connections each worker of one ``serve`` master holds, so that a worker holding more
than its share lets one go (``Connection: close`` on its next response) and the client's new
connection lands wherever the kernel hashes it.

Each worker has its own ``SO_REUSEPORT`` listener (``cds_service.server``) and the kernel hashes
every new connection to one of them, blind to how many each already holds: 8 keep-alive
connections over 3 workers split 4/3/1, 5/2/1 or 6/2/0 more often than 3/3/2. A worker evaluates
one call at a time, so the calls of the crowded worker queue while another worker idles: measured
at 8 connections, the p99 rose from about 24 ms (3/3/2) to 26–29 ms (4/3/1, 5/2/1). An EHR's
integration engine that keeps a few connections open meets the same. Closing an idle connection
after a complete response is ordinary HTTP/1.1 (the client reconnects, as it does after a keep-alive
timeout); it happens only while the counts are uneven, so a balanced worker never closes one.

The counts live in two small arrays of shared memory made by the master before it forks the
workers; each worker writes only its own slot and reads the others' without a lock (a count read
mid-update is off by one for one decision, no more).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os


class ConnectionSpread:
    """Open connections per worker; made in the master before the workers fork."""

    SLOTS = 64  # workers alive at once, at most (a worker that finds no slot never sheds)

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._pids = context.RawArray(ctypes.c_long, self.SLOTS)  # 0: free
        self._open = context.RawArray(ctypes.c_long, self.SLOTS)
        self._claim = context.Lock()
        self._slot = -1
        self.open = 0  # this worker's connections (counted on its event loop thread)

    def join(self) -> None:
        """Take a slot for this worker: a free one, or one a dead worker left."""
        pid = os.getpid()
        with self._claim:
            for i in range(self.SLOTS):
                holder = self._pids[i]
                if holder == pid or holder == 0 or not _alive(holder):
                    self._pids[i] = pid
                    self._open[i] = self.open
                    self._slot = i
                    return

    def leave(self) -> None:
        """Give the slot back (a worker shutting down)."""
        if self._slot >= 0:
            with self._claim:
                if self._pids[self._slot] == os.getpid():
                    self._pids[self._slot] = 0
                    self._open[self._slot] = 0
            self._slot = -1

    def opened(self) -> None:
        self.open += 1
        if self._slot >= 0:
            self._open[self._slot] = self.open

    def closed(self) -> None:
        self.open -= 1
        if self._slot >= 0:
            self._open[self._slot] = self.open

    def over_share(self) -> bool:
        """True while this worker holds more connections than an even split would give it
        (connections of all workers ÷ workers, rounded up)."""
        if self._slot < 0 or self.open <= 1:
            return False
        pids = self._pids[:]
        workers = sum(1 for p in pids if p)
        total = sum(n for p, n in zip(pids, self._open[:], strict=True) if p)
        return self.open > -(-total // workers)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
