"""The import page offers 三会一课 (needs ImportJob.Kind.MEETINGS): upload, preview, confirm."""

import pytest
from django.urls import reverse

from members.models import ImportJob, Meeting
from tests.members.test_imports import csv_upload

pytestmark = pytest.mark.django_db


def test_meetings_are_imported_through_the_import_page(client, tree, cast):
    client.force_login(cast.secretary)
    page = client.get(reverse("members:import_list", args=[tree.branch_a1.pk]))
    assert page.status_code == 200
    assert "三会一课" in page.content.decode()
    assert reverse("members:export_meetings", args=[tree.branch_a1.pk]) in page.content.decode()
    file = csv_upload(
        ["会议日期", "会议类型", "会议主题", "主持人"],
        [["2026-05-01", "党课", "党课", "王书记"]],
        name="m.csv",
    )
    preview = client.post(
        reverse("members:import_list", args=[tree.branch_a1.pk]), {"kind": "MEETINGS", "file": file}
    )
    assert preview.status_code == 200
    token = preview.context["confirm_form"].initial["token"]
    done = client.post(reverse("members:import_confirm", args=[tree.branch_a1.pk]), {"token": token})
    assert done.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "DONE", job.errors
    assert client.get(done["Location"]).status_code == 200
    assert Meeting.objects.get().host == "王书记"
