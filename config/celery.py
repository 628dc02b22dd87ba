import logging.config
import os
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shifandian")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_file_broker_folders(sender, **kwargs):
    """kombu's file-system transport (the no-Redis default) needs its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@setup_logging.connect
def _log_like_django(**kwargs):
    """Workers and beat log through settings.LOGGING (JSON lines on stdout in production), the
    same as the web processes, instead of Celery's own format; LOG_LEVEL sets the level."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
