"""Scale-out without containers: `make stack`'s processes, driven over HTTP as a county's users would.

One stack for the module (deploy/stack.py): two gunicorn instances on two free loopback ports,
two Celery workers and one beat, with production settings, against a database of its own
(test_shifandian_stack, made afresh with the demo county) on the local PostgreSQL and a Redis
database of its own (14). Every wait is bounded by a deadline; the processes are stopped and the
database dropped at the end, whatever happened. Needs PostgreSQL and Redis (CI starts both).
"""

from __future__ import annotations

import csv
import datetime
import fcntl
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from deploy import stack as stack_script
from deploy.client import Browser, form_with, text_of

pytestmark = pytest.mark.stack

BASE_DIR = Path(__file__).resolve().parents[2]
DATABASE = "test_shifandian_stack"
REDIS_DB = 14
PASSWORD = "demo12345"
# Kept between runs, so collectstatic only has to compare.
STATIC_ROOT = BASE_DIR / "var" / "test-stack-static"
JOB_TIMEOUT = 60.0
# Runs from several work trees on this machine share the PostgreSQL and Redis: one at a time.
LOCK = Path("/tmp/shifandian-test-stack.lock")
LOCK_TIMEOUT = 300.0


def _urls() -> tuple[str, str]:
    """This run's database and Redis: the servers the suite uses (or the local defaults)."""
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")):
        database = stack_script.DEFAULT_DATABASE_URL
    redis = os.environ.get("REDIS_URL") or stack_script.DEFAULT_REDIS_URL
    return (
        urlunsplit(urlsplit(database)._replace(path=f"/{DATABASE}")),
        urlunsplit(urlsplit(redis)._replace(path=f"/{REDIS_DB}")),
    )


def _server(database_url: str):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(
        urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True, connect_timeout=5
    )


def _drop_database(database_url: str) -> None:
    with _server(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def _query(database_url: str, sql: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(
        urlunsplit(urlsplit(database_url)._replace(scheme="postgresql")), connect_timeout=5
    ) as c:
        return c.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def one_at_a_time():
    with LOCK.open("a") as lock:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"另一次 stack 测试 {LOCK_TIMEOUT:.0f} 秒后仍在运行（{LOCK}）")
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, one_at_a_time):
    import psycopg
    import redis

    database_url, redis_url = _urls()
    try:
        _drop_database(database_url)
        client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        client.flushdb()  # queued jobs of an earlier, interrupted run
        client.close()
    except (psycopg.OperationalError, redis.RedisError) as error:
        pytest.skip(f"需要本机的 PostgreSQL 和 Redis：{error}")

    directory = tmp_path_factory.mktemp("stack")
    ports = []
    while len(ports) < 2:
        if (port := stack_script.free_port()) not in ports:
            ports.append(port)
    began = time.monotonic()
    try:
        running = stack_script.start(
            directory,
            database_url=database_url,
            redis_url=redis_url,
            web_ports=ports,
            workers=2,
            demo=True,
            static_root=STATIC_ROOT,
            # One gunicorn worker per instance: what is tested is two instances, and CI has two cores.
            web_concurrency=1,
        )
    except BaseException:  # start() has already stopped whatever it started
        _drop_database(database_url)
        raise
    print(f"\nstack up in {time.monotonic() - began:.1f}s")
    try:
        yield running
    finally:
        stopped = stack_script.stop(running)
        _drop_database(database_url)
        assert stopped == ["beat", "web1", "web2", "worker1", "worker2"]
        assert not [pid for pid in running.pids.values() if stack_script.is_running(pid)]


@pytest.fixture
def web(stack) -> tuple[str, str]:
    return stack.web_urls[0], stack.web_urls[1]


def _access_lines(stack, name: str) -> list[str]:
    return [
        record["message"]
        for line in stack.log(name).read_text().splitlines()
        if (record := json.loads(line))["logger"] == "gunicorn.access"
    ]


