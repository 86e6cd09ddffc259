"""gunicorn settings for running outside Lambda (a container or a VM): `gunicorn` reads this file from the working
directory. Every value can be overridden from the environment, as a container platform expects."""

import os

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
# Recycle workers now and then so that a slow leak never becomes an outage; jitter avoids all restarting at once.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Behind a load balancer that terminates TLS: trust its X-Forwarded-* headers only from the addresses it uses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
