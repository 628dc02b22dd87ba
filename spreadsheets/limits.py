"""Bounds on what an uploaded file may make the server do, checked before it is parsed.

An .xlsx (like a .docx) is a zip of XML parts: a 3 MB file can unpack to a gigabyte (a "zip
bomb"), and its XML can declare entities that expand a billion times ("billion laughs"). The
archive is measured first (`check_archive`: members, unpacked size, compression ratio); openpyxl
then parses through defusedxml (installed, so openpyxl uses it), which refuses entity declarations;
and reading stops at `MAX_COLUMNS` columns and a bounded number of rows (`spreadsheets.reading`).
"""

from __future__ import annotations

import zipfile

from .errors import FileRefused

MAX_MEMBERS = 5_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# How much more than its packed size a member may unpack to, once it is over 1 MB: ordinary
# spreadsheet XML packs 5–20 times; a bomb packs hundreds or thousands of times.
MAX_RATIO = 100
MAX_COLUMNS = 256


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse (FileRefused, in Chinese) a zip whose members unpack beyond the limits above."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise FileRefused("文件结构异常（包含的部件过多），已拒绝。")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise FileRefused("文件解压后异常膨胀（疑似“压缩炸弹”），已拒绝。")
    if total > MAX_UNPACKED_BYTES:
        raise FileRefused(f"文件解压后超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB，已拒绝。")