def test_every_part_answers_its_health_check(stack):
    for url in stack.web_urls:
        assert stack_script.probe(f"{url}/healthz") == 200
        assert stack_script.probe(f"{url}/readyz") == 200
    assert stack_script.ping(stack.redis_url, stack.worker_names) == set(stack.worker_names)
    # Exactly one beat, and it answers while its scheduler ticks.
    assert [name for name in stack.pids if name.startswith("beat")] == ["beat"]
    assert stack_script.ping(stack.redis_url, [stack.beat_name]) == {stack.beat_name}


def test_a_step_through_one_instance_is_seen_through_the_other(stack, web):
    a, b = web
    [(site,)] = _query(
        stack.database_url,
        "SELECT s.id FROM campaigns_site s JOIN organizations_organization o ON o.id = s.organization_id"
        " WHERE o.code = %s AND s.status = 'NOMINATED'",
        ["SFQ-KF-HY"],
    )
    browser = Browser()
    browser.log_in(a, "zzb", PASSWORD)  # the session is made by A ...
    before = browser.get(b, f"/sites/{site}/")  # ... and good on B
    assert before.status == 200
    assert "已申报" in text_of(before.text)

    approved = browser.post(a, f"/sites/{site}/approve/", {"note": "同意列为示范点创建单位"})
    assert approved.status == 302
    page = browser.get(b, approved.location)
    assert page.status == 200
    text = text_of(page.text)
    assert "批准创建" in text
    assert re.search(r"已批准“[^”]+”创建示范点", text)  # the message A stored, shown by B
    assert _query(stack.database_url, "SELECT status FROM campaigns_site WHERE id = %s", [site]) == [
        ("APPROVED",)
    ]
    # Each request went where it was sent.
    assert any(f"POST /sites/{site}/approve/" in line for line in _access_lines(stack, "web1"))
    assert not any(f"POST /sites/{site}/approve/" in line for line in _access_lines(stack, "web2"))
    assert any(f"GET /sites/{site}/ " in line for line in _access_lines(stack, "web2"))


