"""Structured logs: one JSON object per line, one line per request.

Log lines carry the route, service id, hook, status, latency, card count and the names of
prefetch keys that were fetched or unavailable — never patient data, FHIR resources, JWTs,
access tokens or query strings.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "cds_service"
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            out["error"] = safe_exception(record.exc_info[1])
        return json.dumps(out, default=str, separators=(",", ":"))


def safe_exception(exc: BaseException) -> dict[str, Any]:
    """The exception's type and where it was raised — not its message, which may quote data."""
    frames = traceback.extract_tb(exc.__traceback__)[-5:]
    return {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "at": [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames],
    }


def configure_logging(level: str = "INFO") -> logging.Logger:
    """Send the service's logs to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level.upper())
    if not any(getattr(h, "_cds_json", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._cds_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = True
    return logger


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)
