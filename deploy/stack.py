"""Scale-out without containers: the processes docker-compose.yml declares, on loopback.

    python -m deploy.stack start [--web-ports 8101,8102] [--workers 2] [--demo]
    python -m deploy.stack stop
    python -m deploy.stack status

`start` runs the one-shot steps (create the database if missing, `migrate`, `collectstatic`,
optionally `seed_demo`), then starts two gunicorn instances on two ports, two Celery workers
and one beat — each with the same command as its compose service (`COMMANDS`, checked
against the compose file by tests/deploy) — against the local PostgreSQL and Redis, waits
until every web instance answers /readyz and every worker and beat a ping, and returns,
leaving them running in their own sessions. `stop` ends exactly those processes (by the
pids it wrote, after checking each is still ours), gently first.

The processes run with production settings (DJANGO_ENV=production, JSON logs, HTTPS-only
cookies, manifest static files); a client plays the TLS-terminating proxy by sending
`X-Forwarded-Proto: https`. They share one generated secret key, one database and one broker:
a session, a signed form token or an uploaded file made through one instance is good on the
other, as behind a load balancer. DATABASE_URL and REDIS_URL are taken from the environment
when set, else the local defaults below. Logs and pids go to var/stack/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = BASE_DIR / "var" / "stack"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shifandian"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_WEB_PORTS = (8101, 8102)

# The compose services' commands, word for word (docker-compose.yml says the same; a test checks).
COMMANDS: dict[str, list[str]] = {
    "migrate": ["python", "manage.py", "migrate", "--noinput"],
    "web": ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi"],
    # -q: no start-up banner, so stdout holds only the JSON log lines.
    "worker": ["celery", "-A", "config", "-q", "worker"],
    "beat": ["celery", "-A", "config", "-q", "beat"],
}
# The image's build step; the stack runs it before the web instances start.
COLLECTSTATIC = ["python", "manage.py", "collectstatic", "--noinput", "-v0"]

START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    """What `start` started: where, which processes (pids), and the web instances' addresses."""

    directory: Path
    web_urls: list[str]
    pids: dict[str, int]
    worker_names: list[str]
    beat_name: str
    database_url: str
    redis_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)

    def log(self, name: str) -> Path:
        return self.directory / "logs" / f"{name}.log"

    def save(self) -> None:
        state = {
            "web_urls": self.web_urls,
            "pids": self.pids,
            "worker_names": self.worker_names,
            "beat_name": self.beat_name,
            "database_url": self.database_url,
            "redis_url": self.redis_url,
        }
        (self.directory / "stack.json").write_text(json.dumps(state, indent=2))

    @classmethod
    def load(cls, directory: Path) -> Stack | None:
        try:
            state = json.loads((directory / "stack.json").read_text())
        except FileNotFoundError:
            return None
        return cls(directory=directory, **state)


def executable(name: str) -> str:
    """`python`, `gunicorn`, `celery` from the environment this script runs in (the project's .venv)."""
    if name == "python":
        return sys.executable
    found = Path(sys.executable).parent / name
    if not found.exists():
        raise StackError(f"找不到 {found}：请先运行 make install。")
    return str(found)


def command(service: str, *extra: str) -> list[str]:
    base = COMMANDS.get(service, COLLECTSTATIC)
    return [executable(base[0]), *base[1:], *extra]


def process_env(
    directory: Path,
    database_url: str,
    redis_url: str,
    secret_key: str,
    static_root: Path | None = None,
    web_concurrency: int | None = None,
) -> dict[str, str]:
    """Production settings on loopback, sharing one database, one broker and one secret key."""
    var_dir = directory / "var"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:8101"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "STATIC_ROOT": str(static_root or directory / "static"),
        "LOG_FORMAT": "json",
        # Sized for two cores: 2 instances x 2 gunicorn workers, 2 workers x 1 child.
        "WEB_CONCURRENCY": str(web_concurrency or os.environ.get("WEB_CONCURRENCY", "2")),
        "CELERY_WORKER_CONCURRENCY": os.environ.get("CELERY_WORKER_CONCURRENCY", "1"),
        # No mail server on loopback: mail is written to the worker's log.
        "EMAIL_URL": "consolemail://",
        "PYTHONUNBUFFERED": "1",
    }


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        raise StackError(f"连不上 PostgreSQL（{parts.hostname}:{parts.port}）：{error}") from error


