"""The preview of a large upload is checked by a Celery job: the upload leads to a page showing
the check's progress, then the preview and the confirmation a small file shows at once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from members.models import ImportJob, Member
from members.services import import_checks
from members.tasks import check_import
from members.views import imports as import_views
from tests.members.test_imports import (
    ROSTER_HEADERS,
    confirm,
    csv_upload,
    login,
    roster_row,
    upload,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Files over 3 rows are checked by the job; the ids of the checks sent to it."""
    monkeypatch.setattr(import_views, "ASYNC_ROWS", 3)
    sent = []
    monkeypatch.setattr(check_import, "delay", sent.append)
    return sent


def start(client, user, branch, rows, queued, kind="MEMBERS", file=None):
    response = upload(client, branch, kind, file or csv_upload(ROSTER_HEADERS, rows))
    assert response.status_code == 302
    check_id = queued[-1]
    assert response.url == check_url(branch, check_id)
    return check_id


def check_url(branch, check_id, progress=False):
    name = "members:import_check_progress" if progress else "members:import_check"
    return reverse(name, args=[branch.pk]) + f"?upload={check_id}"


def test_a_large_upload_is_checked_by_the_job_then_previewed_and_imported(client, cast, tree, queued):
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, [roster_row(i) for i in range(5)], queued)

    waiting = client.get(check_url(tree.branch_a1, check_id))
    check_import(check_id)
    preview = client.get(check_url(tree.branch_a1, check_id))

    html = waiting.content.decode()
    assert 'hx-trigger="every 2s"' in html and "<noscript>" in html
    assert "检查中" in html and Member.objects.count() == 0
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert (plan.total, len(plan.creates), len(plan.updates), plan.errors) == (5, 5, 0, [])
    assert len(plan.preview) == 5 and plan.preview[0].cells[0] == "党员00000"
    assert "确认导入 5 行" in preview.content.decode()
    assert Member.objects.count() == 0  # checking saves nothing

    response = confirm(client, tree.branch_a1, preview)

    job = ImportJob.objects.get()
    assert response.url == reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk])
    assert (job.status, job.created_rows) == ("DONE", 5)  # 5 rows: small for the write
    assert Member.objects.filter(branch=tree.branch_a1).count() == 5


def test_the_page_shows_the_rows_checked_so_far(client, cast, tree, queued):
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, [roster_row(i) for i in range(5)], queued)
    import_checks._save_progress(check_id, 5, 2)

    fragment = client.get(check_url(tree.branch_a1, check_id, progress=True)).content.decode()

    assert re.search(r'<progress[^>]*max="5"[^>]*value="2"', fragment)
    assert "2 / 5" in fragment


def test_the_progress_fragment_sends_htmx_to_the_preview_when_done(client, cast, tree, queued):
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, [roster_row(i) for i in range(5)], queued)
    check_import(check_id)

    response = client.get(check_url(tree.branch_a1, check_id, progress=True))

    assert response.status_code == 204
    assert response["HX-Redirect"] == check_url(tree.branch_a1, check_id)


def test_bad_rows_are_listed_and_the_file_is_not_kept(client, cast, tree, queued):
    rows = [roster_row(i) for i in range(5)]
    rows[2] = roster_row(2, 性别="未知")
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, rows, queued)
    stored = import_checks._ticket(check_id).stored_name

    check_import(check_id)
    page = client.get(check_url(tree.branch_a1, check_id))

    plan = page.context["plan"]
    assert [e.row for e in plan.errors] == [4]
    assert page.context["confirm_form"] is None
    assert "整个文件都没有导入" in page.content.decode()
    assert not import_checks._storage().exists(stored)


def test_a_file_refused_as_a_whole_says_why(client, cast, tree, queued):
    login(client, cast.secretary)
    file = csv_upload(["姓名", "备注"], [["党员", "x"] for _ in range(5)])
    check_id = start(client, cast.secretary, tree.branch_a1, None, queued, file=file)

    check_import(check_id)
    page = client.get(check_url(tree.branch_a1, check_id)).content.decode()

    assert "没有导入" in page and "缺少列：性别" in page
    assert "上传并预览" in page  # the form to upload it again


def test_an_xlsx_is_counted_by_its_dimension(client, cast, tree, queued):
    login(client, cast.secretary)
    file = xlsx_upload(ROSTER_HEADERS, [roster_row(i) for i in range(4)])

    check_id = start(client, cast.secretary, tree.branch_a1, None, queued, file=file)

    assert import_checks._ticket(check_id).rows == 4


def test_a_small_upload_is_still_previewed_in_the_request(client, cast, tree, queued):
    response = upload(
        login(client, cast.secretary), tree.branch_a1, "MEMBERS", csv_upload(ROSTER_HEADERS, [roster_row(1)])
    )

    assert response.status_code == 200 and response.context["plan"].total == 1
    assert queued == []


def test_a_check_delivered_twice_is_checked_once(client, cast, tree, queued, monkeypatch):
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, [roster_row(i) for i in range(5)], queued)
    check_import(check_id)
    calls = []
    monkeypatch.setattr(import_checks, "plan_import", lambda **kwargs: calls.append(kwargs))

    check_import(check_id)

    assert calls == []


# Who sees a check ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["committee", "org_department", "outsider"])
def test_only_the_uploader_sees_the_check(client, cast, tree, queued, role):
    """Someone else's check is 404 for whoever may otherwise import into the branch (the
    committee) as for those who do not see it; the 组织部, who may not import, gets 403."""
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, [roster_row(i) for i in range(5)], queued)
    check_import(check_id)
    login(client, getattr(cast, role))

    statuses = [
        client.get(check_url(tree.branch_a1, check_id, progress=p)).status_code for p in (False, True)
    ]

    expected = {"committee": 404, "org_department": 403, "outsider": 404}[role]
    assert statuses == [expected, expected]


def test_an_inspector_who_may_not_import_gets_403_and_anonymous_the_login(client, cast, tree, queued):
    login(client, cast.secretary)
    check_id = start(client, cast.secretary, tree.branch_a1, [roster_row(i) for i in range(5)], queued)

    assert login(client, cast.inspector).get(check_url(tree.branch_a1, check_id)).status_code == 403
    client.logout()
    response = client.get(check_url(tree.branch_a1, check_id))
    assert response.status_code == 302 and "login" in response.url


def test_a_committee_checks_its_own_upload(client, cast, tree, queued):
    login(client, cast.committee)
    check_id = start(client, cast.committee, tree.branch_a1, [roster_row(i) for i in range(5)], queued)
    check_import(check_id)

    page = client.get(check_url(tree.branch_a1, check_id))

    assert page.status_code == 200 and page.context["plan"].total == 5


def test_a_made_up_check_id_is_404(client, cast, tree):
    login(client, cast.secretary)

    for check_id in ("0" * 32, "..%2F..%2Fsecret", ""):
        assert client.get(check_url(tree.branch_a1, check_id)).status_code == 404
    assert client.get(reverse("members:import_check", args=[tree.branch_a1.pk])).status_code == 404
