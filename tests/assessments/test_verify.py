"""`/verify/<sha256>/` and its form: a good content digest and the good file hash say which report
was issued; a tampered, an unknown or a malformed hash says so plainly (never a 500); no login,
no personal data, no cookie; rate-limited."""

import hashlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import report
from assessments.models import Acceptance
from tests.assessments.test_report import media, signed_acceptance  # noqa: F401 (media: a fixture)

pytestmark = pytest.mark.django_db

NOT_FOUND = "未找到该校验码对应的验收报告"
TAMPERED = "报告可能被篡改或校验码有误"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issued(tree, cast):
    built = signed_acceptance(tree, cast)
    built.acceptance = report.render_report(built.acceptance)
    return built


def verify_url(digest: str) -> str:
    return reverse("assessments:verify", args=[digest])


def tamper(digest: str) -> str:
    """The same hash with one hex character changed."""
    return digest[:-1] + ("0" if digest[-1] != "0" else "1")


def test_the_content_digest_names_the_issued_report(client, issued):
    acceptance = issued.acceptance

    response = client.get(verify_url(acceptance.report_content_sha256))

    assert response.status_code == 200
    body = response.content.decode()
    assert "本报告由系统签发" in body and "报告页脚及二维码中的内容校验码一致" in body
    for expected in (
        "示范区工委",
        issued.campaign.name,
        "一村党支部",
        f"{acceptance.visited_on.year}年{acceptance.visited_on.month}月{acceptance.visited_on.day}日",
        report.rules.fmt(acceptance.composite_score),
        acceptance.get_verdict_display(),
        "签署时间",
    ):
        assert expected in body, expected
    # Public: nobody's name, not the team's, not the signer's.
    assert "验收组员" not in body and "第二组员" not in body
    assert response.cookies == {}
    assert "public" in response["Cache-Control"]


def test_the_files_own_hash_names_it_too(client, issued):
    with issued.acceptance.report.open("rb") as handle:
        file_hash = hashlib.sha256(handle.read()).hexdigest()

    response = client.get(verify_url(file_hash))

    assert response.status_code == 200
    assert "本报告由系统签发" in response.content.decode()
    assert "报告 PDF 文件的 SHA-256 一致" in response.content.decode()


@pytest.mark.parametrize("which", ["report_content_sha256", "report_sha256"])
def test_a_tampered_hash_is_not_found(client, issued, which):
    response = client.get(verify_url(tamper(getattr(issued.acceptance, which))))

    assert response.status_code == 404
    body = response.content.decode()
    assert NOT_FOUND in body and TAMPERED in body
    assert "一村党支部" not in body


def test_an_unknown_hash_is_not_found_even_with_no_report_at_all(client, db):
    response = client.get(verify_url(hashlib.sha256(b"anything").hexdigest()))

    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_a_signed_report_not_yet_rendered_matches_no_empty_hash(client, tree, cast):
    built = signed_acceptance(tree, cast)
    assert Acceptance.objects.get(pk=built.acceptance.pk).report_content_sha256 == ""

    assert report.issued_report("") is None
    assert client.get(verify_url("0" * 64)).status_code == 404


@pytest.mark.parametrize(
    "digest",
    ["abc", "0" * 63, "0" * 65, "g" * 64, "z" * 500, "%E6%A0%A1%E9%AA%8C", "..", "<script>"],
)
def test_a_malformed_hash_says_so_and_never_fails(client, db, digest):
    response = client.get(f"/verify/{digest}/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "校验码格式不正确" in body
    assert "<script>" not in body


def test_an_upper_case_hash_goes_to_its_lower_case_address(client, issued):
    digest = issued.acceptance.report_content_sha256

    response = client.get(verify_url(digest.upper()))

    assert response.status_code == 302
    assert response["Location"] == verify_url(digest)


def test_the_check_answers_everyone_signed_in_or_not(client, cast, issued):
    url = verify_url(issued.acceptance.report_content_sha256)
    assert client.get(url).status_code == 200
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 200


def test_the_check_is_rate_limited(client, issued):
    url = verify_url(issued.acceptance.report_content_sha256)

    statuses = [client.get(url).status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert "操作过于频繁" in client.get(url).content.decode()


# The form ----------------------------------------------------------------------------------------

FORM = reverse("assessments:verify_form")


def test_the_form_offers_pasting_and_uploading(client, db):
    response = client.get(FORM)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="digest"' in body and 'name="file"' in body
    assert 'for="id_digest"' in body and 'for="id_file"' in body


def test_a_pasted_hash_goes_to_its_check(client, issued):
    digest = issued.acceptance.report_content_sha256

    response = client.get(FORM, {"digest": f"  {digest.upper()}\n"})

    assert response.status_code == 302
    assert response["Location"] == verify_url(digest)


@pytest.mark.parametrize(("typed", "error"), [("", "请输入校验码"), ("12345", "校验码应为 64 位")])
def test_a_bad_paste_comes_back_with_the_error_and_what_was_typed(client, db, typed, error):
    response = client.get(FORM, {"digest": typed})

    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert f'value="{typed}"' in body or typed == ""
    assert 'aria-invalid="true"' in body


def test_an_uploaded_report_is_checked_by_its_file_hash(client, issued):
    with issued.acceptance.report.open("rb") as handle:
        pdf = handle.read()

    response = client.post(
        FORM, {"file": SimpleUploadedFile("报告.pdf", pdf, content_type="application/pdf")}
    )

    assert response.status_code == 302
    assert response["Location"] == verify_url(hashlib.sha256(pdf).hexdigest())
    assert "本报告由系统签发" in client.get(response["Location"]).content.decode()


def test_an_uploaded_file_changed_by_one_byte_is_not_found(client, issued):
    with issued.acceptance.report.open("rb") as handle:
        pdf = bytearray(handle.read())
    pdf[-10] ^= 1

    response = client.post(FORM, {"file": SimpleUploadedFile("报告.pdf", bytes(pdf))}, follow=True)

    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_an_upload_without_a_file_says_so(client, db):
    response = client.post(FORM, {})

    assert response.status_code == 400
    assert "请选择报告 PDF 文件。" in response.content.decode()
