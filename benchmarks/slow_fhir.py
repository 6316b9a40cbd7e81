"""A FHIR server that answers every search after a fixed delay, in a process of its own.

    python -m benchmarks.slow_fhir DATA_FILE [--delay SECONDS]

``DATA_FILE`` holds a JSON object: resource type → the searchset Bundle to answer for it (an empty
Bundle for any other type). The answers are encoded once, at start, so the server's own work per
request is small next to the delay. It prints the port it listens on (loopback, chosen by the
system) as its first line of output, then serves until it is stopped.

It runs apart from the process it is measured from: in that process, its handler threads would
take the interpreter lock from the call being timed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

EMPTY = json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": []}).encode()


class SlowFhir(BaseHTTPRequestHandler):
    delay = 0.1
    answers: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        time.sleep(self.delay)
        rtype = self.path.split("?")[0].rsplit("/", 1)[-1]
        raw = self.answers.get(rtype, EMPTY)
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="JSON object: resource type -> Bundle")
    ap.add_argument("--delay", type=float, default=0.1, help="seconds before each answer (default 0.1)")
    args = ap.parse_args(argv)
    SlowFhir.delay = args.delay
    SlowFhir.answers = {
        rtype: json.dumps(bundle).encode() for rtype, bundle in json.loads(args.data.read_text()).items()
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowFhir)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
