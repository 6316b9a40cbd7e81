"""``radicular-cds serve`` (gunicorn) as a real process group on a loopback port, for the durability
and load tests. ``start()`` returns once every worker is serving, not only the first to answer
``/health``; ``kill9()`` SIGKILLs the whole group (master and workers) at once; ``stop()`` asks
for a graceful stop and falls back to SIGKILL. Nothing outlives the ``with`` block."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import requests

from benchmarks.procfs import all_workers_serving
from cds_service.settings import default_workers
from tests.conftest import EVALUATION_DATE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    script = Path(sys.executable).with_name("radicular-cds")
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-c", "import sys; from cds_service.cli import main; sys.exit(main())", "serve"]


class LiveServer:
    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *,
        port: int | None = None,
        workers: int | None = 2,
        threads: int | None = 4,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.port = port or free_port()
        self.workers = workers
        self.threads = threads
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        assert self.proc is None, "already running"
        env = {
            **os.environ,
            "CDS_DATABASE_URL": self.database_url,
            "CDS_DEV_DISABLE_AUTH": "true",
            "CDS_EVALUATION_DATE": EVALUATION_DATE,
            "CDS_PUBLIC_BASE_URL": self.base_url,
            "CDS_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        self._log = self.log_path.open("ab")
        # None leaves a setting at the default of ``serve``
        flags = [("--workers", self.workers), ("--threads", self.threads)]
        self.proc = subprocess.Popen(
            [
                *serve_command(),
                "--bind",
                f"127.0.0.1:{self.port}",
                *(part for flag, value in flags if value is not None for part in (flag, str(value))),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill9() reaches every worker
        )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; log: {self.log_tail()}")
            try:
                healthy = requests.get(f"{self.base_url}/health", timeout=2).status_code == 200
                if healthy and self._all_serving():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill9()
        raise RuntimeError(f"server did not answer /health within {timeout}s; log: {self.log_tail()}")

    def _all_serving(self) -> bool:
        """Every worker is about to serve (``benchmarks.procfs.all_workers_serving``): ``/health``
        answers as soon as the first worker does, while the others may still be loading; a test
        that counts on all of them (the connection spread, the event loop of each) would race."""
        assert self.proc is not None
        configured = {**os.environ, **self.extra_env}.get("CDS_WORKERS")
        expected = self.workers or (int(configured) if configured else default_workers())
        return all_workers_serving(self.proc.pid, self.port, expected)

    def _reap(self) -> None:
        assert self.proc is not None
        pgid = self.proc.pid
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while True:  # the workers, too, are gone
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            if time.monotonic() > deadline:
                os.killpg(pgid, signal.SIGKILL)  # never leave an orphaned worker behind
                raise RuntimeError(f"process group {pgid} outlived its master; killed")
            time.sleep(0.05)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill9(self) -> None:
        """SIGKILL the master and every worker at once: no graceful shutdown, no flush."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reap()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.stop()
            else:
                self._reap()
