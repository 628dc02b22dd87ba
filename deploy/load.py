"""The load run of `make bench`: locust, headless, against the two gunicorn instances of the stack.

    python -m deploy.load [--users 50] [--seconds 60]

Starts the stack (deploy/stack.py) on free loopback ports with the demo county in its own
database (shifandian_bench) and Redis database (13), logs in one account per role, lets
`--users` locust users open each role's main pages for `--seconds`, prints requests per second,
p50/p95 and the error count against the target (no errors, p95 under 500 ms), and stops
everything. Traffic goes to 127.0.0.1 only; the run is bounded by its time plus a margin.
Without a local PostgreSQL and Redis it says so and does nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy import stack as stack_script
from deploy.client import Browser

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "shifandian_bench"
REDIS_DB = 13
PASSWORD = "demo12345"
TARGET_P95_MS = 500
ACCOUNTS = {"组织部": "zzb", "党委": "dangwei1", "支部书记": "zhibu1", "验收组": "yanshou1"}


def _urls() -> tuple[str, str]:
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")):
        database = stack_script.DEFAULT_DATABASE_URL
    redis = os.environ.get("REDIS_URL") or stack_script.DEFAULT_REDIS_URL
    return (
        urlunsplit(urlsplit(database)._replace(path=f"/{DATABASE}")),
        urlunsplit(urlsplit(redis)._replace(path=f"/{REDIS_DB}")),
    )


def _pages(database_url: str) -> dict[str, list[str]]:
    """Each role's main pages in the demo county, with the ids this database gave them."""
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(database_url)._replace(scheme="postgresql"))) as conn:
        [(campaign,)] = conn.execute("SELECT min(id) FROM campaigns_campaign").fetchall()
        sites = [row[0] for row in conn.execute("SELECT id FROM campaigns_site ORDER BY id")]
        [(branch,)] = conn.execute(
            "SELECT id FROM organizations_organization WHERE code = 'SFQ-CG-LY'"
        ).fetchall()
        [(branch_site,)] = conn.execute(
            "SELECT s.id FROM campaigns_site s JOIN organizations_organization o ON o.id = s.organization_id"
            " WHERE o.code = 'SFQ-CG-LY'"
        ).fetchall()
        committee_sites = [
            row[0]
            for row in conn.execute(
                "SELECT s.id FROM campaigns_site s"
                " JOIN organizations_organization o ON o.id = s.nominated_by_id WHERE o.code = 'SFQ-CG'"
            )
        ]
    campaign_pages = [f"/campaigns/{campaign}/", f"/campaigns/{campaign}/schedule/"]
    return {
        "组织部": [
            "/",
            "/campaigns/",
            *campaign_pages,
            f"/campaigns/{campaign}/nominations/",
            f"/campaigns/{campaign}/rectifications/",
            *(f"/sites/{site}/" for site in sites),
        ],
        "党委": ["/", *campaign_pages, "/branches/", *(f"/sites/{site}/" for site in committee_sites)],
        "支部书记": [
            "/",
            f"/branches/{branch}/members/",
            f"/branches/{branch}/meetings/",
            f"/branches/{branch}/dues/",
            f"/branches/{branch}/services/",
            f"/branches/{branch}/stars/",
            f"/sites/{branch_site}/",
            f"/sites/{branch_site}/schedule/",
        ],
        "验收组": ["/", *campaign_pages, *(f"/sites/{site}/" for site in sites)],
        "公众": ["/board/SFQ-CG-LY/"],
    }


def _stats(csv_prefix: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """locust's Aggregated row and the per-page rows."""
    with open(f"{csv_prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    total = [row for row in rows if row["Name"] == "Aggregated"]
    if not total:
        raise RuntimeError("locust 没有写出汇总行")
    return total[0], [row for row in rows if row["Name"] != "Aggregated"]


def _failures(csv_prefix: Path) -> list[str]:
    """`count × page: error` for each kind of failure locust saw."""
    try:
        with open(f"{csv_prefix}_failures.csv", newline="") as failures:
            return [
                f"{row['Occurrences']} × {row['Name']}: {row['Error']}" for row in csv.DictReader(failures)
            ]
    except FileNotFoundError:
        return []


def run(users: int, seconds: int) -> int:
    database_url, redis_url = _urls()
    try:
        stack_script.ensure_database(database_url)
        stack_script.ensure_redis(redis_url)
    except stack_script.StackError as error:
        print(f"跳过负载测试：需要本机的 PostgreSQL 和 Redis（{error}）")
        return 0

    with tempfile.TemporaryDirectory(prefix="shifandian-load-") as temp:
        directory = Path(temp)
        ports = [stack_script.free_port(), stack_script.free_port()]
        began = time.monotonic()
        running = stack_script.start(
            directory,
            database_url=database_url,
            redis_url=redis_url,
            web_ports=ports,
            demo=True,
            static_root=BASE_DIR / "var" / "bench-static",
        )
        try:
            started = time.monotonic() - began
            print(f"栈已启动（{started:.1f} 秒）：{'、'.join(running.web_urls)}，2 个 worker，1 个 beat")
            sessions = {}
            for role, username in ACCOUNTS.items():
                browser = Browser()
                browser.log_in(running.web_urls[0], username, PASSWORD)
                sessions[role] = browser.cookies["sessionid"]
            plan = {"web_urls": running.web_urls, "sessions": sessions, "pages": _pages(database_url)}
            prefix = directory / "load"
            command = [
                str(Path(sys.executable).parent / "locust"),
                "-f", str(BASE_DIR / "deploy" / "locustfile.py"),
                "--headless", "--only-summary",
                "--users", str(users), "--spawn-rate", str(max(users // 5, 1)),
                "--run-time", f"{seconds}s", "--stop-timeout", "5",
                "--csv", str(prefix), "--loglevel", "WARNING",
            ]  # fmt: skip
            result = subprocess.run(
                command,
                cwd=BASE_DIR,
                env={**os.environ, "LOAD_PLAN": json.dumps(plan)},
                capture_output=True,
                text=True,
                timeout=seconds + 60,
            )
            if not Path(f"{prefix}_stats.csv").exists():
                print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
                return 1
            total, pages = _stats(prefix)
            failures = _failures(prefix)
        finally:
            stack_script.stop(running)

    requests, errors = int(total["Request Count"]), int(total["Failure Count"])
    p50, p95 = float(total["50%"]), float(total["95%"])
    met = errors == 0 and p95 < TARGET_P95_MS
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    print(
        f"负载测试：{users} 个用户 {seconds} 秒，2 个 gunicorn 实例（各 {workers} 个 worker），"
        "演示数据，各角色主要页面\n"
        f"  请求 {requests} 次，{float(total['Requests/s']):.1f} 次/秒，p50 {p50:.0f} ms，p95 {p95:.0f} ms，"
        f"错误 {errors}\n"
        f"  目标（0 错误，p95 < {TARGET_P95_MS} ms）：{'达到' if met else '未达到'}"
    )
    slowest = sorted(pages, key=lambda row: float(row["95%"]), reverse=True)[:3]
    print("  最慢的页面（p95）：" + "；".join(f"{row['Name']} {float(row['95%']):.0f} ms" for row in slowest))
    for failure in failures:
        print(f"  错误：{failure}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args(argv)
    return run(args.users, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
