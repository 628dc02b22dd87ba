"""The one check every uploaded file passes: size, extension, and content matching the extension.

Plans, evidence, photos and rectification files all go through `check_upload`, in the admin and in
the pages alike; `describe_limits` words the same limits for the page, so what a form says and
what it enforces cannot drift apart.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from spreadsheets.limits import check_archive

# Extension → how the file's first bytes must look. Browsers' declared content types are
# not trusted; the content is.
UPLOAD_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
}
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx", "jpg", "jpeg", "png")

# How a user knows each kind of file; extensions of one kind are named together.
_KINDS: dict[str, str] = {
    "pdf": "PDF",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "pptx": "PowerPoint",
    "jpg": "图片",
    "jpeg": "图片",
    "png": "图片",
}


def max_upload_mb() -> int:
    return settings.MAX_UPLOAD_BYTES // (1024 * 1024)


def describe_limits(extensions: tuple[str, ...] = tuple(UPLOAD_SIGNATURES)) -> str:
    """The limits in words, e.g. "支持 PDF、Word（.doc/.docx）、图片（.jpg/.png），单个文件不超过 20 MB".

    A kind with one extension that says itself (PDF) is not repeated in brackets; .jpeg goes
    unnamed next to .jpg, which people know it as.
    """
    grouped: dict[str, list[str]] = {}
    for extension in extensions:
        grouped.setdefault(_KINDS.get(extension, extension.upper()), []).append(extension)
    parts = []
    for kind, members in grouped.items():
        shown = [e for e in members if not (e == "jpeg" and "jpg" in members)]
        if len(shown) == 1 and kind.lower() == shown[0]:
            parts.append(kind)
        else:
            parts.append(f"{kind}（{'/'.join('.' + e for e in shown)}）")
    return f"支持 {'、'.join(parts)}，单个文件不超过 {max_upload_mb()} MB"


def check_upload(file, extensions: tuple[str, ...] = tuple(UPLOAD_SIGNATURES)) -> None:
    """Refuse a newly uploaded file that is too large, of another type, or not what its name says.

    A file already stored (not an `UploadedFile`) passes: it was checked when it came in.
    """
    if not isinstance(file, UploadedFile):
        return
    limit = settings.MAX_UPLOAD_BYTES
    if file.size > limit:
        raise ValidationError(f"文件不能超过 {max_upload_mb()} MB。")
    extension = Path(file.name).suffix.lower().lstrip(".")
    if extension not in extensions:
        raise ValidationError(f"只能上传以下类型的文件：{'、'.join(extensions)}。")
    head = file.read(8)
    file.seek(0)
    if not head.startswith(UPLOAD_SIGNATURES.get(extension, ())):
        raise ValidationError(f"文件内容与扩展名 .{extension} 不符。")
    if extension in IMAGE_EXTENSIONS:
        _reencode_image(file, extension)
    elif extension == "pdf":
        _check_pdf(file)
    elif head.startswith(b"PK"):
        _check_office(file, extension)


# Past the first bytes: what the file really is -----------------------------------------------

# A photo of a meeting or a site is a few megapixels; a "photo" that decodes to more is a
# decompression bomb (a small PNG of one colour that expands to gigabytes).
MAX_IMAGE_PIXELS = 40_000_000


def _reencode_image(file: UploadedFile, extension: str) -> None:
    """Decode the image fully (Pillow) and store it re-encoded: anything that is not a whole
    JPEG or PNG — HTML behind JPEG magic bytes, a truncated file, a decompression bomb — is
    refused, and what is kept carries no trailing bytes and no EXIF (a phone photo's GPS
    position stays on the phone). The photo's orientation is applied first."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    expected = "PNG" if extension == "png" else "JPEG"
    data = file.read()
    file.seek(0)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != expected:
                raise ValidationError(f"文件内容与扩展名 .{extension} 不符。")
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError("图片像素过大，请缩小后再上传（不超过 4000 万像素）。")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if expected == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
            else:
                image.save(out, "PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError("图片文件已损坏或不是真正的图片，请重新拍照或另存后上传。") from error
    encoded = out.getvalue()
    file.seek(0)
    file.truncate()
    file.write(encoded)
    file.flush()
    file.seek(0)
    file.size = len(encoded)


def _check_pdf(file: UploadedFile) -> None:
    """A PDF ends with %%EOF (a file cut short, or something else wearing %PDF in front,
    does not)."""
    size = file.size
    file.seek(max(size - 2048, 0))
    tail = file.read()
    file.seek(0)
    if b"%%EOF" not in tail:
        raise ValidationError("PDF 文件不完整或已损坏，请重新导出后上传。")


def _check_office(file: UploadedFile, extension: str) -> None:
    """An .docx/.xlsx/.pptx is a zip holding [Content_Types].xml; bounded in members, unpacked
    size and compression ratio (`spreadsheets.limits.check_archive`), so a zip bomb is refused
    before anything unpacks it."""
    try:
        with zipfile.ZipFile(file) as archive:
            check_archive(archive)
            if "[Content_Types].xml" not in archive.namelist():
                raise ValidationError(f"文件内容与扩展名 .{extension} 不符。")
    except zipfile.BadZipFile as error:
        raise ValidationError(f"文件已损坏，不是有效的 .{extension} 文件。") from error
    finally:
        file.seek(0)
