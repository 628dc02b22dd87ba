"""The signed acceptance report: enqueued on commit after signing, rendered once (again only when
forced), its PDF's text and fonts, the digest on every page and in the QR code, the audit event.

`signed_acceptance` and the `media` fixture are shared with the other 公示 tests."""

import datetime
import hashlib
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import segno
from django.utils import timezone

from assessments import report, tasks
from assessments.acceptance_sheet import acceptance_sheet
from assessments.models import Acceptance
from assessments.services.acceptance import (
    agree_score,
    raise_acceptance_rectification,
    record_findings,
    sign_acceptance,
)
from organizations.models import AuditEvent, Verb
from tests.assessments.acceptance_factories import (
    ended_survey,
    full_answers,
    requested_site,
    scheduled,
    score_all,
)

pytestmark = pytest.mark.django_db

AGREED_REASON = "两名组员意见不一，查阅原始记录后议定"
FINDINGS = "组织健全，台账规范。\n党员志愿服务有特色。"
RECTIFICATION = "补齐支委会会议记录"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="pdftotext / pdffonts (poppler-utils) 未安装",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_acceptance(tree, cast, *, extra_manual: int = 0) -> SimpleNamespace:
    """Branch A1's acceptance, scored by a team of two who differ on item 1 (agreed by the lead),
    with findings and a rectification item, a closed survey, and signed by the lead (today)."""
    requested = requested_site(tree, cast, extra_manual=extra_manual)
    team = scheduled(tree, cast, requested)
    ended_survey(requested.site, satisfied=8, fairly=1, dissatisfied=1)
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    score_all(team.acceptance, team.second, full_answers(requested.table, manual="6"))
    agree_score(
        acceptance=team.acceptance,
        indicator=requested.table.manual,
        by=team.lead,
        score="7",
        reason=AGREED_REASON,
    )
    record_findings(acceptance=team.acceptance, by=team.lead, findings=FINDINGS)
    raise_acceptance_rectification(
        acceptance=team.acceptance,
        by=team.lead,
        description=RECTIFICATION,
        owner="一村书记",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    verdict = acceptance_sheet(team.acceptance).composite.suggested_verdict
    sign_acceptance(acceptance=team.acceptance, by=team.lead, verdict=verdict)
    team.acceptance.refresh_from_db()
    return SimpleNamespace(
        acceptance=team.acceptance,
        site=requested.site,
        campaign=requested.campaign,
        table=requested.table,
        lead=team.lead,
        second=team.second,
        outside=team.outside,
    )


@pytest.fixture
def signed(tree, cast):
    return signed_acceptance(tree, cast)


def pdf_pages(pdf: bytes) -> list[str]:
    """The PDF's text page by page (pdftotext), whitespace removed: letter-spacing and line
    breaks come out as spaces."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return ["".join(page.split()) for page in text.split("\f") if page.strip()]


def rendered_pdf(acceptance: Acceptance) -> bytes:
    acceptance = report.render_report(acceptance)
    with acceptance.report.open("rb") as handle:
        return handle.read()


# Enqueued on commit --------------------------------------------------------------------------


def test_signing_enqueues_the_report_after_commit(
    tree, cast, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.render_acceptance_report, "delay", queued.append)
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)
    ended_survey(requested.site)
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    score_all(team.acceptance, team.second, full_answers(requested.table))
    verdict = acceptance_sheet(team.acceptance).composite.suggested_verdict

    with django_capture_on_commit_callbacks() as callbacks:
        sign_acceptance(acceptance=team.acceptance, by=team.lead, verdict=verdict)
        assert queued == []  # not before the commit: the worker would not find it signed

    for callback in callbacks:
        callback()
    assert queued == [team.acceptance.pk]


# Idempotent, and forced ----------------------------------------------------------------------


def test_the_task_renders_once_and_a_rerun_leaves_the_report_alone(signed):
    digest = tasks.render_acceptance_report(signed.acceptance.pk)
    first = Acceptance.objects.get(pk=signed.acceptance.pk)

    assert digest == first.report_content_sha256 and report.is_digest(digest)
    assert first.report.name.startswith(f"reports/{timezone.now().year}/验收报告-一村党支部-")
    assert first.report_rendered_at is not None

    assert tasks.render_acceptance_report(signed.acceptance.pk) == digest
    again = Acceptance.objects.get(pk=signed.acceptance.pk)
    assert again.report_rendered_at == first.report_rendered_at
    assert again.report.name == first.report.name
    assert AuditEvent.objects.filter(verb=Verb.ISSUE_REPORT).count() == 1


def test_force_renders_again_with_the_same_content_digest(signed, django_capture_on_commit_callbacks):
    first = report.render_report(signed.acceptance)
    old_path = first.report.path

    with django_capture_on_commit_callbacks(execute=True):
        forced = report.render_report(signed.acceptance, force=True)

    assert forced.report_rendered_at > first.report_rendered_at
    assert forced.report_content_sha256 == first.report_content_sha256  # nothing it states changed
    assert forced.report.name != first.report.name
    assert not Path(old_path).exists()  # the replaced file is removed after the commit
    assert Path(forced.report.path).exists()
    assert AuditEvent.objects.filter(verb=Verb.ISSUE_REPORT).count() == 2


def test_the_task_retries_a_transient_error(signed, monkeypatch):
    real = report.render_report
    calls = []

    def flaky(acceptance, *, force=False):
        calls.append(acceptance.pk)
        if len(calls) == 1:
            raise OSError("存储暂时不可用")
        return real(acceptance, force=force)

    monkeypatch.setattr(report, "render_report", flaky)

    result = tasks.render_acceptance_report.apply(args=[signed.acceptance.pk])

    assert result.successful()
    assert len(calls) == 2
    assert Acceptance.objects.get(pk=signed.acceptance.pk).report_rendered_at is not None


def test_an_unsigned_or_missing_acceptance_is_not_rendered(tree, cast):
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)

    assert tasks.render_acceptance_report(team.acceptance.pk) == ""
    assert tasks.render_acceptance_report(999_999) == ""
    with pytest.raises(ValueError, match="尚未签署"):
        report.render_report(team.acceptance)
    assert not Acceptance.objects.get(pk=team.acceptance.pk).report


def test_issuing_is_recorded_on_the_sites_history_by_the_system(signed):
    rendered = report.render_report(signed.acceptance)

    event = AuditEvent.objects.about(signed.site).get(verb=Verb.ISSUE_REPORT)
    assert event.actor is None
    assert rendered.report_content_sha256 in event.summary


# The file and its hashes ---------------------------------------------------------------------


def test_the_stored_file_hash_is_the_pdfs_sha256(signed):
    pdf = rendered_pdf(signed.acceptance)
    acceptance = Acceptance.objects.get(pk=signed.acceptance.pk)

    assert pdf.startswith(b"%PDF")
    assert acceptance.report_sha256 == hashlib.sha256(pdf).hexdigest()
    assert acceptance.report_sha256 != acceptance.report_content_sha256


def test_the_content_digest_is_stable_and_follows_what_the_report_states(signed):
    acceptance = Acceptance.objects.get(pk=signed.acceptance.pk)
    first = report.report_content(report.report_data(acceptance))

    assert report.content_digest(first) == report.content_digest(
        report.report_content(report.report_data(acceptance))
    )
    changed = {**first, "composite": {**first["composite"], "total": "99"}}
    assert report.content_digest(changed) != report.content_digest(first)
    assert first["composite"]["total"] == report.rules.fmt(acceptance.composite_score)
    assert first["team"] == [{"name": "验收组员", "lead": True}, {"name": "第二组员", "lead": False}]


def test_the_qr_code_opens_the_public_check_of_the_digest(signed, settings):
    settings.SITE_URL = "https://dangjian.example.gov.cn/"
    html, digest = report.report_html(signed.acceptance)

    url = f"https://dangjian.example.gov.cn/verify/{digest}/"
    assert report.verify_url(digest) == url
    assert segno.make(url, error="m").svg_data_uri(scale=4, border=2) in html


# What the PDF says -------------------------------------------------------------------------


@needs_poppler
def test_every_page_has_its_number_and_the_digest(tree, cast):
    built = signed_acceptance(tree, cast, extra_manual=30)
    pdf = rendered_pdf(built.acceptance)
    digest = Acceptance.objects.get(pk=built.acceptance.pk).report_content_sha256

    pages = pdf_pages(pdf)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页·校验码{digest}" in page


@needs_poppler
def test_the_pdf_states_the_site_the_scores_and_the_result(signed):
    pdf = rendered_pdf(signed.acceptance)
    acceptance = Acceptance.objects.get(pk=signed.acceptance.pk)
    text = "".join(pdf_pages(pdf))

    for expected in (
        "基层党建示范点现场验收报告",
        "一村党支部",
        "验收",
        signed.campaign.name,
        "第一党委",
        "验收组员（组长）、第二组员",
        report.rules.fmt(acceptance.composite_score),
        acceptance.get_verdict_display(),
        "组织建设",
        "班子建设",
        "每月召开支委会1次",  # the criteria, as written
        "组长议定：" + "".join(AGREED_REASON.split()),
        "一票否决项核查",
        "发生严重违纪",
        "满意率90%",
        "发放12张，收回有效票10张，参与率83.33%",
        "系统计算数据",
        "".join(FINDINGS.split()),
        RECTIFICATION,
        "待整改",
        "验收小组签名",
        report.verify_url(acceptance.report_content_sha256),
    ):
        assert expected in text, expected


@needs_poppler
def test_the_pdf_embeds_a_cjk_font(signed):
    acceptance = report.render_report(signed.acceptance)

    fonts = subprocess.run(["pdffonts", acceptance.report.path], capture_output=True, check=True)
    lines = fonts.stdout.decode().splitlines()[2:]
    cjk = [line for line in lines if "CJK" in line]
    assert cjk, lines
    # Columns: name, type…, encoding, emb, sub, uni: every CJK font is embedded.
    assert all(line.split()[-5] == "yes" for line in cjk), cjk
