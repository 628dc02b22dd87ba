"""The inbox (我的通知): the signed-in user's notifications, the header's bell, marking read and
the reminder-email choice.

Every row is found among the user's own notifications (`notifications.inbox_of`): someone else's
notification and a missing one both answer 404. Marking read works as a plain form that returns
to the list; with htmx it posts in place and the response is the notification's row.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import notifications

PER_PAGE = 20


@login_required
@require_GET
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    rows = notifications.inbox_of(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/inbox.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread": notifications.unread_count(request.user),
            "filter_query": "show=unread" if unread_only else "",
        },
    )


@login_required
@require_GET
def bell(request):
    """The header's bell with the unread count; base.html loads it after the page (htmx), so
    no page pays for the count in its own queries."""
    return render(
        request,
        "partials/inbox_bell.html",
        {"unread": notifications.unread_count(request.user), "loaded": True},
    )


@login_required
@require_GET
def open_notification(request, pk: int):
    """Open a notification: mark it read and go to what it is about (or back to the list)."""
    notification = get_object_or_404(notifications.inbox_of(request.user), pk=pk)
    notifications.mark_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("organizations:inbox")


@login_required
@require_POST
def read(request, pk: int):
    notification = get_object_or_404(notifications.inbox_of(request.user), pk=pk)
    notifications.mark_read(user=request.user, notification=notification)
    if request.htmx:
        return render(request, "organizations/_notification.html", {"notification": notification})
    return redirect(_back(request))


@login_required
@require_POST
def read_all(request):
    count = notifications.mark_all_read(user=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
    return redirect(_back(request))


@login_required
@require_POST
def reminder_email(request):
    enabled = request.POST.get("enabled") == "1"
    notifications.set_reminder_email(user=request.user, enabled=enabled)
    if enabled:
        messages.success(request, "已开启提醒邮件：每天有到期事项时，会把提醒汇总成一封邮件发给您。")
    else:
        messages.success(request, "已关闭提醒邮件：到期提醒仍会出现在“我的通知”中。")
    return redirect("organizations:inbox")


def _back(request) -> str:
    """The inbox page the form was posted from (its page and filter), or the inbox."""
    back = request.POST.get("next", "")
    inbox_url = reverse("organizations:inbox")
    if back.startswith(inbox_url) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return inbox_url
