"""Log set-up: one line per event, readable text or JSON lines, with the request's id.

    FEDCOP_LOG_FORMAT=text  2026-11-21T10:00:00Z INFO fedcop.access [3f2a…] GET /c/x 200 status=200
    FEDCOP_LOG_FORMAT=json  {"time": "...", "level": "INFO", "logger": "fedcop.access",
                             "message": "GET /c/x 200", "request_id": "3f2a…", "status": 200, ...}

Every record logged while an HTTP request is handled carries its id (a context variable set by
fedcop.observability.requests). Fields passed with `extra=` become JSON fields; those whose
names suggest a secret (authorization, cookie, token, password, secret, private key) are
replaced by "[redacted]", so a careless `extra=` cannot leak one. fedcop itself never logs
request headers, bodies, query strings or keys.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

import orjson

request_id: ContextVar[str | None] = ContextVar("fedcop_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
_SECRET_WORDS = ("authorization", "cookie", "token", "password", "secret", "private", "key_pem")
REDACTED = "[redacted]"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in vars(record).items():
        if name in _STANDARD or name.startswith("_"):
            continue
        lowered = name.lower()
        fields[name] = REDACTED if any(word in lowered for word in _SECRET_WORDS) else value
    return fields


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        for name, value in _extras(record).items():
            entry.setdefault(name, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode("utf-8")


class TextFormatter(logging.Formatter):
    """One readable line per event; a traceback, when there is one, follows on its own lines."""

    def format(self, record: logging.LogRecord) -> str:
        rid = request_id.get()
        parts = [_time(record), record.levelname, record.name]
        if rid:
            parts.append(f"[{rid}]")
        parts.append(record.getMessage())
        line = " ".join(parts)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{name}={value}" for name, value in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(
    level: str = "info", log_format: str = "text", stream: IO[str] | None = None
) -> None:
    """Send every logger's records (fedcop's, uvicorn's, asyncpg's) to one handler on stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own loggers propagate to the root once uvicorn is told not to configure logging
    # (log_config=None); its access log stays off: fedcop.access writes one line per request.
    # httpx logs every outbound request at INFO, full URL included: too chatty, and a URL can
    # carry a token. Its warnings still come through (and everything at debug).
    logging.getLogger("httpx").setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