def ensure_redis(redis_url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        raise StackError(f"连不上 Redis（{redis_url}）：{error}") from error


def _run_one_shots(env: dict[str, str], log_dir: Path, demo: bool) -> None:
    """migrate (then seed_demo) and collectstatic, side by side; stop at the first failure."""
    migrate = [command("migrate")]
    if demo:
        migrate.append([executable("python"), "manage.py", "seed_demo"])
    jobs = {"migrate": migrate, "collectstatic": [command("collectstatic")]}
    running = {}
    for name, steps in jobs.items():
        script = " && ".join(subprocess.list2cmdline(step) for step in steps)
        log = (log_dir / f"{name}.log").open("ab")
        running[name] = subprocess.Popen(
            ["/bin/sh", "-c", script], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + START_TIMEOUT
    for name, proc in running.items():
        try:
            code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            for other in running.values():
                other.kill()
            raise StackError(f"{name} 超过 {START_TIMEOUT:.0f} 秒未完成，见 {log_dir / name}.log") from None
        if code != 0:
            raise StackError(f"{name} 失败（退出码 {code}）：\n{tail(log_dir / f'{name}.log')}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "（无日志）"


def _spawn(stack: Stack, name: str, argv: list[str], env: dict[str, str]) -> None:
    log = stack.log(name).open("ab")
    proc = subprocess.Popen(
        argv,
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own session: it outlives `make stack`, and stop() can end its whole group.
        start_new_session=True,
    )
    stack.processes[name] = proc
    stack.pids[name] = proc.pid
    (stack.directory / "pids" / f"{name}.pid").write_text(str(proc.pid))


def probe(url: str, timeout: float = 2.0) -> int | None:
    """The status /readyz (or any URL) answers, None when nothing answers."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def ping(redis_url: str, names: Iterable[str], timeout: float = 1.0) -> set[str]:
    """The named Celery nodes (workers, and beat with remote control on) that answered a ping."""
    from celery import Celery

    app = Celery("stack-probe", broker=redis_url)
    try:
        replies = app.control.ping(destination=list(names), timeout=timeout)
    finally:
        app.close()
    return {name for reply in replies for name in reply}


def _wait_until_up(stack: Stack) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    pending_web = set(stack.web_urls)
    pending_workers = {*stack.worker_names, stack.beat_name}
    while pending_web or pending_workers:
        for name, proc in stack.processes.items():
            if proc.poll() is not None:
                raise StackError(f"{name} 已退出（退出码 {proc.returncode}）：\n{tail(stack.log(name))}")
        if time.monotonic() > deadline:
            raise StackError(f"{START_TIMEOUT:.0f} 秒内未就绪：{sorted(pending_web | pending_workers)}")
        pending_web = {url for url in pending_web if probe(f"{url}/readyz") != 200}
        if pending_workers:
            pending_workers -= ping(stack.redis_url, pending_workers)
        if pending_web or pending_workers:
            time.sleep(0.3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    directory: Path = DEFAULT_DIR,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    web_ports: Iterable[int] = DEFAULT_WEB_PORTS,
    workers: int = 2,
    demo: bool = False,
    static_root: Path | None = None,
    web_concurrency: int | None = None,
) -> Stack:
    """Start the stack and return once every part answers; on any failure stop what started.

    `static_root` may point at a folder kept between runs: collectstatic then only checks it.
    `web_concurrency` sets gunicorn's workers per instance (WEB_CONCURRENCY, else 2).
    """
    database_url = database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise StackError(f"make stack 需要 PostgreSQL：DATABASE_URL 是 {database_url}")
    existing = Stack.load(directory)
    if existing and any(is_running(pid) for pid in existing.pids.values()):
        raise StackError(f"{directory} 的进程组还在运行：先 make stack-stop。")
    for sub in ("logs", "pids", "var"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for old in (directory / "pids").glob("*.pid"):
        old.unlink()
    ensure_database(database_url)
    ensure_redis(redis_url)
    env = process_env(
        directory, database_url, redis_url, secrets.token_urlsafe(50), static_root, web_concurrency
    )
    _run_one_shots(env, directory / "logs", demo)

    host = socket.gethostname()
    ports = list(web_ports)
    stack = Stack(
        directory=directory,
        web_urls=[f"http://127.0.0.1:{port}" for port in ports],
        pids={},
        worker_names=[f"worker{i}@{host}" for i in range(1, workers + 1)],
        beat_name=f"celerybeat@{host}",
        database_url=database_url,
        redis_url=redis_url,
    )
    try:
        for i, port in enumerate(ports, start=1):
            _spawn(stack, f"web{i}", command("web"), {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"})
        for i in range(1, workers + 1):
            _spawn(stack, f"worker{i}", command("worker", "--hostname", f"worker{i}@%h"), env)
        _spawn(stack, "beat", command("beat"), env)
        stack.save()
        _wait_until_up(stack)
    except BaseException:
        stop(stack)
        raise
    return stack


def is_running(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) process of this project — a recycled pid is not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state != "Z" and any(" ".join(COMMANDS[s][1:]) in cmdline for s in ("web", "worker", "beat"))


def stop(stack: Stack) -> list[str]:
    """End the stack's processes: SIGTERM to each main process (gunicorn and Celery shut down
    gracefully), then SIGKILL to whatever is left of its process group. Returns what was stopped."""
    live = {name: pid for name, pid in stack.pids.items() if is_running(pid)}
    for pid in live.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, pid in live.items():
        proc = stack.processes.get(name)
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                break
            if proc is None and not is_running(pid):
                break
            time.sleep(0.1)
    for pid in live.values():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    for proc in stack.processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    for pid_file in (stack.directory / "pids").glob("*.pid"):
        pid_file.unlink()
    return sorted(live)


def _ports(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="logs, pids, media (var/stack)")
    parser.add_argument("--web-ports", type=_ports, default=list(DEFAULT_WEB_PORTS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--demo", action="store_true", help="load the demo county (seed_demo)")
    args = parser.parse_args(argv)
    directory = args.dir.resolve()

    if args.action == "start":
        began = time.monotonic()
        try:
            stack = start(directory, web_ports=args.web_ports, workers=args.workers, demo=args.demo)
        except StackError as error:
            print(f"启动失败：{error}", file=sys.stderr)
            return 1
        took = time.monotonic() - began
        print(f"已启动（{took:.1f} 秒），数据库 {stack.database_url}，Redis {stack.redis_url}：")
        for url in stack.web_urls:
            print(
                f"  web     {url}/  （生产设置：经反向代理以 https 访问，或直接带 X-Forwarded-Proto: https）"
            )
        for name in stack.worker_names:
            print(f"  worker  {name}")
        print(f"  beat    {stack.beat_name}")
        print(f"日志在 {directory / 'logs'}；make stack-stop 停止。")
        return 0

    stack = Stack.load(directory)
    if args.action == "stop":
        stopped = stop(stack) if stack else []
        print(f"已停止：{'、'.join(stopped)}" if stopped else "没有在运行的进程。")
        return 0

    if stack is None:
        print("没有在运行的进程。")
        return 0
    for name, pid in sorted(stack.pids.items()):
        print(f"{name:8} pid {pid:<8} {'运行中' if is_running(pid) else '已停止'}")
    for url in stack.web_urls:
        print(f"{url}/healthz → {probe(f'{url}/healthz')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
