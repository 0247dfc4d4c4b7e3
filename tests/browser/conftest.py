"""Browser tests: Playwright driving Debian's chromium against a live test server.

Live-server tests need real transactions, and Django flushes the database after each one,
so these tests run in a session of their own (make test runs `pytest -m browser`), and
each one restores the seed collection and the editorial groups if a flush removed them.
"""

import importlib
import os
import shutil

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command

from sources.models import Source
from tests.conftest import SEED_FIXTURE

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-password"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def plain_static_files(production_like_settings):
    """The live server's static handler finds files by name, not by their hashed name."""
    from django.conf import settings
    from django.test import override_settings

    # override_settings (not assignment) so Django drops its cached storage backends.
    plain = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    plain.enable()
    yield
    plain.disable()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls are
    # still plain synchronous calls. Only for the browser session.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def live_seed(transactional_db):
    if not Source.objects.exists():
        call_command("loaddata", SEED_FIXTURE, verbosity=0)
    if not Group.objects.filter(name="Editors").exists():
        groups = importlib.import_module("archive.migrations.0003_editorial_groups")
        groups.create_groups(apps, None)


@pytest.fixture
def page(browser, live_server, live_seed):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def login(page, django_user_model):
    def log_in(username="editor", group="Publishers"):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        page.goto("/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        return user

    return log_in
