"""The dossier (创建档案): what it states in which order, its contents' page numbers, the copy
each viewer gets, rendering only on change, the ZIP beside it, and the job's progress.

`year_of_records` gives branch A1 a year of records through the services where they exist
(plan, leading group, schedule, funding, supervision and rectification, evidence) and the
factories for the branch's own registers; the page tests and the bench use it too.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from assessments import dossier, tasks
from assessments.models import Dossier
from assessments.services.self_assessment import save_indicator_score, upload_evidence
from assessments.services.summary import approve_work_summary, save_work_summary, submit_work_summary
from campaigns.models import Funding, LeadingGroupMember, Rectification, SupervisionVisit, WorkItem
from campaigns.services import (
    answer_rectification,
    close_rectification,
    complete_work_item,
    record_supervision_visit,
    save_funding,
    save_leading_group_member,
    save_work_item,
    update_site_plan,
)
from members.models import (
    Attendance,
    Household,
    Meeting,
    MeetingPhoto,
    Member,
    Pairing,
    Plaque,
    ServiceRecord,
)
from tests.assessments.self_assessment_factories import approved_site, complete_answers
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="pdftotext / pdfinfo (poppler-utils) 未安装",
)
YEAR = 2026
SECRET_ID = valid_id_number(datetime.date(1980, 5, 17), male=True, sequence=7)
SECRET_PHONE = "13912345678"
HOUSEHOLD_PHONE = "13700001111"


def photo_bytes(size=(1600, 1200), color=(180, 40, 40), kind="JPEG") -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # stripes, so the picture is not one colour
        image.paste((250, 250, 250), (x, 0, x + 8, size[1]))
    image.save(out, kind)
    return out.getvalue()


def pdf_bytes(text: str = "meeting minutes") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + text.encode()
    )


def year_of_records(
    tree,
    cast,
    built,
    *,
    members: int = 6,
    meetings: int = 4,
    services_per_member: int = 3,
    meeting_photos: int = 1,
    evidence: bool = True,
    summary: bool = True,
) -> SimpleNamespace:
    """Branch A1's year: plan, leading group, schedule, funding, supervision with a closed
    rectification and its evidence, members (the first with `SECRET_ID` and `SECRET_PHONE`),
    meetings with attendance and photos, verified services, households, pairings, plaques, the
    self-assessment answered with a photo and a PDF as evidence, and an approved summary.
    `built` is `approved_site(...)` (the site still 批准创建)."""
    site, campaign, secretary = built.site, built.campaign, cast.secretary
    branch = tree.branch_a1
    update_site_plan(
        site=site,
        by=secretary,
        plan="一、指导思想\n以党建引领乡村振兴。\n二、目标任务\n建成星级服务示范点。",
        highlights="党员星级服务七步法",
        plan_file=SimpleUploadedFile("创建方案.pdf", pdf_bytes("plan"), "application/pdf"),
    )
    save_leading_group_member(site=site, by=secretary, name="王书记", position="LEADER", title="村党支部书记")
    save_leading_group_member(site=site, by=secretary, name="李委员", position="MEMBER", duty="台账资料")
    first = save_work_item(
        campaign=campaign, site=site, by=secretary, title="召开创建动员会", due_on=datetime.date(YEAR, 4, 10)
    )
    complete_work_item(item=first, by=secretary, done_on=datetime.date(YEAR, 4, 8))
    save_work_item(
        campaign=campaign, site=site, by=secretary, title="建成党员活动室", due_on=datetime.date(YEAR, 10, 31)
    )
    save_funding(
        site=site, by=secretary, source=Funding.Source.FISCAL, amount=Decimal("30000"), spent=Decimal("12000")
    )
    save_funding(site=site, by=secretary, source=Funding.Source.SELF_RAISED, amount=Decimal("5000"))
    visit = record_supervision_visit(
        site=site,
        by=cast.org_department,
        visited_on=datetime.date(YEAR, 6, 18),
        method=SupervisionVisit.Method.RANDOM_SURVEY,
        findings="星级服务卡填写规范；公示内容偏少。",
        rectifications=[
            {"description": "补充公示栏服务项目", "owner": "王书记", "due_on": datetime.date(YEAR, 7, 31)}
        ],
    )
    item = visit.rectifications.get()
    answer_rectification(
        item=item,
        by=secretary,
        response="已补充 6 项服务内容",
        evidence=SimpleUploadedFile("整改照片.jpg", photo_bytes(color=(40, 120, 40)), "image/jpeg"),
    )
    close_rectification(item=item, by=cast.org_department, closed_on=datetime.date(YEAR, 8, 2))

    people = []
    for n in range(members):
        people.append(
            Member.objects.create(
                branch=branch,
                group=tree.group_a1 if n % 2 else None,
                name=f"党员{n:03d}",
                gender="M" if n % 3 else "F",
                id_number=SECRET_ID
                if n == 0
                else valid_id_number(datetime.date(1970, 1, 1), male=True, sequence=n + 20),
                phone=SECRET_PHONE if n == 0 else f"1380000{n:04d}",
                joined_on=datetime.date(2010, 7, 1),
                skills="农机维修" if n == 0 else "",
            )
        )
    for n in range(meetings):
        meeting = Meeting.objects.create(
            organization=branch,
            kind=[Meeting.Kind.COMMITTEE_MEETING, Meeting.Kind.GENERAL_MEETING, Meeting.Kind.PARTY_LECTURE][
                n % 3
            ],
            held_on=datetime.date(YEAR, 1 + n % 11, 10),
            topic=f"学习会议第{n + 1}次",
            location="村部会议室",
            host="王书记",
            recorder="李委员",
            agenda="1. 学习文件\n2. 研究工作",
            resolutions="同意",
        )
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                member=person,
                status=Attendance.Status.EXCUSED if i == 1 else Attendance.Status.PRESENT,
                reason="外出务工" if i == 1 else "",
            )
            for i, person in enumerate(people)
        )
        for p in range(meeting_photos):
            MeetingPhoto.objects.create(
                meeting=meeting,
                image=SimpleUploadedFile(
                    f"m{n}-{p}.jpg", photo_bytes(color=(30, 60 + p * 40, 160)), "image/jpeg"
                ),
                caption=f"会场{p + 1}",
            )
    now = timezone.now()
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            member=person,
            served_on=datetime.date(YEAR, 1 + k % 11, 1 + (i + k) % 27),
            place="村委会",
            content=f"志愿服务{i}-{k}",
            verified_at=now,
        )
        for i, person in enumerate(people)
        for k in range(services_per_member * (i + 1))
    )
    household = Household.objects.create(
        branch=branch,
        name="张大爷",
        category=Household.Category.HARDSHIP,
        phone=HOUSEHOLD_PHONE,
        address="一村3组",
    )
    if people:
        Pairing.objects.create(member=people[0], household=household, started_on=datetime.date(YEAR, 3, 1))
        Plaque.objects.create(
            member=people[0],
            title=Plaque.Title.FIVE_STAR_HOUSEHOLD,
            method=Plaque.Method.BRANCH_SELECTION,
            year=YEAR,
            awarded_on=datetime.date(YEAR, 11, 30),
        )

    table = built.table
    for indicator, raw in complete_answers(table).items():
        save_indicator_score(site=site, indicator=indicator, by=secretary, raw=raw)
    if evidence:
        upload_evidence(
            site=site,
            indicator=table.manual,
            file=SimpleUploadedFile("支委会记录.jpg", photo_bytes(color=(200, 160, 30)), "image/jpeg"),
            by=secretary,
        )
        upload_evidence(
            site=site,
            indicator=table.manual,
            file=SimpleUploadedFile("会议纪要.pdf", pdf_bytes("evidence"), "application/pdf"),
            by=secretary,
        )
    if summary:
        dimensions = list(table.framework.dimensions.order_by("order", "id"))
        save_work_summary(
            site=site,
            by=secretary,
            dimension_texts={d.pk: f"{d.name}方面：按月召开支委会，落实三会一课。" for d in dimensions},
            highlights="星级服务七步法",
            figures="2026年召开支委会 12 次",
            problems="台账整理不够及时",
            next_steps="完善星级服务公示栏",
        )
        submit_work_summary(site=site, by=secretary)
        approve_work_summary(site=site, by=cast.committee, note="同意")
    return SimpleNamespace(site=site, campaign=campaign, table=table, members=people, rectification=item)


@pytest.fixture
def year(tree, cast):
    built = approved_site(tree, cast)
    return year_of_records(tree, cast, built)


# Helpers reading a rendered PDF ----------------------------------------------------------------


def rendered(site, variant=Dossier.Variant.FULL, **kwargs) -> Dossier:
    result = dossier.render_dossier(site, variant, **kwargs)
    return result if result is not None else Dossier.objects.get(site=site, variant=variant)


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def page_count(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_text(pdf: bytes, number: int) -> str:
    """One page's text (pdftotext -f N -l N), whitespace removed."""
    out = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return "".join(out.split())


