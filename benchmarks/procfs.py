"""What a running ``radicular-cds serve`` holds, read from ``/proc`` (Linux): its workers, the
sockets each holds, and whether every worker serves. Used by the benchmarks and the live-server
tests."""

from __future__ import annotations

import os
from pathlib import Path


def children(parent: int) -> list[int]:
    """The pids of ``parent``'s child processes (``serve``'s workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:  # field 4 of stat: the parent's pid
            found.append(int(stat.parent.name))
    return found


def listening_inodes(port: int) -> set[str]:
    """The inodes of the TCP sockets listening on ``port`` (from ``/proc/net/tcp*``)."""
    return _socket_inodes(port, "0A")


def established_inodes(port: int) -> set[str]:
    """The inodes of the server-side TCP connections on ``port`` (from ``/proc/net/tcp*``)."""
    return _socket_inodes(port, "01")


def _socket_inodes(port: int, state: str) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def sockets_held(pid: int, inodes: set[str]) -> set[str]:
    """Which of ``inodes`` the process ``pid`` holds open."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held.add(target[8:-1])
    return held


def all_workers_serving(master: int, port: int, workers: int) -> bool:
    """``workers`` workers of ``master``, each holding a listener on ``port`` of its own beside the
    master's: ``cds_service.server.Worker.run`` opens it once the app is loaded and warm, just
    before its event loop starts (connections it gets meanwhile wait in its backlog). The master's
    listener answers as soon as the first worker does, while the others may still be loading."""
    pids = children(master)
    if len(pids) != workers:
        return False
    listeners = listening_inodes(port)
    shared = sockets_held(master, listeners)  # the master's, inherited by every worker
    try:
        return all(sockets_held(pid, listeners) - shared for pid in pids)
    except FileNotFoundError:  # a worker that exited (or is being replaced) meanwhile
        return False
