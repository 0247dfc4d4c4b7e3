"""Logging configuration shared by Django (settings.LOGGING) and gunicorn (archive/gunicorn.py).

Two formats: `json`, one JSON object per line (timestamp, level, logger, message, and any
fields a log call adds, such as a request's method, path, status and duration), and
`text`, one readable line for a developer's terminal. Everything goes to standard error,
so a management command's output on standard output is never mixed with log lines.

This module imports nothing from Django: gunicorn's master process reads it before the
application is loaded.
"""

import contextvars
import logging

from pythonjsonlogger.core import RESERVED_ATTRS

FORMATS = ("json", "text")

#: The id of the request being served in this thread or task (see archive/request_log.py).
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)

# Attributes some Django loggers attach to their records that must never be written out:
# `request` (django.request, django.server) would put the whole request, query string
# included, into the line; `server_time` duplicates the timestamp.
NEVER_LOGGED = ("request", "server_time")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record written while a request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


def logging_config(log_format: str, level: str = "INFO") -> dict:
    """A dictConfig for the given format ("json" or "text") and root level."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, got {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "archive.logs.RequestIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": ["levelname", "name", "message"],
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
                "reserved_attrs": [*RESERVED_ATTRS, *NEVER_LOGGED],
            },
            "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own configuration adds handlers of its own to these; ours replace them
            # so that each record is written once, in one format.
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            # runserver's request lines: archive.request already writes one line per request.
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
            # django-axes announces itself at every start, management commands included.
            "axes.apps": {"level": "WARNING"},
            # gunicorn's master and workers (start, stop, worker timeouts).
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            # gunicorn's access log would repeat archive.request's line without the request
            # id: it is off (see docs/production.md).
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
