"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Never a downloaded browser: the tests use /usr/bin/chromium (`make test` installs it when run
as root) and are skipped with a reason when it is missing. Screenshots go to test-artifacts/.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def migrated_data(django_db_setup) -> str | None:
    """The test database as the migrations left it (the built-in frameworks): Django's snapshot
    for serialized_rollback, kept here because it is no longer on the connection once a live
    server has run. Only with serialized_rollback=True on some test of the session."""
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", None)


@pytest.fixture(scope="session")
def browser(migrated_data):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"找不到 Chromium（{CHROMIUM}）：apt-get install -y chromium")
    # Playwright's sync API refuses to start inside a running event loop; Django's async-unsafe
    # guard must also let the live server's ORM calls through from the test thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page_for(browser, live_server):
    """page_for(user, width=1280) → a logged-in page (password demo12345)."""
    contexts = []

    def open_page(user, *, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", "demo12345")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()
