"""The benchmark's load generator: with one body per line, each of wrk's threads sends its own
share of the lines, so no body goes out twice per pass over the file (distinct charts stay
distinct: a worker never gets the same chart from the other thread soon after).

wrk is Debian's package; the benchmark's ``ensure_wrk`` installs it when run as root (CI)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks.__main__ import ensure_wrk, run_wrk


@pytest.fixture
def wrk() -> str:
    found = ensure_wrk()
    if found is None:
        pytest.skip("wrk is not installed and cannot be (not root, or no apt-get)")
    return found


@pytest.fixture
def recording_server() -> Iterator[tuple[str, dict[int, list[bytes]]]]:
    """A keep-alive HTTP server that answers 200 and records each body by the client's port (one
    port per wrk connection)."""
    seen: dict[int, list[bytes]] = defaultdict(list)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                seen[self.client_address[1]].append(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    finally:
        server.shutdown()
        server.server_close()


def test_each_wrk_thread_sends_its_own_share_of_the_bodies(
    wrk: str, tmp_path: Path, recording_server: tuple[str, dict[int, list[bytes]]]
) -> None:
    url, seen = recording_server
    lines = [f'{{"chart": {k}}}'.encode() for k in range(6)]
    bodies = tmp_path / "charts.jsonl"
    bodies.write_bytes(b"\n".join(lines) + b"\n")

    result = run_wrk(wrk, url, bodies, 1, 4)

    assert result["requests"] > 12 and result["non2xx"] == 0
    shares = [{lines[0], lines[2], lines[4]}, {lines[1], lines[3], lines[5]}]
    sent_by_connection = [set(sent) for sent in seen.values()]
    # every connection keeps to one thread's share: the even lines or the odd ones, never both
    assert all(any(sent <= share for share in shares) for sent in sent_by_connection)
    # and both shares go out, every line of each
    for share in shares:
        assert set().union(*(sent for sent in sent_by_connection if sent <= share)) == share


def test_a_single_body_goes_out_from_every_connection(
    wrk: str, tmp_path: Path, recording_server: tuple[str, dict[int, list[bytes]]]
) -> None:
    """With fewer lines than threads, wrk runs as many threads as there are lines: none idles."""
    url, seen = recording_server
    bodies = tmp_path / "one.jsonl"
    bodies.write_bytes(b'{"chart": 0}\n')

    result = run_wrk(wrk, url, bodies, 1, 4)

    assert result["requests"] > 4 and result["non2xx"] == 0 and result["errors"] == 0
    assert len(seen) == 4 and all(set(sent) == {b'{"chart": 0}'} for sent in seen.values())
