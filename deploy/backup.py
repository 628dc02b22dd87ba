"""Backups: the PostgreSQL database (pg_dump, custom format) and the uploaded files.

    python -m deploy.backup backup [--dir backups]        → backups/<YYYYmmdd-HHMMSS>/
    python -m deploy.backup restore backups/<stamp> [--yes]

Both act on what the settings name — DATABASE_URL and MEDIA_ROOT, from the environment or
.env — so they serve a bare-metal install and `make stack` alike (docker compose: README).
A backup folder holds `db.dump` (pg_restore's custom format: compressed, restorable table by
table), `media.tar.gz` and `backup.json` (when, from which database). `restore` replaces
the database's contents and the uploads with the backup's: stop the web and worker processes
first. With S3_BUCKET set the uploads live in the bucket; back it up with the storage's own
versioning or replication, this tool then saves and restores the database only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DUMP = "db.dump"
MEDIA = "media.tar.gz"
MANIFEST = "backup.json"


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    """The database and the uploads folder the settings name."""

    name: str
    host: str
    port: str
    user: str
    password: str
    media_root: Path | None

    @classmethod
    def from_settings(cls) -> Target:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        sys.path.insert(0, str(BASE_DIR))
        from django.conf import settings

        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError(
                f"备份只支持 PostgreSQL：当前数据库是 {database['ENGINE']}（请设置 DATABASE_URL）。"
            )
        return cls(
            name=database["NAME"],
            host=database.get("HOST") or "127.0.0.1",
            port=str(database.get("PORT") or 5432),
            user=database.get("USER") or "postgres",
            password=database.get("PASSWORD") or "",
            media_root=None if settings.S3_BUCKET else Path(settings.MEDIA_ROOT),
        )

    def connection_args(self) -> list[str]:
        return ["--host", self.host, "--port", self.port, "--username", self.user, "--no-password"]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"}


def _run(argv: list[str], target: Target) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"找不到 {argv[0]}：请安装 postgresql-client（版本不低于数据库服务器）。")
    result = subprocess.run(argv, env=target.env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} 失败：{result.stderr.strip()}")


def backup(target: Target, directory: Path) -> Path:
    """Write a new backup folder under `directory` and return it."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = directory / stamp
    folder.mkdir(parents=True, exist_ok=False)
    _run(
        ["pg_dump", *target.connection_args(), "--format=custom", "--no-owner", "--no-privileges",
         "--file", str(folder / DUMP), target.name],
        target,
    )  # fmt: skip
    if target.media_root is not None:
        with tarfile.open(folder / MEDIA, "w:gz") as archive:
            if target.media_root.is_dir():
                archive.add(target.media_root, arcname=".")
    manifest = {"created": stamp, "database": target.name, "media": target.media_root is not None}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return folder


def _ensure_database(target: Target) -> None:
    """A wiped (dropped) database is created again, empty, before pg_restore fills it."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=target.host, port=target.port, user=target.user, password=target.password or None,
        dbname="postgres", autocommit=True, connect_timeout=10,
    ) as conn:  # fmt: skip
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target.name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))


def _replace_media(archive_path: Path, media_root: Path) -> None:
    """Unpack beside MEDIA_ROOT, then swap it in, so a failed unpack leaves the old files."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(unpacked, filter="data")
        if media_root.exists():
            old = media_root.with_name(f".old-{media_root.name}")
            media_root.rename(old)
            shutil.rmtree(old)
        unpacked.rename(media_root)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


def restore(target: Target, folder: Path) -> None:
    """Put the backup in `folder` back: the database's contents, then the uploads."""
    dump = folder / DUMP
    if not dump.is_file():
        raise BackupError(f"{folder} 中没有 {DUMP}。")
    _ensure_database(target)
    _run(
        ["pg_restore", *target.connection_args(), "--dbname", target.name, "--clean", "--if-exists",
         "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(dump)],
        target,
    )  # fmt: skip
    if target.media_root is not None and (folder / MEDIA).is_file():
        _replace_media(folder / MEDIA, target.media_root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="action", required=True)
    make = commands.add_parser("backup", help="数据库和上传文件备份到新文件夹")
    make.add_argument("--dir", type=Path, default=BASE_DIR / "backups")
    back = commands.add_parser("restore", help="用备份替换数据库内容和上传文件")
    back.add_argument("folder", type=Path)
    back.add_argument("--yes", action="store_true", help="不再询问")
    args = parser.parse_args(argv)

    try:
        target = Target.from_settings()
        if args.action == "backup":
            folder = backup(target, args.dir)
            print(
                f"已备份数据库 {target.name}" + ("和上传文件" if target.media_root else "") + f"到 {folder}"
            )
            return 0
        if not args.yes:
            answer = input(f"用 {args.folder} 替换数据库 {target.name} 的全部内容和上传文件？输入 yes 继续：")
            if answer.strip() != "yes":
                print("未恢复。")
                return 1
        restore(target, args.folder)
        print(
            f"已从 {args.folder} 恢复数据库 {target.name}" + ("和上传文件。" if target.media_root else "。")
        )
        return 0
    except BackupError as error:
        print(f"失败：{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
