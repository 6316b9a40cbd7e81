"""Keep-alive connections spread evenly over the workers of ``serve``: a worker holding more than
its share closes one after a complete response (``Connection: close``), and a balanced worker
never does (``cds_service.spread``)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.procfs import children, established_inodes, listening_inodes, sockets_held
from cds_service.spread import ConnectionSpread
from tests.conftest import ROOT
from tests.live_server import LiveServer


def _other_worker(spread: ConnectionSpread, slot: int, pid: int, open_connections: int) -> None:
    """What another worker's process would have written in its slot."""
    spread._pids[slot] = pid
    spread._open[slot] = open_connections


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_worker_over_an_even_split_lets_a_connection_go() -> None:
    spread = ConnectionSpread()
    spread.join()
    for _ in range(4):
        spread.opened()
    _other_worker(spread, 1, os.getppid(), 3)
    _other_worker(spread, 2, os.getppid(), 1)
    assert spread.over_share()  # 4 of 8 over 3 workers: the even split is 3
    spread.closed()
    assert not spread.over_share()  # 3/3/1 of 7: 3 is the share
    _other_worker(spread, 2, os.getppid(), 2)
    assert not spread.over_share()  # 3/3/2: balanced, nobody closes


def test_a_lone_connection_and_a_worker_without_a_slot_are_never_closed() -> None:
    spread = ConnectionSpread()
    spread.opened()
    spread.opened()
    assert not spread.over_share()  # no slot (more workers than SLOTS): out of the spread
    spread.join()
    _other_worker(spread, 1, os.getppid(), 0)
    assert spread.over_share()  # 2 on one worker, 0 on the other
    spread.closed()
    assert not spread.over_share()  # one connection: nowhere better to go


def test_a_new_worker_takes_the_slot_a_dead_one_left_and_gives_it_back() -> None:
    spread = ConnectionSpread()
    _other_worker(spread, 0, _dead_pid(), 7)
    _other_worker(spread, 1, os.getppid(), 1)
    spread.join()
    assert spread._slot == 0 and spread._pids[0] == os.getpid() and spread._open[0] == 0
    spread.leave()
    assert spread._pids[0] == 0 and spread._slot == -1


def _established_per_worker(port: int, workers: list[int]) -> list[int]:
    """Server-side ESTABLISHED connections on ``port`` held by each worker process (from /proc)."""
    connections = established_inodes(port)
    return [len(sockets_held(pid, connections)) for pid in workers]


@pytest.mark.slow
def test_serve_spreads_keep_alive_connections_evenly_over_its_workers(tmp_path: Path) -> None:
    body = (ROOT / "fhir_fixtures/protocol/patient-view.full-prefetch.json").read_bytes()
    headers = {"Content-Type": "application/json"}
    with LiveServer(f"sqlite:///{tmp_path / 'spread.sqlite3'}", tmp_path / "serve.log", workers=3) as server:
        assert server.proc is not None
        workers = children(server.proc.pid)
        assert len(workers) == 3
        conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(9)]

        def one_round() -> int:
            """A call on every connection (a closed one reconnects); how many were closed."""
            closed = 0
            for conn in conns:
                conn.request("POST", "/cds-services/radicular-pathway", body, headers)
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 200
                if (resp.getheader("Connection") or "").lower() == "close":
                    closed += 1  # http.client has closed it and opens a new one on the next call
            return closed

        try:
            rounds = 0
            while one_round() and rounds < 60:
                rounds += 1
            # every connection open again, none closed in the last round: an even split, and it holds
            assert sorted(_established_per_worker(server.port, workers)) == [3, 3, 3]
            assert [one_round() for _ in range(5)] == [0] * 5
        finally:
            for conn in conns:
                conn.close()


@pytest.mark.slow
def test_serve_listens_in_its_master_and_in_each_warm_worker(tmp_path: Path) -> None:
    """The master holds the listener every worker inherits, and each worker adds exactly one of its
    own (after warm-up): none made by gunicorn as a worker forks, which would take connections
    while the worker is still loading."""
    with LiveServer(f"sqlite:///{tmp_path / 'listen.sqlite3'}", tmp_path / "serve.log", workers=3) as server:
        assert server.proc is not None
        listeners = listening_inodes(server.port)
        shared = sockets_held(server.proc.pid, listeners)
        workers = children(server.proc.pid)
        assert len(shared) == 1 and len(workers) == 3
        own = [sockets_held(pid, listeners) - shared for pid in workers]
        assert all(sockets_held(pid, listeners) >= shared for pid in workers)
        assert [len(mine) for mine in own] == [1, 1, 1]
        assert len(listeners) == 4  # nobody else listens on the port
