"""Dates and deadlines written the Chinese way, one form everywhere.

`{% load chinese_dates %}`, then `{{ day|chinese_date }}` → 2026年6月15日 (a datetime is shown
as its Beijing date), `{{ day|chinese_date:"short" }}` → 6月15日, and
`{{ item.due_on|due_text:today }}` → 逾期 17 天 / 今天到期 / 还有 3 天 (whole days, never Django's
“2 周，3 日”). Python code that words a message imports the same functions.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def chinese_date(value: datetime.date | None, form: str = "") -> str:
    """2026年6月15日, or 6月15日 with form "short"; "" for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if form == "short":
        return f"{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def due_text(due_on: datetime.date | None, today: datetime.date) -> str:
    """How a due date stands on `today`: 逾期 N 天, 今天到期 or 还有 N 天 ("" for no date).

    Whether the thing is still open is the caller's question: a done item shows no deadline.
    """
    if due_on is None or today is None or due_on == "":
        return ""
    days = (due_on - today).days
    if days < 0:
        return f"逾期 {-days} 天"
    if days == 0:
        return "今天到期"
    return f"还有 {days} 天"
