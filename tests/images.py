"""Real, tiny images for upload tests: uploads are decoded and re-encoded (organizations.uploads),
so a few magic bytes followed by zeros no longer pass for a photo."""

import io

from PIL import Image


def png_bytes(size: tuple[int, int] = (4, 4), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpg_bytes(size: tuple[int, int] = (4, 4), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def same_picture(stored: bytes, uploaded: bytes) -> bool:
    """Whether a stored photo is the uploaded one re-encoded: the same pixels (the bytes differ)."""
    with Image.open(io.BytesIO(stored)) as a, Image.open(io.BytesIO(uploaded)) as b:
        return (
            a.format == b.format
            and a.size == b.size
            and a.convert("RGB").tobytes() == b.convert("RGB").tobytes()
        )
