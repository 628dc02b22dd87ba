"""A user's own notifications (the inbox) and their reminder-email choice: reads and writes.

The inbox is always the signed-in user's own, a superuser's too: `Notification.objects.visible_to`
lets a superuser read everyone's (in the admin), but a person's inbox holds what was sent to them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Notification, User


def inbox_of(user: User):
    """`user`'s notifications, newest first."""
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()


def mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of `user`'s notifications read (no change if it already is)."""
    if notification.recipient_id != user.pk:
        raise ValueError("只能标记自己的通知。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; how many were unread."""
    return inbox_of(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def set_reminder_email(*, user: User, enabled: bool) -> User:
    """Turn the daily reminder email on or off for `user` (the inbox is kept either way)."""
    if user.reminder_email != enabled:
        user.reminder_email = enabled
        user.save(update_fields=["reminder_email"])
    return user
