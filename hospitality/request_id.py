"""A request id on every response (`X-Request-Id`: the caller's, when it sends a sane one, else a new one) and on
every log line written while the request runs, so that a client's report and the server's logs meet."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("hospitality_request_id", default=None)
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def current() -> str | None:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-Id", "")
        request_id = offered if ACCEPTED.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-Id"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