def all_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return "".join(out.split())


HEADINGS = [
    "一、创建方案",
    "二、领导小组",
    "三、工作安排",
    "四、三会一课",
    "五、党员星级服务",
    "六、帮扶结对与挂牌",
    "七、经费",
    "八、督导与整改",
    "九、基层自评",
    "十、创建工作总结",
]


def toc_entries(pdf: bytes) -> list[tuple[str, int]]:
    """(heading, page) as the contents page (page 2) prints them, with leader dots between."""
    text = page_text(pdf, 2)
    return [(m[1], int(m[2])) for m in re.finditer(r"([一二三四五六七八九十]+、[^.]+?)\.{3,}(\d+)", text)]


# What it states, in which order ------------------------------------------------------------------


@needs_poppler
def test_the_sections_are_all_there_in_order(year):
    pdf = read(rendered(year.site).pdf)
    text = all_text(pdf)

    body = text[text.index("十、创建工作总结") + 1 :]  # past the contents page
    positions = [body.index(heading) for heading in HEADINGS[1:]]
    assert positions == sorted(positions)
    assert "验收结果" not in text  # not before an acceptance is signed
    assert page_text(pdf, 1).startswith("示范区工委")
    cover = page_text(pdf, 1)
    assert "基层党建示范点创建档案" in cover and "一村党支部" in cover and "2026年度" in cover
    assert "盖章处" in cover and "党支部（盖章）" in cover


