"""Celery jobs of the campaigns app. Thin: they take plain values and call the code that works."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import reminders


@shared_task(ignore_result=False)
def send_deadline_reminders(day: str | None = None) -> dict:
    """Beat's daily job: send the reminders due on `day` (YYYY-MM-DD; default: today in
    Asia/Shanghai) that no earlier run sent. Idempotent: a rerun sends nothing."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    run = reminders.send_deadline_reminders(today)
    return {"date": today.isoformat(), "found": len(run.found), "sent": len(run.sent), "emails": run.emails}
