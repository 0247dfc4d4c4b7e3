"""gunicorn's configuration: `gunicorn -c archive/gunicorn.py archive.wsgi` (make serve-prod).

Read from the environment, like archive/settings.py:

- BIND (127.0.0.1:8000): the address, or `unix:/run/archive.sock`, the proxy talks to;
- WEB_CONCURRENCY (2): worker processes, one request each at a time;
- FORWARDED_ALLOW_IPS (127.0.0.1,::1): the proxies whose X-Forwarded-* headers gunicorn
  trusts for the request's scheme (Django reads X-Forwarded-Proto itself, see
  SECURE_PROXY_SSL_HEADER);
- LOG_FORMAT, LOG_LEVEL: as for Django, so gunicorn's own lines look like the archive's.

gunicorn's access log is off: the archive writes one line per request itself, with the
request id (archive/request_log.py), and a second line per request would only repeat it.
"""

import os

from archive.logs import logging_config

wsgi_app = "archive.wsgi:application"
bind = [os.environ.get("BIND") or "127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
# Loading the application before forking makes a bad configuration (no SECRET_KEY, say) stop
# gunicorn at once with Django's message, instead of workers failing one after another.
preload_app = True

# A request that takes longer than this is a bug: the worker is restarted.
timeout = 30
# On SIGTERM (a deploy, a stop), requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak never grows; but rarely: a new worker
# starts with an empty local-memory cache, and at 1,000 requests a worker was replaced every
# second or two under load, halving throughput (docs/performance.md). MAX_REQUESTS=0 never.
max_requests = int(os.environ.get("MAX_REQUESTS") or 100_000)
max_requests_jitter = max_requests // 10

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
proc_name = "editorial-archive"
# No control socket (gunicornc): signals do the same, and instances never share its path.
control_socket_disable = True

_debug = os.environ.get("DEBUG", "").lower() in {"1", "true", "yes", "on"}
accesslog = None
logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT") or ("text" if _debug else "json"),
    os.environ.get("LOG_LEVEL") or "INFO",
)
