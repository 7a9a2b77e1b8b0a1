"""gunicorn settings for Enquiry: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line (`--bind`, `--workers`) or with the
GUNICORN_BIND / GUNICORN_WORKERS variables, so one file serves every app server.
"""

import os

from enquiry.access_log import LOGGERS, mask_codes_in

# Behind nginx on the same machine: listen on loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and database-bound. About 2 per core.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
timeout = 60  # an upload of 52 MB on a slow phone link is read by nginx, not by gunicorn
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (bounded memory)
max_requests_jitter = 200
# Logs to stdout/stderr: journald under systemd.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss'

# The app reads the client address from X-Forwarded-For itself (ENQUIRY_PROXY_HOPS);
# gunicorn only takes the scheme (X-Forwarded-Proto) from these addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn 24+ opens a control socket at one fixed path per user; several instances on one
# machine would share it, and we do not use it (systemd sends the signals).
control_socket_disable = True


def on_starting(server):
    """Mask retrieval codes (/track/<reference>/<code>) in the access and error logs."""
    # Added in the master before any worker is forked, so every worker has the filter.
    mask_codes_in(*LOGGERS)
