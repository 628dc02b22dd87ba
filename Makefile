# Two commands do all set-up on a fresh Debian/Ubuntu machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Debian packages WeasyPrint needs for fast Chinese PDFs (harfbuzz-subset: ~15x faster).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk

# The first Python >= 3.12 that really runs: pyenv shims fail unless PYENV_VERSION names
# a version, so each candidate is tried, and pyenv's own installs are looked at directly.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /root/.pyenv/versions/3.1[2-9]*/bin/python3 \
	/usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  command -v $$p >/dev/null 2>&1 || [ -x "$$p" ] || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: run test bench bench-scale lint install sysdeps browser clean stack stack-stop stack-status backup restore

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "找不到 Python 3.12 或更新版本。请安装（例如 apt-get install python3.12 python3.12-venv，或 pyenv install 3.12）后重试。"; exit 1; fi
	@echo "使用 $(PYTHON)"
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	@touch $@

install: $(VENV)/.installed

sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "安装 PDF 所需系统包:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "生成 PDF 需要这些系统包，请以 root 运行: apt-get install -y$$missing"; \
	  fi; \
	fi

# What the tests drive: Debian's Chromium for the browser tests (never a downloaded browser
# build) and poppler-utils (pdftotext, pdffonts) for reading the PDFs back.
TEST_PACKAGES := chromium poppler-utils
browser:
	@missing=""; for p in $(TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "安装测试所需系统包:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "测试需要这些系统包，请以 root 运行: apt-get install -y$$missing（否则相关测试会跳过）"; fi; \
	fi

run: install sysdeps
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
# Beat's first reminder run is at 08:00; one run is queued now, which the worker below takes
# on start, so the demo's reminders are in the inbox (and the emails on this console) at once.
# The Reminder table's unique key makes any rerun send nothing twice.
	@$(VENV)/bin/celery -A config call campaigns.tasks.send_deadline_reminders >/dev/null
	@echo "示范点系统: http://127.0.0.1:$(PORT)/  （演示账号见 README.md，密码 demo12345；Ctrl-C 停止）"
	@trap 'kill 0' INT TERM; \
	$(VENV)/bin/celery -A config worker --beat --loglevel=info --concurrency=1 & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT); \
	kill 0

test: install sysdeps browser
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m pytest tests/bench -p no:randomly -s -q --no-header $(PYTEST_ARGS)
	$(PY) -m deploy.load

# Issue 12's measure: the demo county grown into a city (≈5,000 organizations, 200,000 members,
# 2,000,000 service records) in databases of its own on DATABASE_URL's PostgreSQL server; every
# page's queries, median time and size at both sizes. SCALE_ARGS="--factor 0.05" tries it small.
bench-scale: install sysdeps
	@if [ -z "$(DATABASE_URL)" ]; then echo "make bench-scale 需要 PostgreSQL：请设置 DATABASE_URL，例如 DATABASE_URL=postgres://postgres@127.0.0.1:5432/shifandian make bench-scale"; exit 1; fi
	$(PY) -m deploy.scale $(SCALE_ARGS)

# Production processes without containers, as docker-compose.yml declares them: two gunicorn
# instances (127.0.0.1:8101 and :8102), two Celery workers and one beat, against the local
# PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else postgres://postgres@127.0.0.1/shifandian and
# redis://127.0.0.1:6379/0). `make stack STACK_ARGS=--demo` loads the demo county too.
stack: install
	$(PY) -m deploy.stack start $(STACK_ARGS)

stack-stop:
	$(PY) -m deploy.stack stop

stack-status:
	$(PY) -m deploy.stack status

# The database (pg_dump custom format) and the uploads of DATABASE_URL / MEDIA_ROOT (or .env),
# into backups/<time>/; `make restore BACKUP=backups/<time>` puts one back (it asks first).
backup: install
	$(PY) -m deploy.backup backup

restore: install
	@if [ -z "$(BACKUP)" ]; then echo "用法：make restore BACKUP=backups/<时间>"; exit 1; fi
	$(PY) -m deploy.backup restore "$(BACKUP)"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_ENV=production DJANGO_ALLOWED_HOSTS=example.org SITE_URL=https://example.org \
	  DJANGO_SECRET_KEY=check-deploy-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var
