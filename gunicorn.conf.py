"""gunicorn settings for running outside Lambda (a container or a VM): `gunicorn` reads this file from the working
directory. Every value can be overridden from the environment, as a container platform expects."""

import os

from hospitality.unread_body import close_if_body_too_large

wsgi_app = "hospitality.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Requests spend most of their time waiting on Data API calls (HTTPS), so threads go further than processes.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A worker busy longer than this is killed; it stays above the app's own request budget so the app answers first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A kept connection serves at most this many requests, then its answer says `Connection: close` (nginx's
# keepalive_requests). Without it, persistent clients that reconnect while a recycled worker boots all land on the
# other worker and stay there: capacity dropped by a third after every recycle (benchmarks/gunicorn_bench.py).
keepalive_requests = int(os.environ.get("GUNICORN_KEEPALIVE_REQUESTS", "100"))


def pre_request(worker, req):
    # a body the app refuses unread must not cost the client its next request on a kept connection
    # (hospitality/unread_body.py): announce the close when it is too large to drain
    close_if_body_too_large(worker, req)
    if keepalive_requests and req.req_number >= keepalive_requests:
        req.must_close = True


# Recycle workers now and then so that a slow leak never becomes an outage; jitter avoids all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Load the app once in the master and fork workers from it: a recycled worker serves within milliseconds instead of
# importing Django again for a second or two while its clients pile onto the other worker. Nothing at import opens a
# connection or starts a thread (database connections open on a worker's first request).
preload_app = os.environ.get("GUNICORN_PRELOAD", "true") != "false"
accesslog = "-"
# The access log names the path without its query string (%(U)s, not the request line): a credential sent in a query
# string is refused by the API, and must not be written down either.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
errorlog = "-"
# Behind a load balancer that terminates TLS: trust its X-Forwarded-* headers only from the addresses it uses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
