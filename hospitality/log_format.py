"""Log line formats: JSON lines where a log pipeline parses them (Lambda → CloudWatch Logs Insights), readable
lines on a terminal. Structured fields travel in `extra=` (e.g. the metrics snapshot) and are kept as fields."""

from __future__ import annotations

import datetime
import json
import logging
import re

# attributes every LogRecord has; anything else on a record came from `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


# Credentials that can reach a log line through a URL or a request's repr (a token sent in a query string is refused,
# and must not be kept either): API tokens, JWTs, and the value of any query parameter whose name says secret.
_SECRETS = (
    (re.compile(r"hsp_[A-Za-z0-9-]+\.[A-Za-z0-9_-]+"), "hsp_[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
    (
        re.compile(
            r"([?&;][^=&\s'\"]*(?:token|key|secret|password|passwd|auth|signature|jwt|session)[^=&\s'\"]*=)"
            r"[^&\s'\"]*",
            re.IGNORECASE,
        ),
        r"\1[redacted]",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _extra(record: logging.LogRecord) -> dict:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_") and v is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(self._line(record))

    def _line(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extra(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = _extra(record)
        return redact(f"{text} {json.dumps(extra, default=str)}" if extra else text)
