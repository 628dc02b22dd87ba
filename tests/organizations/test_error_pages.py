import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_refusal_says_why_in_chinese(client, cast, tree, settings):
    settings.DEBUG = False
    from campaigns.services import nominate_site
    from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    client.force_login(cast.secretary)
    response = client.post(reverse("campaigns:site_approve", args=[site.pk]))
    assert response.status_code == 403
    assert "无权进行此操作" in response.content.decode()


def test_missing_and_forbidden_look_the_same(client, cast):
    client.force_login(cast.outsider)
    response = client.get(reverse("campaigns:site_detail", args=[99999]))
    assert response.status_code == 404
    assert "不在您的账号可以查看的范围内" in response.content.decode()


@pytest.fixture
def debug_client(settings, client):
    """A client whose requests run with DEBUG on, as under `make run`."""
    settings.DEBUG = True
    middleware = "config.errors.ChineseNotFoundMiddleware"
    settings.MIDDLEWARE = [*(m for m in settings.MIDDLEWARE if m != middleware), middleware]
    return client


def test_unknown_address_with_debug_on_gets_the_chinese_page(debug_client):
    response = debug_client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "不在您的账号可以查看的范围内" in html
    assert "Page not found" not in html and "URLconf" not in html


def test_missing_object_with_debug_on_gets_the_chinese_page(debug_client, cast):
    debug_client.force_login(cast.outsider)
    response = debug_client.get(reverse("campaigns:site_detail", args=[99999]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "不在您的账号可以查看的范围内" in html
    assert "Page not found" not in html


def test_refusal_with_debug_on_gets_the_chinese_page(debug_client, cast, tree):
    from campaigns.services import nominate_site
    from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    debug_client.force_login(cast.secretary)
    response = debug_client.post(reverse("campaigns:site_approve", args=[site.pk]))
    assert response.status_code == 403
    assert "无权进行此操作" in response.content.decode()
