"""The inbox (我的通知) and the header's bell: each role sees its own notifications and nobody
else's, marks one or all read, opens each at its object, turns reminder email off."""

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import Notification
from tests.organizations.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]


def notify(
    user, title: str = "工作安排「召开推进会」还有 3 天", url: str = "/sites/1/schedule/#item-1", **kwargs
):
    return Notification.objects.create(
        recipient=user, title=title, body="一村党支部：完成时限6月18日。", url=url, **kwargs
    )


@pytest.fixture
def letters(cast):
    """One unread notification per member of the cast, titled with their username."""
    return {
        role: notify(getattr(cast, role), title=f"给{getattr(cast, role).username}的提醒") for role in ROLES
    }


# Anonymous ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("organizations:inbox", "get", False),
        ("organizations:inbox_bell", "get", False),
        ("organizations:notification_open", "get", True),
        ("organizations:notification_read", "post", True),
        ("organizations:notifications_read_all", "post", False),
        ("organizations:reminder_email", "post", False),
    ],
)
def test_anonymous_is_sent_to_login(client, letters, name, method, args):
    url = reverse(name, args=[letters["secretary"].pk] if args else [])
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


# Each role sees its own ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_its_own_notifications(client, cast, letters, role):
    user = getattr(cast, role)
    client.force_login(user)
    response = client.get(reverse("organizations:inbox"))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"给{user.username}的提醒" in text
    for other in ROLES:
        if other != role:
            assert f"给{getattr(cast, other).username}的提醒" not in text
    assert "1 条未读" in text


def test_a_superuser_inbox_holds_only_their_own(client, letters):
    admin = UserFactory(username="t_admin", is_superuser=True, is_staff=True)
    notify(admin, title="给管理员的提醒")
    client.force_login(admin)
    text = client.get(reverse("organizations:inbox")).content.decode()
    assert "给管理员的提醒" in text and "给t_zhibu的提醒" not in text


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_404_for_someone_elses_notification(client, cast, letters, role):
    client.force_login(getattr(cast, role))
    other = letters["secretary" if role != "secretary" else "outsider"]
    assert client.get(reverse("organizations:notification_open", args=[other.pk])).status_code == 404
    assert client.post(reverse("organizations:notification_read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_outsider_gets_404_for_a_missing_notification(client, cast):
    client.force_login(cast.outsider)
    assert client.get(reverse("organizations:notification_open", args=[999999])).status_code == 404


# Opening and marking read -------------------------------------------------------------------------------


def test_opening_marks_read_and_goes_to_the_object(client, cast, letters):
    client.force_login(cast.secretary)
    letter = letters["secretary"]
    response = client.get(reverse("organizations:notification_open", args=[letter.pk]))
    assert response.status_code == 302 and response.url == "/sites/1/schedule/#item-1"
    letter.refresh_from_db()
    assert letter.read_at is not None


def test_opening_never_redirects_off_site(client, cast):
    letter = notify(cast.secretary, url="https://evil.example/phish")
    client.force_login(cast.secretary)
    response = client.get(reverse("organizations:notification_open", args=[letter.pk]))
    assert response.url == reverse("organizations:inbox")


def test_mark_one_read(client, cast, letters):
    client.force_login(cast.secretary)
    url = reverse("organizations:notification_read", args=[letters["secretary"].pk])
    response = client.post(url, {"next": reverse("organizations:inbox") + "?page=2"})
    assert response.status_code == 302 and response.url == reverse("organizations:inbox") + "?page=2"
    letters["secretary"].refresh_from_db()
    assert letters["secretary"].read_at is not None


def test_mark_one_read_in_place_with_htmx(client, cast, letters):
    client.force_login(cast.secretary)
    url = reverse("organizations:notification_read", args=[letters["secretary"].pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="notification-{letters["secretary"].pk}"' in text and "标为已读" not in text


def test_mark_read_refuses_get(client, cast, letters):
    client.force_login(cast.secretary)
    assert (
        client.get(reverse("organizations:notification_read", args=[letters["secretary"].pk])).status_code
        == 405
    )


def test_mark_all_read_touches_only_my_own(client, cast, letters):
    notify(cast.secretary, title="第二条")
    client.force_login(cast.secretary)
    response = client.post(reverse("organizations:notifications_read_all"), follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=cast.secretary, read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() == len(ROLES) - 1


def test_unread_filter(client, cast):
    notify(cast.secretary, title="已读的一条", read_at=timezone.now())
    notify(cast.secretary, title="未读的一条")
    client.force_login(cast.secretary)
    text = client.get(reverse("organizations:inbox") + "?show=unread").content.decode()
    assert "未读的一条" in text and "已读的一条" not in text


# The bell ---------------------------------------------------------------------------------------------


def test_pages_load_the_bell_after_the_page(client, cast):
    client.force_login(cast.secretary)
    text = client.get(reverse("campaigns:home")).content.decode()
    assert f'hx-get="{reverse("organizations:inbox_bell")}"' in text


@pytest.mark.parametrize("role", ROLES)
def test_the_bell_counts_my_unread(client, cast, letters, role):
    user = getattr(cast, role)
    notify(user, title="又一条")
    notify(user, title="读过的", read_at=timezone.now())
    client.force_login(user)
    response = client.get(reverse("organizations:inbox_bell"))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="我的通知，2 条未读"' in text and '<span class="button__count">2</span>' in text
    assert "hx-get" not in text


def test_the_bell_without_unread_shows_no_count(client, cast):
    client.force_login(cast.inspector)
    assert "button__count" not in client.get(reverse("organizations:inbox_bell")).content.decode()


# Reminder email ---------------------------------------------------------------------------------------


def test_turn_reminder_email_off_and_on(client, cast):
    client.force_login(cast.committee)
    response = client.post(reverse("organizations:reminder_email"), {"enabled": "0"}, follow=True)
    cast.committee.refresh_from_db()
    assert cast.committee.reminder_email is False
    assert "已关闭提醒邮件" in response.content.decode() and "开启提醒邮件" in response.content.decode()
    client.post(reverse("organizations:reminder_email"), {"enabled": "1"})
    cast.committee.refresh_from_db()
    assert cast.committee.reminder_email is True


# Queries ----------------------------------------------------------------------------------------------


# The inbox's queries: session, user; the page's count and its rows; the unread count; the
# user's roles for the top bar. None of them is per notification.
INBOX_QUERIES = 6


@pytest.mark.parametrize("count", [3, 30])
def test_inbox_queries_do_not_grow(client, cast, count, django_assert_max_num_queries):
    for i in range(count):
        notify(cast.secretary, title=f"提醒{i}")
    client.force_login(cast.secretary)
    with django_assert_max_num_queries(INBOX_QUERIES):
        response = client.get(reverse("organizations:inbox"))
    assert response.status_code == 200 and f"{count} 条未读" in response.content.decode()
