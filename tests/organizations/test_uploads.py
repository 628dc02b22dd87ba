"""The one upload check: size, extension, and content matching the extension; and its wording."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from organizations.uploads import (
    DOCUMENT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    UPLOAD_SIGNATURES,
    check_upload,
    describe_limits,
)
from tests.images import jpg_bytes, png_bytes

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = png_bytes()
JPG = jpg_bytes()


def office_zip(*, members: dict[str, bytes] | None = None) -> bytes:
    """A .docx/.xlsx-shaped zip: [Content_Types].xml and whatever `members` add."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


ZIP = office_zip()  # .docx, .xlsx and .pptx are zip containers
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16  # .doc and .xls
EXE = b"MZ\x90\x00" + b"\x00" * 16


def refusal(upload, extensions=tuple(UPLOAD_SIGNATURES)) -> str:
    with pytest.raises(ValidationError) as caught:
        check_upload(upload, extensions)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("方案.pdf", PDF),
        ("SCAN.PDF", PDF),
        ("照片.png", PNG),
        ("照片.jpg", JPG),
        ("照片.jpeg", JPG),
        ("方案.docx", ZIP),
        ("名册.xlsx", ZIP),
        ("方案.doc", OLE),
        ("名册.xls", OLE),
    ],
)
def test_a_file_that_is_what_it_says_passes(name, content):
    upload = SimpleUploadedFile(name, content)

    check_upload(upload)

    kept = upload.read()  # the check leaves the file at its start
    if name.lower().endswith((".png", ".jpg", ".jpeg")):
        # Photos are kept re-encoded: the same picture, nothing else carried along.
        with Image.open(io.BytesIO(kept)) as image:
            assert image.size == (4, 4)
        assert upload.size == len(kept)
    else:
        assert kept == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"),  # JPEG magic, then HTML
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG signature and nothing behind it
        ("照片.jpg", jpg_bytes()[:40]),  # cut short
    ],
)
def test_a_polyglot_or_broken_image_is_refused(name, content):
    assert "图片文件已损坏或不是真正的图片" in refusal(SimpleUploadedFile(name, content))


def test_what_follows_a_real_image_is_not_kept():
    upload = SimpleUploadedFile("照片.jpg", jpg_bytes() + b"<html><script>alert(1)</script></html>")
    check_upload(upload)
    assert b"<html>" not in upload.read()


def test_a_decompression_bomb_image_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # a few KB, 100 megapixels decoded
    assert "像素过大" in refusal(SimpleUploadedFile("照片.png", out.getvalue()))


def test_a_pdf_cut_short_is_refused():
    assert "PDF 文件不完整" in refusal(SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n1 0 obj\n"))


def test_an_office_zip_bomb_is_refused_before_it_unpacks():
    bomb = office_zip(members={"word/document.xml": b"0" * (50 * 1024 * 1024)})  # ~50 KB packed
    assert len(bomb) < 200 * 1024
    assert "压缩炸弹" in refusal(SimpleUploadedFile("方案.docx", bomb))


def test_a_zip_that_is_not_an_office_file_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hi")
    assert refusal(SimpleUploadedFile("方案.docx", out.getvalue())) == "文件内容与扩展名 .docx 不符。"


@pytest.mark.parametrize(
    ("name", "content"),
    [("方案.pdf", EXE), ("照片.png", JPG), ("照片.jpg", PNG), ("方案.docx", PDF), ("方案.doc", ZIP)],
)
def test_content_that_contradicts_the_extension_is_refused(name, content):
    extension = name.rsplit(".", 1)[1]

    assert refusal(SimpleUploadedFile(name, content)) == f"文件内容与扩展名 .{extension} 不符。"


@pytest.mark.parametrize("name", ["setup.exe", "方案", "方案.pdf.exe", "page.html"])
def test_an_extension_not_allowed_is_refused(name):
    message = refusal(SimpleUploadedFile(name, PDF), DOCUMENT_EXTENSIONS)

    assert message == "只能上传以下类型的文件：pdf、doc、docx、jpg、jpeg、png。"


def test_a_document_is_refused_where_only_images_are_taken():
    message = refusal(SimpleUploadedFile("方案.pdf", PDF), IMAGE_EXTENSIONS)

    assert message == "只能上传以下类型的文件：jpg、jpeg、png。"


def test_a_file_over_the_limit_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    at_limit = SimpleUploadedFile("方案.pdf", PDF[:9] + b"0" * (2 * 1024 * 1024 - len(PDF)) + PDF[9:])
    over = SimpleUploadedFile("方案.pdf", PDF[:9] + b"0" * (2 * 1024 * 1024) + PDF[9:])

    check_upload(at_limit)

    assert refusal(over) == "文件不能超过 2 MB。"


def test_a_file_already_stored_is_not_checked_again():
    # A form re-saving a record passes the stored FieldFile, not an upload.
    check_upload(ContentFile(EXE, name="旧文件.pdf"))
    check_upload(None)


def test_an_extension_allowed_without_a_known_signature_is_refused_not_crashed():
    assert refusal(SimpleUploadedFile("data.csv", b"a,b\n"), ("csv",)) == "文件内容与扩展名 .csv 不符。"


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        (DOCUMENT_EXTENSIONS, "支持 PDF、Word（.doc/.docx）、图片（.jpg/.png），单个文件不超过 20 MB"),
        (IMAGE_EXTENSIONS, "支持 图片（.jpg/.png），单个文件不超过 20 MB"),
        (("pdf",), "支持 PDF，单个文件不超过 20 MB"),
        (("xlsx", "xls"), "支持 Excel（.xlsx/.xls），单个文件不超过 20 MB"),
        (("png",), "支持 图片（.png），单个文件不超过 20 MB"),
        (("jpeg",), "支持 图片（.jpeg），单个文件不超过 20 MB"),
    ],
)
def test_describe_limits_names_kinds_and_size(settings, extensions, expected):
    settings.MAX_UPLOAD_BYTES = 20 * 1024 * 1024

    assert describe_limits(extensions) == expected


def test_describe_limits_follows_the_setting(settings):
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024

    assert describe_limits(("pdf",)).endswith("单个文件不超过 5 MB")


def test_every_allowed_kind_by_default():
    kinds = "PDF、图片（.jpg/.png）、Word（.docx/.doc）、Excel（.xlsx/.xls）、PowerPoint（.pptx）"

    assert describe_limits().startswith(f"支持 {kinds}，")
