"""Where a work item or a rectification stands against its due date, for the templates.

`{% load deadlines %}`, then `{% if item|days_overdue:today %}` and
`{{ item|due_state:today }}` (overdue / soon / ""). Both ask the model (`Deadline`), which holds
the one rule; the wording of a duration is `chinese_dates.due_text`'s.
"""

import datetime

from django import template

from ..models import Deadline

register = template.Library()


@register.filter
def days_overdue(item: Deadline, today: datetime.date) -> int:
    return item.days_overdue(today)


@register.filter
def due_state(item: Deadline, today: datetime.date) -> str:
    """One of overdue, soon (due within DUE_SOON_DAYS) or "": also a CSS modifier."""
    if item.days_overdue(today):
        return "overdue"
    return "soon" if item.is_due_soon(today) else ""