ROSTER_HEADERS = [
    "姓名", "性别", "民族", "公民身份证号", "出生日期", "学历", "人员类别", "所在党支部", "加入党组织日期",
    "转为正式党员日期", "工作岗位", "联系电话", "家庭住址", "党籍状态", "是否为失联党员", "是否为流动党员",
]  # fmt: skip


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(born: datetime.date, male: bool) -> str:
    """A well-formed 公民身份证号 (GB 11643: birth date, sex digit, check character) from an area
    code the demo county does not use."""
    body = f"530124{born:%Y%m%d}01{1 if male else 2}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def _roster(rows: int, branch_code: str) -> bytes:
    """A 党员名册 CSV larger than the threshold for a background job; every row is new and valid."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_HEADERS)
    for i in range(rows):
        born, male = datetime.date(1960, 1, 1) + datetime.timedelta(days=i), i % 2 == 1
        writer.writerow(
            [f"导入党员{i:05d}", "男" if male else "女", "汉族", _id_number(born, male), born.isoformat(),
             "高中/中专", "正式党员", branch_code, "2005-07-01", "2006-07-01", "农牧渔民", f"139{i:08d}",
             "一组", "正常", "否", "否"]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def test_an_import_job_runs_on_exactly_one_worker(stack, web):
    """Uploaded and previewed on B, confirmed on A (the signed token and the stored file are
    shared), run by whichever worker takes it from Redis, watched on B."""
    from members.imports import ASYNC_ROWS

    a, b = web
    rows = ASYNC_ROWS + 1
    [(branch,)] = _query(
        stack.database_url, "SELECT id FROM organizations_organization WHERE code = %s", ["SFQ-CG-LY"]
    )
    browser = Browser()
    browser.log_in(b, "zhibu1", PASSWORD)
    upload_page = browser.get(b, f"/branches/{branch}/imports/")
    _, upload = form_with(upload_page.text, "kind")
    preview = browser.post_file(
        b,
        f"/branches/{branch}/imports/",
        {"kind": upload["kind"]},
        "file",
        "名册.csv",
        _roster(rows, "SFQ-CG-LY"),
    )
    # A file this large is checked by a worker too: the upload answers with the check's page,
    # which shows the preview once the job has read every row.
    assert preview.status == 302 and "upload=" in preview.location
    check_page = preview.location
    deadline = time.monotonic() + 120
    while True:
        preview = browser.get(b, check_page)
        assert preview.status == 200
        if 'name="token"' in preview.text or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "有误" not in text_of(preview.text), text_of(preview.text)[:2000]
    action, confirm = form_with(preview.text, "token")
    confirmed = browser.post(a, action, {"token": confirm["token"]})
    assert confirmed.status == 302
    job = int(re.search(r"/imports/(\d+)/$", confirmed.location).group(1))

    deadline = time.monotonic() + JOB_TIMEOUT
    status = None
    while time.monotonic() < deadline:
        [(status, created)] = _query(
            stack.database_url, "SELECT status, created_rows FROM members_importjob WHERE id = %s", [job]
        )
        if status in ("DONE", "FAILED"):
            break
        time.sleep(0.3)
    assert (status, created) == ("DONE", rows)
    assert "已完成" in text_of(browser.get(b, confirmed.location).text)

    ran_on = [
        name
        for name in ("worker1", "worker2")
        if re.search(r"members\.tasks\.run_import\[[^]]+\] succeeded", stack.log(name).read_text())
    ]
    assert len(ran_on) == 1, ran_on


# Celery's warning about running as root, printed straight to stderr before logging is set up
# (the image runs as a non-root user, where it never shows).
ROOT_WARNING = (
    "SecurityWarning: You're running the worker with superuser privileges",
    "absolutely not recommended!",
    "Please specify a different user using the --uid option.",
    "User information: uid=0",
    "_warn_or_raise_security_error(",
)


def test_every_process_logs_json_lines(stack):
    for name in ("web1", "web2", "worker1", "worker2", "beat"):
        lines = [line for line in stack.log(name).read_text().splitlines() if line.strip()]
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert records, name
        assert all({"time", "level", "logger", "message"} <= set(record) for record in records), name
        others = [line for line in lines if not line.startswith("{")]
        if os.geteuid() == 0:
            others = [line for line in others if not any(part in line for part in ROOT_WARNING)]
        assert others == [], name


def _pages(browser: Browser, base_url: str, paths: list[str]) -> dict[str, str]:
    pages = {}
    for path in paths:
        response = browser.get(base_url, path)
        assert response.status == 200, (path, response.status)
        pages[path] = text_of(response.text)
    return pages


def test_backup_wipe_and_restore_bring_back_the_same_pages(stack, web, tmp_path):
    a, b = web
    [(campaign,)] = _query(stack.database_url, "SELECT min(id) FROM campaigns_campaign")
    [(branch,)] = _query(
        stack.database_url, "SELECT id FROM organizations_organization WHERE code = %s", ["SFQ-CG-LY"]
    )
    paths = ["/", f"/campaigns/{campaign}/", f"/branches/{branch}/members/", "/board/SFQ-CG-LY/"]
    browser = Browser()
    browser.log_in(a, "zzb", PASSWORD)
    before = _pages(browser, a, paths)
    media_root = stack.directory / "var" / "media"
    upload = media_root / "plans" / "2026" / "方案.pdf"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.4 demo plan")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "S3_"))} | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": stack.database_url,
        "MEDIA_ROOT": str(media_root),
        "VAR_DIR": str(tmp_path / "var"),
    }

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "deploy.backup", *args],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("backup", "--dir", str(tmp_path / "backups"))
    [folder] = (tmp_path / "backups").iterdir()
    assert {p.name for p in folder.iterdir()} == {"db.dump", "media.tar.gz", "backup.json"}

    _drop_database(stack.database_url)  # the wipe: no database, no uploads
    shutil.rmtree(media_root)
    run("restore", str(folder), "--yes")

    assert upload.read_bytes() == b"%PDF-1.4 demo plan"
    # The same session (restored with the rest) shows the same pages, on both instances.
    assert _pages(browser, b, paths) == before
    assert _pages(browser, a, paths) == before