@needs_poppler
def test_each_section_prints_its_records(year):
    text = all_text(read(rendered(year.site).pdf))

    for expected in (
        "以党建引领乡村振兴",  # the plan
        "王书记",  # the leading group
        "召开创建动员会",  # the schedule …
        "按时完成",  # … with its completion
        "学习会议第4次",  # a meeting …
        "党员001（请假：外出务工）",  # … with its attendance
        "志愿服务5-17",  # a service record
        "五星党员志愿者",  # the star board
        "张大爷",  # a household
        "五星级党员示范户",  # a plaque
        "30,000.00",  # funding
        "补充公示栏服务项目",  # a rectification …
        "2026年8月2日",  # … and its closing
        "按月召开",  # the self-assessment's narrative
        "星级服务七步法",  # the summary
    ):
        assert expected in text, expected


@needs_poppler
def test_after_signing_the_acceptance_result_comes_last(tree, cast):
    from tests.assessments.test_report import signed_acceptance

    signed = signed_acceptance(tree, cast)
    pdf = read(rendered(signed.site).pdf)
    text = all_text(pdf)

    assert "十一、验收结果" in text
    assert text.rindex("十一、验收结果") > text.rindex("十、创建工作总结")
    assert signed.acceptance.get_verdict_display() in text[text.rindex("十一、验收结果") :]
    assert [title for title, _ in toc_entries(pdf)][-1] == "十一、验收结果"


@needs_poppler
def test_the_contents_page_numbers_are_the_pages_the_sections_start_on(year):
    pdf = read(rendered(year.site).pdf)
    entries = toc_entries(pdf)

    assert [title for title, _ in entries] == HEADINGS
    pages = [page for _, page in entries]
    assert pages == sorted(pages) and pages[0] == 3
    for title, page in entries:
        assert title in page_text(pdf, page), (title, page)
        if page - 1 > 2:
            assert title not in page_text(pdf, page - 1), (title, page)
    assert page_count(pdf) == rendered(year.site).pages


@needs_poppler
def test_every_page_but_the_cover_is_numbered_with_the_fingerprint(year):
    record = rendered(year.site)
    pdf = read(record.pdf)
    total = page_count(pdf)

    assert "第1页" not in page_text(pdf, 1)
    for number in range(2, total + 1):
        assert f"第{number}页共{total}页" in page_text(pdf, number)
        assert record.fingerprint[:16] in page_text(pdf, number)


