"""Every admin changelist on the demo county: it answers the superuser, a 党委's 组织部 clerk sees
exactly the rows `visible_to` gives them, and the demo's secretary, 党委 and inspectors do not
get in at all. The admin sits on every app's models, so its check lives with the demo data, at
the top of the dependency chain."""

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from organizations.models import Organization, Role, User
from organizations.permissions import grant_admin_access
from organizations.services import grant_role
from tests.admin_support import admin_url
from tests.organizations.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
# session, user, the user's and their groups' permissions, up to three list-filter choice lists
# or date-hierarchy bounds, the paginator's count, the unfiltered count, the rows with what
# their columns show. None per row.
CHANGELIST_QUERIES = 11
# The same, and whether the user holds a 组织部 role (the admin site's gate).
SCOPED_CHANGELIST_QUERIES = CHANGELIST_QUERIES + 1


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())


def test_every_changelist_answers_the_superuser(client, demo, django_assert_max_num_queries):
    client.force_login(User.objects.get(username="admin"))

    for model in MODELS:
        with django_assert_max_num_queries(CHANGELIST_QUERIES):
            response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model.__name__


@pytest.mark.parametrize("username", ["zhibu1", "dangwei1", "yanshou1"])
def test_demo_accounts_below_the_org_department_do_not_get_in(client, demo, username):
    client.force_login(User.objects.get(username=username))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_committee_clerk_sees_exactly_the_rows_in_scope(client, demo, django_assert_max_num_queries):
    # zhibu1's 党委, looked after by a 组织部 clerk of its own.
    committee = Role.objects.get(user__username="zhibu1").organization.nearest(
        Organization.Kind.PARTY_COMMITTEE
    )
    user = UserFactory(username="t_zzb_committee")
    grant_role(
        by=User.objects.get(username="admin"),
        user=user,
        organization=committee,
        kind=Role.Kind.ORG_DEPARTMENT,
    )
    grant_admin_access(user)
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    with_rows_elsewhere = set()

    for model in MODELS:
        with django_assert_max_num_queries(SCOPED_CHANGELIST_QUERIES):
            response = client.get(admin_url(model, "changelist"))
        if not admin.site._registry[model].has_view_permission(request):
            assert response.status_code == 403, model.__name__
            continue
        assert response.status_code == 200, model.__name__
        changelist = response.context["cl"]
        visible = set(model._default_manager.visible_to(user).values_list("pk", flat=True))
        assert {row.pk for row in changelist.result_list} <= visible, model.__name__
        if model is not Organization:  # the tree lists one level at a time
            assert changelist.result_count == len(visible), model.__name__
        if model._default_manager.count() > len(visible):
            with_rows_elsewhere.add(model.__name__)

    # The check bites: the county has rows outside the 党委 for the records a branch keeps.
    assert {
        "Site",
        "Member",
        "Meeting",
        "Attendance",
        "AuditEvent",
        "WorkItem",
        "Ballot",
    } <= with_rows_elsewhere
