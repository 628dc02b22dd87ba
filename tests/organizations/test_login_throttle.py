"""Sign-in is throttled: after a few wrong passwords the account is locked for a while — the
right password included — and one address cannot try many accounts; NUL bytes never reach the
database."""

import pytest
from django.urls import reverse

from organizations.login import ACCOUNT_FAILURES, ADDRESS_FAILURES
from tests.organizations.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("login")


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_right_password_after_too_many_wrong_ones_is_refused_for_a_while(client):
    UserFactory(username="zhibu9", password="right-pass-123")
    for _ in range(ACCOUNT_FAILURES):
        assert attempt(client, "zhibu9", "wrong").status_code == 200
    locked = attempt(client, "ZhiBu9", "right-pass-123", ip="10.0.0.2")  # another address, other case
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "该账号登录失败次数过多" in text and "分钟后再试" in text
    assert 'value="ZhiBu9"' in text  # what was typed is kept
    assert "_auth_user_id" not in client.session


def test_a_success_clears_the_count(client):
    UserFactory(username="zhibu8", password="right-pass-123")
    for _ in range(ACCOUNT_FAILURES - 1):
        attempt(client, "zhibu8", "wrong")
    assert attempt(client, "zhibu8", "right-pass-123").status_code == 302
    client.logout()
    for _ in range(ACCOUNT_FAILURES - 1):
        attempt(client, "zhibu8", "wrong")
    assert attempt(client, "zhibu8", "right-pass-123").status_code == 302


def test_one_address_cannot_try_many_accounts(client):
    UserFactory(username="dangwei9", password="right-pass-123")
    for n in range(ADDRESS_FAILURES):
        attempt(client, f"guess{n}", "wrong", ip="10.9.9.9")
    refused = attempt(client, "dangwei9", "right-pass-123", ip="10.9.9.9")
    assert refused.status_code == 429 and "本机登录失败次数过多" in refused.content.decode()
    assert attempt(client, "dangwei9", "right-pass-123", ip="10.9.9.10").status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/board/%00/",
        "/board/%00/poster.pdf",
        "/ballot/%00/",
        "/verify/%00/",
        "/?campaign=%00",
        "/admin/?q=%00",
    ],
)
def test_a_nul_anywhere_is_refused_not_a_server_error(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_form_field_is_refused(client):
    response = client.post(URL, {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
