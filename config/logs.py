"""The logging configuration shared by Django (settings.LOGGING), Celery and gunicorn.

Production writes one JSON object per line to stdout — time (UTC), level, logger, message and any
`extra` fields — for a container runtime or journald to collect; development keeps readable
lines on stderr. Chinese messages stay readable in both (no \\u escapes).
"""

from __future__ import annotations

FORMATS = ("json", "text")

FORMATTERS = {
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        # ISO 8601 in UTC from every process alike (gunicorn's master has no TIME_ZONE).
        "timestamp": "time",
        "fmt": "%(levelname)s %(name)s %(message)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "json_ensure_ascii": False,
    },
    "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
}


def logging_config(fmt: str, level: str, loggers: tuple[str, ...] = ()) -> dict:
    """A `logging.config.dictConfig` dict: the root logger, plus `loggers` (which do not
    propagate, as gunicorn's own loggers must not), all through one console handler."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT 只能是 {' 或 '.join(FORMATS)}，而不是 “{fmt}”。")
    handler = {
        "class": "logging.StreamHandler",
        "formatter": fmt,
        "stream": "ext://sys.stdout" if fmt == "json" else "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {fmt: FORMATTERS[fmt]},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {name: {"handlers": ["console"], "level": level, "propagate": False} for name in loggers},
    }
