import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-CN"' in html
    assert "基层党建示范点创建管理系统" in html
    assert "用户名" in html
    assert "密码" in html


def test_good_login_goes_home(client, cast):
    response = client.post(reverse("login"), {"username": "t_zhibu", "password": "demo12345"})

    assert response.status_code == 302
    assert response.url == reverse("campaigns:home")


def test_bad_login_says_so_in_chinese_and_keeps_the_username(client, cast):
    response = client.post(reverse("login"), {"username": "t_zhibu", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "请输入一个正确的用户名和密码" in html
    assert 'value="t_zhibu"' in html
    assert "wrong" not in html


def test_login_returns_to_the_page_asked_for(client, cast):
    response = client.post(
        reverse("login"), {"username": "t_zhibu", "password": "demo12345", "next": "/sites/1/"}
    )

    assert response.status_code == 302
    assert response.url == "/sites/1/"


@pytest.mark.parametrize("url", ["/", "/sites/1/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_logout_is_a_post_and_returns_to_login(client, cast):
    client.force_login(cast.secretary)

    page = client.get(reverse("campaigns:home")).content.decode()
    response = client.post(reverse("logout"))

    assert f'action="{reverse("logout")}"' in page
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("campaigns:home")).status_code == 302
