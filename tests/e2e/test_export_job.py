"""A large export in a real browser, on a phone: the export link leads to the job's page, which
polls its progress with htmx (under the CSP) and turns into the download once the job has
written the file. Screenshots in /work/notes/screens/ and test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from members import exports
from members.models import ExportJob
from members.tasks import run_export
from tests.e2e.test_accessibility import axe_violations
from tests.members.test_export_jobs import ledger

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PHONE = 375
SCREENS = Path("/work/notes/screens")


def side_by_side(paths: list[Path], target: Path) -> None:
    images = [Image.open(p) for p in paths]
    sheet = Image.new(
        "RGB", (sum(i.width for i in images) + 16 * (len(images) - 1), max(i.height for i in images)), "white"
    )
    left = 0
    for image in images:
        sheet.paste(image, (left, 0))
        left += image.width + 16
    sheet.save(target)


def test_a_large_export_shows_its_progress_then_the_download(
    page_for, live_server, tree, cast, monkeypatch, artifacts
):
    SCREENS.mkdir(parents=True, exist_ok=True)
    ledger(tree)
    monkeypatch.setattr(exports, "EXPORT_ASYNC_ROWS", 0)
    monkeypatch.setattr(exports.transaction, "on_commit", lambda callback: None)  # no worker here
    cast.secretary.set_password("demo12345")
    cast.secretary.save()
    page = page_for(cast.secretary, width=PHONE)

    page.goto(f"{live_server.url}/branches/{tree.branch_a1.pk}/imports/")
    page.get_by_role("link", name="CSV").nth(1).click()  # 党员名册: 导出本支部 CSV
    expect(page.get_by_role("heading", name="导出党员名册（CSV）")).to_be_visible()
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status="RUNNING", total_rows=4_000, processed_rows=1_500)
    expect(page.locator("#export-job")).to_contain_text("1500 / 4000")  # fetched by htmx, no reload
    page.evaluate("window.scrollTo(0, 0)")
    running = artifacts / "export-job-running-375.png"
    page.screenshot(path=running, full_page=True)
    assert axe_violations(page) == []

    ExportJob.objects.filter(pk=job.pk).update(status="PENDING")
    run_export(job.pk)
    download_link = page.get_by_role("link", name=f"下载 {job.filename}")
    expect(download_link).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    done = artifacts / "export-job-done-375.png"
    page.screenshot(path=done, full_page=True)
    assert axe_violations(page) == []

    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == job.filename
    side_by_side([running, done], SCREENS / "export-job-375.png")
    for shot in (running, done):
        (SCREENS / shot.name).write_bytes(shot.read_bytes())


def test_a_large_upload_is_checked_in_the_background_then_previewed(
    page_for, live_server, tree, cast, monkeypatch, artifacts, tmp_path
):
    from members.tasks import check_import
    from members.views import imports as import_views
    from tests.members.test_imports import ROSTER_HEADERS, roster_row

    monkeypatch.setattr(import_views, "ASYNC_ROWS", 3)
    queued = []
    monkeypatch.setattr(check_import, "delay", queued.append)  # the worker is this test
    roster = tmp_path / "名册.csv"
    roster.write_text(
        "\n".join(",".join(row) for row in [ROSTER_HEADERS, *(roster_row(i) for i in range(6))]) + "\n",
        encoding="utf-8-sig",
    )
    cast.secretary.set_password("demo12345")
    cast.secretary.save()
    page = page_for(cast.secretary, width=PHONE)

    page.goto(f"{live_server.url}/branches/{tree.branch_a1.pk}/imports/")
    page.set_input_files("input[type=file]", str(roster))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#import-check")).to_contain_text("正在后台读取文件")
    page.evaluate("window.scrollTo(0, 0)")
    checking = artifacts / "import-check-375.png"
    page.screenshot(path=checking, full_page=True)
    assert axe_violations(page) == []

    check_import.run(queued[0])
    expect(page.get_by_role("button", name="确认导入 6 行")).to_be_visible()  # htmx went to the preview
    (SCREENS / checking.name).write_bytes(checking.read_bytes())
