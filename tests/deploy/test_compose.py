"""docker-compose.yml, the Dockerfile and .env.example, read as files (no Docker daemon here).

What `docker compose config` and a build would catch first is checked here instead: the compose
file parses and declares the services, health checks, volumes and start order the deployment
relies on; its commands are the ones `make stack` runs (deploy/stack.py); every setting the code
reads is documented in .env.example; the image installs exactly the pinned dependencies.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from deploy.stack import COLLECTSTATIC, COMMANDS

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (BASE_DIR / "Dockerfile").read_text()


def test_compose_declares_the_services(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "web", "worker", "beat"}


def test_each_long_running_service_has_a_health_check(compose):
    for name in ("db", "redis", "web", "worker", "beat"):
        check = compose["services"][name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert "interval" in check and "retries" in check, name
    # The one-shot exits when done; a health check would never pass.
    assert compose["services"]["migrate"]["healthcheck"] == {"disable": True}
    assert compose["services"]["migrate"]["restart"] == "no"


def test_health_checks_ask_the_right_thing(compose):
    services = compose["services"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "celery@$$HOSTNAME" in services["worker"]["healthcheck"]["test"][1]
    assert "celerybeat@$$HOSTNAME" in services["beat"]["healthcheck"]["test"][1]
    assert "pg_isready" in services["db"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_postgresql_is_15_or_newer(compose):
    image = compose["services"]["db"]["image"]
    assert re.fullmatch(r"postgres:(\d+)[\w.-]*", image)
    assert int(re.match(r"postgres:(\d+)", image).group(1)) >= 15


def test_migrations_run_once_before_web_and_workers(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_exactly_one_beat(compose):
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1


def test_named_volumes_for_database_broker_and_media(compose):
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "media"}
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    # Web writes uploads and workers read them (imports): both mount the same volume.
    for name in ("web", "worker", "migrate"):
        assert "media:/app/var/media" in compose["services"][name]["volumes"], name


def test_app_services_share_one_image_and_environment(compose):
    services = compose["services"]
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["image"] == "shifandian:latest"
        assert services[name]["env_file"] == ".env"
        assert services[name]["environment"]["DJANGO_ENV"] == "production"
        assert services[name]["environment"]["DATABASE_URL"].endswith("@db:5432/${POSTGRES_DB:-shifandian}")
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"


@pytest.mark.parametrize("service", ["migrate", "web", "worker", "beat"])
def test_compose_commands_are_the_stacks(compose, service):
    """`make stack` runs what compose runs; it adds only a port (by environment) or a node name."""
    assert compose["services"][service]["command"] == COMMANDS[service]


def test_the_image_runs_gunicorn_like_the_web_service(compose, dockerfile):
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1)
    assert yaml.safe_load(cmd) == compose["services"]["web"]["command"]


def test_dockerfile_base_user_and_system_packages(dockerfile):
    base = re.search(r"^FROM python:(3\.\d+)-slim", dockerfile, re.MULTILINE)
    assert base and tuple(map(int, base.group(1).split("."))) >= (3, 12)
    user = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert user == ["app"]
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk"):
        assert package in dockerfile
    assert "DJANGO_ENV=production" in dockerfile


def test_dockerfile_collects_static_files_at_build(dockerfile):
    assert " ".join(COLLECTSTATIC[1:4]) in dockerfile


def test_dockerfile_installs_the_pinned_dependencies():
    """The image installs project.dependencies from pyproject.toml, each pinned to one version."""
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+(\[[a-z0-9,_-]+\])?==[0-9][0-9A-Za-z.]*", requirement), (
            requirement
        )
    names = {re.split(r"[\[=]", r)[0].lower() for r in project["dependencies"]}
    assert {"gunicorn", "psycopg", "psycopg-pool", "django-storages", "sentry-sdk", "whitenoise"} <= names


def test_dockerignore_keeps_secrets_and_local_data_out():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def _settings_variables() -> set[str]:
    """Every environment variable config/ reads: env.X("NAME", ...) and os.environ.get("NAME", ...)."""
    names = set()
    for path in (BASE_DIR / "config").glob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"env(?:\(\))?\.\w+\(\s*\"([A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z0-9_]+)\"", text))
    return names - {"DJANGO_SETTINGS_MODULE"}


def _documented() -> dict[str, str]:
    """NAME → the comment above it, for each `NAME=` or `# NAME=` line of .env.example (variables
    listed one after another share the comment above the first)."""
    documented: dict[str, str] = {}
    comment: list[str] = []
    after_variable = False
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if match := re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=.*", line):
            documented.setdefault(match.group(1), " ".join(comment))
            after_variable = True
        elif line.startswith("#") and not line.startswith("# ---"):
            if after_variable:
                comment, after_variable = [], False
            comment.append(line.lstrip("# "))
        else:
            comment, after_variable = [], False
    return documented


def test_env_example_lists_every_setting_with_a_comment(compose):
    compose_variables = set(re.findall(r"\$\{([A-Z_]+)", (BASE_DIR / "docker-compose.yml").read_text()))
    read = _settings_variables() | compose_variables
    assert {
        "DJANGO_SECRET_KEY",
        "DATABASE_POOL_MAX_SIZE",
        "S3_BUCKET",
        "SENTRY_DSN",
        "WEB_CONCURRENCY",
    } <= read
    documented = _documented()
    assert sorted(read - set(documented)) == []
    assert [name for name, comment in documented.items() if not comment] == []
    assert sorted(set(documented) - read) == []