@needs_poppler
def test_evidence_images_are_embedded_and_other_files_listed_with_their_sha256(year):
    record = rendered(year.site)
    pdf = read(record.pdf)
    text = all_text(pdf)
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True)
    images = [line for line in listing.stdout.decode().splitlines()[2:] if line.strip()]

    # the meeting photos (4), the rectification photo and the self-assessment's photo
    assert len(images) == 6
    widths = {int(line.split()[3]) for line in images}
    assert max(widths) == dossier.MAX_EDGE  # scaled down from 1600, not kept at full size
    evidence_pdf = year.site.self_assessment.evidence.get(original_name="会议纪要.pdf")
    assert evidence_pdf.sha256 in text
    assert "附件9-2" in text and "会议纪要.pdf" in text


# Personal data per viewer -------------------------------------------------------------------------


def test_who_gets_which_copy(tree, cast, year):
    site = year.site

    assert dossier.variant_for(cast.secretary, site) == Dossier.Variant.FULL
    assert dossier.variant_for(cast.org_department, site) == Dossier.Variant.FULL
    assert dossier.variant_for(cast.committee, site) == Dossier.Variant.MASKED
    assert dossier.variant_for(cast.inspector, site) == Dossier.Variant.MASKED


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13912345678", "139****5678"), ("0731-84123456", "073******3456"), ("84123", "***23"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert dossier.mask_phone(phone) == masked


@needs_poppler
def test_the_masked_copy_hides_id_numbers_and_phones_and_the_full_one_shows_them(year):
    full = all_text(read(rendered(year.site, Dossier.Variant.FULL).pdf))
    masked_record = rendered(year.site, Dossier.Variant.MASKED)
    masked = all_text(read(masked_record.pdf))

    assert SECRET_ID in full and SECRET_PHONE in full and HOUSEHOLD_PHONE in full
    for secret in (SECRET_ID, SECRET_PHONE, HOUSEHOLD_PHONE):
        assert secret not in masked
    assert year.members[0].masked_id_number in masked
    assert dossier.mask_phone(SECRET_PHONE) in masked and dossier.mask_phone(HOUSEHOLD_PHONE) in masked
    assert "脱敏版" in masked and "脱敏版" not in full.replace("完整版", "")


def test_each_copy_is_stored_on_its_own(year):
    full = rendered(year.site, Dossier.Variant.FULL)
    masked = rendered(year.site, Dossier.Variant.MASKED)

    assert Dossier.objects.filter(site=year.site).count() == 2
    assert full.fingerprint != masked.fingerprint
    assert full.pdf.name != masked.pdf.name and full.bundle.name != masked.bundle.name
    assert read(full.pdf) != read(masked.pdf)
    # rendering one copy again leaves the other alone
    assert dossier.render_dossier(year.site, Dossier.Variant.MASKED, force=True) is not None
    assert Dossier.objects.get(pk=full.pk).rendered_at == full.rendered_at


# Rendered again only when something it states changed ---------------------------------------------


def test_the_same_records_are_not_rendered_again(year, django_capture_on_commit_callbacks):
    first = rendered(year.site)

    assert dossier.render_dossier(year.site, Dossier.Variant.FULL) is None
    with django_capture_on_commit_callbacks() as callbacks:
        _record, queued = dossier.request_dossier(site=year.site, variant=Dossier.Variant.FULL, by=None)
    assert not queued and callbacks == []
    again = Dossier.objects.get(pk=first.pk)
    assert again.rendered_at == first.rendered_at and again.pdf.name == first.pdf.name


