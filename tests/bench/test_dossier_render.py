"""Benchmark: a busy branch's year bound into its dossier (about 200 pages), rendered and stored
by `dossier.render_dossier` as the worker runs it, beside WeasyPrint's own time for the same HTML.

The year: 40 members, 240 meetings (with the attendance sheet of every member and a photo each
for 160 of them), 2,300 verified services (over 50 a member: five stars), 30 households and their
pairings, 60 work items, the self-assessment with 30 photos and 10 PDFs of evidence, supervision
with a closed rectification, an approved summary. `render_dossier` does more than WeasyPrint: it
reads the records (a fixed number of queries), hashes every evidence file, scales the photos for
embedding, renders the template, lays the PDF out (with the contents' page numbers), packs
`档案.zip` and stores both. The issue asks for under 30 s in the worker; the figures are printed
with the process's CPU time beside the wall time (on a shared machine the wall time grows with
the load), not asserted.

    .venv/bin/python -m pytest tests/bench/test_dossier_render.py -s -q -p no:randomly
"""

import datetime
import hashlib
import os
import time

import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments import dossier
from assessments.models import Dossier, Evidence
from campaigns.models import WorkItem
from members.models import Attendance, Household, Meeting, MeetingPhoto, Member, Pairing, ServiceRecord
from tests.assessments.self_assessment_factories import approved_site
from tests.assessments.test_dossier import YEAR, pdf_bytes, photo_bytes, year_of_records
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db

MEMBERS = 40
MEETINGS = 240
PHOTOS = 160
SERVICES = 2300
HOUSEHOLDS = 30
WORK_ITEMS = 60
EVIDENCE_PHOTOS = 30
EVIDENCE_FILES = 10
TARGET_SECONDS = 30
RUNS = 3


