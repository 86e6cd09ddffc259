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
# A body the app refuses unread must not cost the client its next request on a kept connection
# (hospitality/unread_body.py): announce the close when it is too large to drain.
pre_request = close_if_body_too_large
# Recycle workers now and then so that a slow leak never becomes an outage; jitter avoids all restarting at once.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The access log names the path without its query string (%(U)s, not the request line): a credential sent in a query
# string is refused by the API, and must not be written down either.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
errorlog = "-"
# Behind a load balancer that terminates TLS: trust its X-Forwarded-* headers only from the addresses it uses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