def test_a_changed_record_renders_a_new_dossier_and_removes_the_old_files(
    year, cast, django_capture_on_commit_callbacks
):
    first = rendered(year.site)
    old_pdf, old_zip = first.pdf.path, first.bundle.path

    save_funding(
        site=year.site, by=cast.secretary, source=Funding.Source.RETAINED_DUES, amount=Decimal("800")
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = dossier.render_dossier(year.site, Dossier.Variant.FULL)

    assert second is not None and second.fingerprint != first.fingerprint
    assert "800.00" in all_text(read(second.pdf))
    assert not os.path.exists(old_pdf) and not os.path.exists(old_zip)


def test_the_cover_date_alone_does_not_make_it_stale(year):
    first = rendered(year.site, today=datetime.date(2026, 12, 1))

    assert dossier.render_dossier(year.site, Dossier.Variant.FULL, today=datetime.date(2026, 12, 1)) is None
    content = dossier.dossier_content(year.site, Dossier.Variant.FULL, today=datetime.date(2026, 12, 1))
    assert dossier.fingerprint(content) == first.fingerprint


def test_a_new_evidence_file_changes_the_fingerprint(tree, cast):
    built = approved_site(tree, cast)
    before = dossier.fingerprint(dossier.dossier_content(built.site, Dossier.Variant.FULL))

    upload_evidence(
        site=built.site,
        indicator=built.table.manual,
        file=SimpleUploadedFile("签到表.png", photo_bytes(kind="PNG"), "image/png"),
        by=cast.secretary,
    )

    after = dossier.fingerprint(dossier.dossier_content(built.site, Dossier.Variant.FULL))
    assert after != before


# The ZIP -------------------------------------------------------------------------------------------


def test_the_zip_holds_the_pdf_and_every_evidence_file_named_by_section_and_number(year):
    record = rendered(year.site)
    data = read(record.bundle)

    assert hashlib.sha256(data).hexdigest() == record.bundle_sha256
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = bundle.namelist()
        assert names[0] == "档案.pdf"
        assert bundle.read("档案.pdf") == read(record.pdf)
        assert hashlib.sha256(bundle.read("档案.pdf")).hexdigest() == record.pdf_sha256
        assert set(names[1:-1]) == {
            "01-创建方案/01-01-创建方案.pdf",
            "04-三会一课/04-01-会场1.jpg",
            "04-三会一课/04-02-会场1.jpg",
            "04-三会一课/04-03-会场1.jpg",
            "04-三会一课/04-04-会场1.jpg",
            "08-督导与整改/08-01-整改照片.jpg",
            "09-基层自评/09-01-支委会记录.jpg",
            "09-基层自评/09-02-会议纪要.pdf",
        }
        assert names[-1] == dossier.MANIFEST
        manifest = dict(
            reversed(line.split("  ", 1)) for line in bundle.read(dossier.MANIFEST).decode().splitlines()
        )
        assert set(manifest) == set(names[:-1])
        for name in names[:-1]:
            assert hashlib.sha256(bundle.read(name)).hexdigest() == manifest[name], name
        evidence = {e.original_name: e for e in year.site.self_assessment.evidence.all()}
        assert manifest["09-基层自评/09-02-会议纪要.pdf"] == evidence["会议纪要.pdf"].sha256
        with evidence["支委会记录.jpg"].file.open("rb") as original:
            assert (
                bundle.read("09-基层自评/09-01-支委会记录.jpg") == original.read()
            )  # the original, not scaled
    assert record.attachments == 8


def test_a_missing_evidence_file_is_listed_as_missing_and_left_out_of_the_zip(year):
    evidence = year.site.self_assessment.evidence.get(original_name="会议纪要.pdf")
    evidence.file.storage.delete(evidence.file.name)

    record = rendered(year.site)

    with zipfile.ZipFile(io.BytesIO(read(record.bundle))) as bundle:
        assert "09-基层自评/09-02-会议纪要.pdf" not in bundle.namelist()
    assert record.attachments == 7
    if shutil.which("pdftotext"):
        assert "文件缺失，未能装订" in all_text(read(record.pdf))


# The job ------------------------------------------------------------------------------------------


def test_asking_enqueues_the_job_on_commit_once(year, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.render_site_dossier, "delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        record, enqueued = dossier.request_dossier(site=year.site, variant=Dossier.Variant.MASKED, by=None)
        assert queued == []
    assert enqueued and queued == [(year.site.pk, Dossier.Variant.MASKED, False)]
    assert record.status == Dossier.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        _again, enqueued = dossier.request_dossier(site=year.site, variant=Dossier.Variant.MASKED, by=None)
    assert not enqueued and len(queued) == 1  # already queued


def test_a_lost_job_may_be_asked_for_again(year, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.render_site_dossier, "delay", lambda *args: None)
    dossier.request_dossier(site=year.site, variant=Dossier.Variant.FULL, by=None)
    Dossier.objects.update(requested_at=timezone.now() - dossier.STALE_JOB - datetime.timedelta(minutes=1))

    _record, enqueued = dossier.request_dossier(site=year.site, variant=Dossier.Variant.FULL, by=None)

    assert enqueued


def test_the_task_renders_once_and_returns_the_fingerprint(year):
    digest = tasks.render_site_dossier(year.site.pk, Dossier.Variant.FULL)
    record = Dossier.objects.get(site=year.site, variant=Dossier.Variant.FULL)

    assert digest == record.fingerprint and len(digest) == 64
    assert record.status == Dossier.Status.DONE and record.progress == 100
    assert tasks.render_site_dossier(year.site.pk, Dossier.Variant.FULL) == ""
    assert tasks.render_site_dossier(999_999, Dossier.Variant.FULL) == ""
    assert tasks.render_site_dossier(year.site.pk, "NOPE") == ""


def test_progress_is_written_as_the_pages_are_laid_out(year, monkeypatch):
    seen = []
    real = dossier.Progress.__call__

    def spy(self, percent, stage, *, force=False):
        seen.append((percent, stage))
        self.interval = 0
        real(self, percent, stage, force=force)

    monkeypatch.setattr(dossier.Progress, "__call__", spy)
    rendered(year.site)

    stages = [stage for _, stage in seen]
    assert any(s.startswith("正在整理附件") for s in stages)
    assert "正在排版第 3 页" in stages and "正在写入 PDF" in stages and "正在打包附件" in stages
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] < 100
    assert Dossier.objects.get(site=year.site).progress == 100


def test_a_failure_is_recorded_on_the_dossier_and_raised(year, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(dossier, "write_pdf", broken)

    with pytest.raises(OSError):
        dossier.render_dossier(year.site, Dossier.Variant.FULL)

    record = Dossier.objects.get(site=year.site)
    assert record.status == Dossier.Status.FAILED and "磁盘已满" in record.error
    assert not record.is_ready


def test_the_content_is_read_in_a_fixed_number_of_queries(tree, cast, django_assert_max_num_queries):
    built = approved_site(tree, cast)
    small = year_of_records(tree, cast, built, members=3, meetings=3, services_per_member=1)
    # site and phases (2), the star board (3), acceptances (3), plan 0, leading group, work items,
    # meetings with marks and photos (3) and the attendance rate (2), members, services,
    # households, pairings, plaques, funding, visits, rectifications, the self-assessment sheet
    # (about 9), the summary — the same with 3 rows or 30.
    with django_assert_max_num_queries(40) as small_queries:
        dossier.dossier_content(small.site, Dossier.Variant.FULL)
    counted = len(small_queries)

    Member.objects.filter(branch=tree.branch_a1).delete()
    year_of_records_more(tree, small)
    with django_assert_max_num_queries(counted):
        dossier.dossier_content(small.site, Dossier.Variant.FULL)


def year_of_records_more(tree, small) -> None:
    """Ten times the branch's registers of `small`: 30 members, 30 meetings, 300 services."""
    branch = tree.branch_a1
    people = Member.objects.bulk_create(
        Member(branch=branch, name=f"新党员{n}", gender="M", joined_on=datetime.date(2010, 1, 1))
        for n in range(30)
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(
            organization=branch,
            kind=Meeting.Kind.THEME_DAY,
            held_on=datetime.date(YEAR, 1 + n % 11, 5),
            topic="主题党日",
        )
        for n in range(30)
    )
    Attendance.objects.bulk_create(Attendance(meeting=m, member=p) for m in meetings for p in people)
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            member=people[n % 30],
            served_on=datetime.date(YEAR, 5, 1 + n % 27),
            place="村",
            content=f"服务{n}",
        )
        for n in range(300)
    )
    LeadingGroupMember.objects.bulk_create(
        LeadingGroupMember(site=small.site, name=f"成员{n}", position="MEMBER") for n in range(30)
    )
    WorkItem.objects.bulk_create(
        WorkItem(campaign=small.campaign, site=small.site, title=f"工作{n}", due_on=datetime.date(YEAR, 9, 1))
        for n in range(30)
    )
    Rectification.objects.bulk_create(
        Rectification(
            site=small.site, source="SUPERVISION", description=f"整改{n}", due_on=datetime.date(YEAR, 9, 1)
        )
        for n in range(30)
    )


def test_an_image_is_embedded_upright_scaled_and_on_white():
    out = io.BytesIO()
    Image.new("RGBA", (3000, 1000), (0, 0, 0, 0)).save(out, "PNG")

    scaled = dossier.embeddable_image(out.getvalue())

    with Image.open(io.BytesIO(scaled)) as image:
        assert image.format == "JPEG" and image.size == (dossier.MAX_EDGE, 400)
        assert image.getpixel((10, 10)) == (255, 255, 255)  # transparent becomes white, not black
    with Image.open(io.BytesIO(dossier.embeddable_image(photo_bytes(size=(800, 600))))) as small:
        assert small.size == (800, 600)  # never enlarged
    assert dossier.embeddable_image(b"%PDF-1.4 not an image") is None