def busy_year(tree, cast):
    built = approved_site(tree, cast)
    year = year_of_records(tree, cast, built, members=0, meetings=0, services_per_member=0, meeting_photos=0)
    branch, site = tree.branch_a1, year.site
    members = Member.objects.bulk_create(
        Member(
            branch=branch,
            group=tree.group_a1 if n % 2 else None,
            name=f"党员{n:03d}",
            gender="M",
            id_number=valid_id_number(datetime.date(1975, 1, 1), male=True, sequence=n + 100),
            phone=f"1390000{n:04d}",
            joined_on=datetime.date(2005, 7, 1),
            skills="种植技术、农机维修",
        )
        for n in range(MEMBERS)
    )
    kinds = list(Meeting.Kind.values)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            organization=branch,
            kind=kinds[n % len(kinds)],
            held_on=datetime.date(YEAR, 1 + n % 11, 1 + n % 27),
            topic=f"学习贯彻党的路线方针政策暨研究村级重点工作第{n + 1}次会议",
            location="村部党员活动室",
            host="王书记",
            recorder="李委员",
            agenda="1. 传达学习上级文件精神\n2. 研究部署近期重点工作\n3. 党员发言讨论",
            resolutions="会议同意按计划推进各项工作，由各党小组抓好落实。",
            minutes="会议由王书记主持。与会党员结合实际逐一发言，围绕产业发展、环境整治、矛盾调处提出意见建议。",
        )
        for n in range(MEETINGS)
    )
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            member=member,
            status=Attendance.Status.ABSENT if (m + n) % 17 == 0 else Attendance.Status.PRESENT,
            reason="外出务工" if (m + n) % 17 == 0 else "",
        )
        for n, meeting in enumerate(meetings)
        for m, member in enumerate(members)
    )
    for n, meeting in enumerate(meetings[:PHOTOS]):
        MeetingPhoto.objects.create(
            meeting=meeting,
            image=SimpleUploadedFile(f"p{n}.jpg", photo_bytes(size=(2400, 1800), color=(30, 80, 160))),
            caption=f"会场{n + 1}",
        )
    now = timezone.now()
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            member=members[n % MEMBERS],
            served_on=datetime.date(YEAR, 1 + n % 11, 1 + n % 27),
            place="村委会便民服务站",
            content=f"为困难群众提供农技指导和代办服务第{n}次",
            verified_at=now,
        )
        for n in range(SERVICES)
    )
    households = Household.objects.bulk_create(
        Household(
            branch=branch,
            name=f"户主{n:02d}",
            category=Household.Category.HARDSHIP,
            needs="房屋修缮、农技指导",
            address=f"一村{n % 5 + 1}组{n}号",
            phone=f"1370000{n:04d}",
        )
        for n in range(HOUSEHOLDS)
    )
    Pairing.objects.bulk_create(
        Pairing(member=members[n], household=households[n % HOUSEHOLDS], started_on=datetime.date(YEAR, 3, 1))
        for n in range(MEMBERS)
    )
    WorkItem.objects.bulk_create(
        WorkItem(
            campaign=site.campaign,
            site=site,
            title=f"按计划推进第{n + 1}项创建工作任务",
            due_on=datetime.date(YEAR, 1 + n % 11, 28),
            responsible="王书记",
            status=WorkItem.Status.DONE,
            done_on=datetime.date(YEAR, 1 + n % 11, 20),
        )
        for n in range(WORK_ITEMS)
    )
    assessment = site.self_assessment
    indicator = year.table.manual
    for n in range(EVIDENCE_PHOTOS + EVIDENCE_FILES):
        is_photo = n < EVIDENCE_PHOTOS
        data = photo_bytes(size=(3000, 2000)) if is_photo else pdf_bytes(f"evidence {n}")
        name = f"佐证{n:02d}.{'jpg' if is_photo else 'pdf'}"
        Evidence.objects.create(
            self_assessment=assessment,
            indicator=indicator,
            file=SimpleUploadedFile(name, data),
            original_name=name,
            content_type="image/jpeg" if is_photo else "application/pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return site


def median_ms(func, runs: int) -> tuple[float, float, object]:
    """The median wall time and the median CPU time of this process, in ms: on a shared machine
    the wall time grows with the load, the CPU time much less."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = func()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return sorted(times)[len(times) // 2], sorted(cpu)[len(cpu) // 2], result


def test_dossier_render_beside_weasyprint(tree, cast):
    site = busy_year(tree, cast)
    variant = Dossier.Variant.MASKED

    render_ms, render_cpu, rendered = median_ms(
        lambda: dossier.render_dossier(site, variant, force=True), runs=RUNS
    )
    content = dossier.dossier_content(site, variant)
    digest = dossier.fingerprint(content)
    images = dossier._prepare_attachments(content.attachments, lambda *args, **kwargs: None)
    html = dossier.dossier_html(content, rendered_on=timezone.localdate(), digest=digest)
    fetcher = dossier._fetcher(images)

    def weasy():
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
        return document.write_pdf(), len(document.pages)

    weasy_ms, weasy_cpu, (pdf, pages) = median_ms(weasy, runs=RUNS)
    content_ms, _, _ = median_ms(lambda: dossier.dossier_content(site, variant), runs=RUNS)

    assert rendered.pages == pages and pdf.startswith(b"%PDF")
    verdict = "达标" if render_ms < TARGET_SECONDS * 1000 else "超出"
    load = os.getloadavg()[0]
    print(
        f"\n创建档案：{pages} 页，附件 {rendered.attachments} 件（{RUNS} 次取中位数，"
        f"{os.cpu_count()} 核，负载 {load:.1f}）\n"
        f"  render_dossier（读记录、整理附件、排版、打包、存储）  {render_ms:9.1f} ms"
        f"（CPU {render_cpu:9.1f} ms，{verdict} {TARGET_SECONDS} s）\n"
        f"    其中读记录（dossier_content）                     {content_ms:9.1f} ms\n"
        f"  WeasyPrint 同一 HTML → PDF                          {weasy_ms:9.1f} ms"
        f"（CPU {weasy_cpu:9.1f} ms）\n"
        f"  比值 render_dossier / WeasyPrint                    {render_ms / weasy_ms:9.2f}"
    )
