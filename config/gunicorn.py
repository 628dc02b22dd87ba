"""gunicorn's settings, read from the environment: `gunicorn -c python:config.gunicorn config.wsgi`.

The same command runs in the Docker image, in docker-compose.yml and in `make stack`
(scripts/stack.py), which sets GUNICORN_BIND per instance.
"""

import os
from pathlib import Path

import environ

from config.logs import logging_config

bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
# Synchronous workers: the pages are short and PDFs take about a second; large imports go to Celery.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (± jitter), so a slow leak cannot grow forever.
max_requests = 1000
max_requests_jitter = 100
# The heartbeat file on tmpfs: a container's overlay file system can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Two instances on one host must not fight over one default control socket; nothing uses it.
control_socket_disable = True

# The same reading of the environment as config/settings.py, for the same default log format.
env = environ.Env()
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
_production = env.str("DJANGO_ENV", default="development") == "production" or not env.bool(
    "DJANGO_DEBUG", default=True
)
if env.str("LOG_FORMAT", default="json" if _production else "text") == "json":
    # Access and error lines as JSON on stdout, like the application's own logs.
    logconfig_dict = logging_config(
        "json", env.str("LOG_LEVEL", default="INFO"), loggers=("gunicorn.error", "gunicorn.access")
    )
else:
    accesslog = "-"
