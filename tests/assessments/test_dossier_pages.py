"""The dossier's pages: who may read and ask for it (404 outside scope, 403 within it for those
who are not the branch, its 党委, the 组织部 or the acceptance team), which copy each gets,
the progress panel, asking for a rendering, and the page's query count."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessments import dossier, tasks
from assessments.models import Dossier
from members.models import Attendance, Meeting, Member, ServiceRecord
from tests.assessments.acceptance_factories import requested_site, scheduled
from tests.assessments.self_assessment_factories import approved_site
from tests.assessments.test_dossier import YEAR, year_of_records
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

PAGES = ("dossier", "dossier_progress", "dossier_pdf", "dossier_zip")


@pytest.fixture
def team(tree, cast):
    """Branch A1's site asking for acceptance, with its team: cast.inspector leads; `outside`
    is an inspector over the site who is not on it."""
    requested = requested_site(tree, cast)
    return scheduled(tree, cast, requested), requested.site


def stored(site, variant, *, pdf=b"%PDF-1.4 stored", bundle=b"PK stored") -> Dossier:
    """A rendered dossier as the job leaves it (files and state), without rendering."""
    record = Dossier(site=site, variant=variant, status=Dossier.Status.DONE, progress=100, pages=3)
    record.pdf.save(f"{variant}.pdf", ContentFile(pdf), save=False)
    record.bundle.save(f"{variant}.zip", ContentFile(bundle), save=False)
    record.fingerprint = "0" * 64
    record.rendered_at = timezone.now()
    record.save()
    return record


def get(client, user, name, site):
    if user is not None:
        client.force_login(user)
    return client.get(reverse(f"assessments:{name}", args=[site.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# Who may read it -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary"])
@pytest.mark.parametrize("name", PAGES)
def test_the_branch_its_committee_and_the_org_department_read_it(client, cast, team, role, name):
    _team, site = team
    stored(site, Dossier.Variant.FULL)
    stored(site, Dossier.Variant.MASKED)

    response = get(client, getattr(cast, role), name, site)

    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_an_inspector_on_the_team_reads_it(client, team, name):
    members, site = team
    stored(site, Dossier.Variant.MASKED)

    assert get(client, members.second, name, site).status_code == 200


@pytest.mark.parametrize("name", [*PAGES, "dossier_render"])
def test_an_inspector_not_on_the_team_gets_403(client, team, name):
    members, site = team
    stored(site, Dossier.Variant.MASKED)
    client.force_login(members.outside)

    url = reverse(f"assessments:{name}", args=[site.pk])
    response = client.post(url) if name == "dossier_render" else client.get(url)

    assert response.status_code == 403
    assert "验收小组成员" in response.content.decode()


@pytest.mark.parametrize("name", [*PAGES, "dossier_render"])
def test_an_outsider_gets_404(client, cast, team, name):
    _team, site = team
    stored(site, Dossier.Variant.MASKED)
    client.force_login(cast.outsider)

    url = reverse(f"assessments:{name}", args=[site.pk])
    response = client.post(url) if name == "dossier_render" else client.get(url)

    assert response.status_code == 404


def test_a_secretary_of_a_sibling_branch_gets_404(client, tree, team):
    _team, site = team
    sibling = UserFactory(username="t_erzhibu")
    give_role(sibling, tree.branch_a2, "BRANCH_SECRETARY")

    assert get(client, sibling, "dossier", site).status_code == 404


@pytest.mark.parametrize("name", [*PAGES, "dossier_render"])
def test_anonymous_is_sent_to_log_in(client, team, name):
    _team, site = team
    url = reverse(f"assessments:{name}", args=[site.pk])

    response = client.post(url) if name == "dossier_render" else client.get(url)

    assert response.status_code == 302 and "login" in response.url


def test_a_site_not_yet_approved_has_no_dossier(client, tree, cast):
    from campaigns.services import nominate_site
    from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)

    response = get(client, cast.secretary, "dossier", site)

    assert response.status_code == 403 and "还没有创建档案" in response.content.decode()


# Which copy --------------------------------------------------------------------------------------


def test_each_viewer_downloads_their_own_copy(client, cast, team):
    members, site = team
    stored(site, Dossier.Variant.FULL, pdf=b"%PDF full", bundle=b"PK full")
    stored(site, Dossier.Variant.MASKED, pdf=b"%PDF masked", bundle=b"PK masked")

    assert body(get(client, cast.secretary, "dossier_pdf", site)) == b"%PDF full"
    assert body(get(client, cast.org_department, "dossier_zip", site)) == b"PK full"
    assert body(get(client, cast.committee, "dossier_pdf", site)) == b"%PDF masked"
    assert body(get(client, members.lead, "dossier_zip", site)) == b"PK masked"


def test_the_downloads_are_attachments_kept_out_of_shared_caches(client, cast, team):
    _team, site = team
    stored(site, Dossier.Variant.FULL)

    pdf = get(client, cast.secretary, "dossier_pdf", site)
    bundle = get(client, cast.secretary, "dossier_zip", site)

    assert pdf["Content-Type"] == "application/pdf" and bundle["Content-Type"] == "application/zip"
    assert "attachment" in pdf["Content-Disposition"] and "2026" in pdf["Content-Disposition"]
    assert ".zip" in bundle["Content-Disposition"]
    assert pdf["Cache-Control"] == "private, no-store" and pdf["X-Content-Type-Options"] == "nosniff"


def test_a_copy_not_rendered_yet_is_not_found(client, cast, team):
    _team, site = team
    stored(site, Dossier.Variant.MASKED)  # the committee's, not the secretary's

    assert get(client, cast.secretary, "dossier_pdf", site).status_code == 404
    page = get(client, cast.secretary, "dossier", site).content.decode()
    assert "尚未生成" in page and "生成档案" in page and "完整版" in page


# Asking for it, and its progress -----------------------------------------------------------------


def test_asking_enqueues_the_viewers_copy(
    client, cast, team, monkeypatch, django_capture_on_commit_callbacks
):
    _team, site = team
    queued = []
    monkeypatch.setattr(tasks.render_site_dossier, "delay", lambda *args: queued.append(args))
    client.force_login(cast.committee)
    url = reverse("assessments:dossier_render", args=[site.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)

    assert queued == [(site.pk, Dossier.Variant.MASKED, False)]
    assert "已开始生成创建档案" in response.content.decode()
    assert "无须重新生成" in again.content.decode()
    record = Dossier.objects.get(site=site)
    assert record.requested_by == cast.committee and record.status == Dossier.Status.PENDING


def test_rendering_is_asked_by_post_only(client, cast, team):
    _team, site = team

    assert get(client, cast.secretary, "dossier_render", site).status_code == 405


def test_the_progress_panel_polls_while_the_job_runs_and_stops_when_done(client, cast, team):
    _team, site = team
    record = Dossier.objects.create(
        site=site,
        variant=Dossier.Variant.FULL,
        status=Dossier.Status.RENDERING,
        stage="正在排版第 37 页",
        progress=52,
        started_at=timezone.now(),
    )

    running = get(client, cast.secretary, "dossier_progress", site).content.decode()
    assert 'hx-trigger="every 2s"' in running and "正在排版第 37 页" in running and 'value="52"' in running
    assert "生成档案" not in running  # no second request while it runs

    record.delete()
    stored(site, Dossier.Variant.FULL)
    done = get(client, cast.secretary, "dossier_progress", site).content.decode()
    assert "hx-trigger" not in done and "下载档案 PDF" in done


def test_a_failed_job_shows_its_error_and_may_be_asked_again(client, cast, team):
    _team, site = team
    Dossier.objects.create(
        site=site, variant=Dossier.Variant.FULL, status=Dossier.Status.FAILED, error="OSError: 磁盘已满"
    )

    page = get(client, cast.secretary, "dossier", site).content.decode()

    assert "上次生成失败" in page and "磁盘已满" in page and "生成档案" in page


def test_the_page_says_when_the_records_changed_since_rendering(client, cast, team):
    _team, site = team
    stored(site, Dossier.Variant.FULL)  # fingerprint of no real content

    page = get(client, cast.secretary, "dossier", site).content.decode()

    assert "档案内容已不是最新" in page and "重新生成" in page


def test_a_current_dossier_is_not_called_stale(client, cast, team):
    _team, site = team
    record = stored(site, Dossier.Variant.FULL)
    Dossier.objects.filter(pk=record.pk).update(
        fingerprint=dossier.fingerprint(dossier.dossier_content(site, Dossier.Variant.FULL))
    )

    page = get(client, cast.secretary, "dossier", site).content.decode()

    assert "已不是最新" not in page and "下载档案.zip" in page


# Queries -----------------------------------------------------------------------------------------


def more_records(tree, times: int) -> None:
    branch = tree.branch_a1
    people = Member.objects.bulk_create(
        Member(branch=branch, name=f"加{times}-{n}", gender="M", joined_on=datetime.date(2010, 1, 1))
        for n in range(times)
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(
            organization=branch, kind=Meeting.Kind.THEME_DAY, held_on=datetime.date(YEAR, 3, 1), topic="党日"
        )
        for _ in range(times)
    )
    Attendance.objects.bulk_create(Attendance(meeting=m, member=p) for m in meetings for p in people)
    ServiceRecord.objects.bulk_create(
        ServiceRecord(member=p, served_on=datetime.date(YEAR, 4, 1), place="村", content=f"服务{p.pk}")
        for p in people
    )


def test_the_page_reads_a_fixed_number_of_queries(client, tree, cast, django_assert_max_num_queries):
    built = approved_site(tree, cast)
    year_of_records(tree, cast, built, members=3, meetings=3, services_per_member=1, evidence=False)
    stored(built.site, Dossier.Variant.FULL)
    client.force_login(cast.secretary)
    url = reverse("assessments:dossier", args=[built.site.pk])

    # session and user, the site and its phases, the viewer's roles, the dossier row, and the
    # records behind the fingerprint (`dossier_content`, about thirty) — 3 rows or 30 alike.
    with django_assert_max_num_queries(45) as few:
        assert client.get(url).status_code == 200
    more_records(tree, 30)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
