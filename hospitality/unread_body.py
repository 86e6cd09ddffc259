"""Keep-alive connections survive a request body the application did not read.

A request refused before its body is read (401, 413, 404 ...) leaves that body on the connection. gunicorn drains at
most 64 KiB of it before serving the next request, and otherwise closes a connection its answer announced as kept
open: the client's next request on it is lost without an answer. So:
- `drain_unread_body` (the WSGI application gunicorn serves) reads what is left of a body the API would accept
  (up to API_MAX_BODY_BYTES) once the application has answered;
- `close_if_body_too_large` (gunicorn's pre_request hook) marks a request whose declared body is larger than that,
  or whose length is unknown (chunked), so that its answer says `Connection: close` and the client opens a new
  connection instead of losing a request on this one.
"""

from __future__ import annotations

CHUNK = 64 * 1024


def _limit() -> int:
    from django.conf import settings

    return int(settings.API_MAX_BODY_BYTES)


def close_if_body_too_large(worker, req) -> None:
    headers = {name.upper(): value for name, value in req.headers}
    length = headers.get("CONTENT-LENGTH")
    if "chunked" in headers.get("TRANSFER-ENCODING", "").lower():
        req.must_close = True
    elif length and length.isdigit() and int(length) > _limit():
        req.must_close = True


def drain_unread_body(application):
    def app(environ, start_response):
        response = application(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or ""
        stream = environ.get("wsgi.input")
        if stream is not None and length.isdigit() and 0 < int(length) <= _limit():
            while stream.read(CHUNK):  # the server's stream ends where the declared body does
                pass
        return response

    return app
