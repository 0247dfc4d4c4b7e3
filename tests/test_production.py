"""Production: security headers and CSP, structured request logs, login rate limiting, gunicorn.

See docs/production.md. The browser half of the CSP check is tests/browser/test_csp.py.
"""

import json
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from archive.logs import RequestIdFilter
from archive.request_log import client_ip
from tests.archive.test_page_quality import public_urls

#: The documented production environment (docs/production.md), with every optional variable.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "archive.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://archive.example.org",
    "SITE_URL": "https://archive.example.org",
    "DATABASE_URL": "sqlite:////tmp/unused-production-check.sqlite3",
    "LOG_FORMAT": "json",
    "TRUSTED_PROXY_COUNT": "1",
    "LOGIN_FAILURE_LIMIT": "5",
    "LOGIN_COOLOFF_MINUTES": "15",
}


def environment(**env):
    """The test process's environment without what makes settings lenient, plus `env`."""
    drop = {"PYTEST_VERSION", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **env}


def manage(*args, env):
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


# -- settings ---------------------------------------------------------------------------------


def test_the_documented_environment_passes_check_deploy_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be json or text"),
        ("LOGIN_FAILURE_LIMIT", "five", "LOGIN_FAILURE_LIMIT must be a whole number"),
        ("TRUSTED_PROXY_COUNT", "yes", "TRUSTED_PROXY_COUNT must be a whole number"),
        ("LOGIN_COOLOFF_MINUTES", "0", "LOGIN_COOLOFF_MINUTES must be at least 1"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(name, value, message):
    result = manage("check", env={**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_cookies_are_secure_and_the_session_cookie_is_out_of_scripts_reach():
    # The suite runs with DEBUG off, as production does.
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    # Annotation protocol clients read the CSRF cookie (docs/web-annotations.md).
    assert not settings.CSRF_COOKIE_HTTPONLY


# -- headers and the Content-Security-Policy ---------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_every_public_page_has_the_strict_policy_and_the_security_headers(client, seed):
    for url in public_urls():
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["base-uri"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["form-action"] == ["'self'"], url
        assert "style-src-attr" not in policy, url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert "unsafe-eval" not in response["Content-Security-Policy"], url
        assert "unsafe-hashes" not in response["Content-Security-Policy"], url
        assert response["Strict-Transport-Security"].startswith("max-age=31536000"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]


def test_the_api_and_the_annotation_protocol_have_the_policy_too(client, seed):
    for url in ["/api/sources/", "/annotations/"]:
        response = client.get(url)
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert directives(response["Content-Security-Policy"])["default-src"] == ["'self'"]


def test_the_admin_may_apply_one_style_attribute_and_nothing_inline_else(admin_client, seed):
    response = admin_client.get(reverse("admin:archive_person_changelist"))
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    # django-simple-history's history page: style="border-top: 0", by its hash.
    assert policy["style-src-attr"] == [
        "'unsafe-hashes'",
        "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='",
    ]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, event handler
    attributes, style attributes, <style> elements, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._script = attributes
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action"} and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        script = self._script
        data_block = script is not None and script.get("type") in {
            "application/json",
            "application/ld+json",
        }
        if script is not None and data.strip() and "src" not in script and not data_block:
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_no_public_page_has_inline_script_or_style(client, seed):
    for url in public_urls():
        html = client.get(url).content.decode()
        assert inline_code(html) == [], url


def test_the_workbench_and_the_admin_pages_have_no_inline_script_or_style(admin_client, seed):
    from archive.models import Annotation, Person
    from sources.models import Source

    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    person = Person.objects.get(slug="sam-altman")
    annotation = Annotation.objects.filter(source=source).first()
    for url in [
        reverse("admin:index"),
        reverse("admin:archive_annotation_workbench", args=[source.pk]),
        reverse("admin:archive_person_changelist"),
        reverse("admin:archive_person_change", args=[person.pk]),
        reverse("admin:archive_annotation_change", args=[annotation.pk]),
        reverse("admin:sources_source_change", args=[source.pk]),
        reverse("admin:sources_source_ingest"),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


# -- structured request logs ------------------------------------------------------------------


def json_formatter():
    """The formatter of the handler settings.LOGGING puts on the root logger."""
    for handler in logging.getLogger().handlers:
        if any(isinstance(f, RequestIdFilter) for f in handler.filters):
            return handler.formatter
    raise AssertionError("no archive console handler on the root logger")


def request_lines(caplog):
    records = [r for r in caplog.records if r.name == "archive.request"]
    return [json.loads(json_formatter().format(record)) for record in records]


def test_a_request_writes_one_json_line_with_its_id(client, seed, caplog):
    assert settings.LOG_FORMAT == "json"
    caplog.set_level(logging.INFO, logger="archive.request")
    url = reverse("source-detail", kwargs={"slug": "sutskever-leike-exodus-blog"})
    response = client.get(url + "?q=private-words", HTTP_X_REQUEST_ID="edge-4f2a-17")
    assert response["X-Request-ID"] == "edge-4f2a-17"
    [line] = request_lines(caplog)
    assert line["level"] == "INFO"
    assert line["logger"] == "archive.request"
    assert line["message"] == f"GET {url} 200"
    assert line["method"] == "GET"
    assert line["path"] == url  # never the query string
    assert line["status"] == 200
    assert line["request_id"] == "edge-4f2a-17"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["timestamp"])
    assert "private-words" not in json.dumps(line)


@pytest.mark.parametrize("incoming", ["", "a" * 65, "id with spaces", "id\nforged: line"])
def test_an_odd_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get("/", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_login_is_logged_without_its_secrets(client, django_user_model, fast_hashing, caplog):
    caplog.set_level(logging.DEBUG)
    django_user_model.objects.create_user("editor", password="correct-horse", is_staff=True)
    client.get("/admin/login/")  # sets the CSRF cookie
    login = reverse("admin:login") + "?next=/admin/secret-place/"
    client.post(login, {"username": "editor", "password": "hunter2-wrong"})
    client.post(login, {"username": "editor", "password": "correct-horse"})
    formatter = json_formatter()
    text = "\n".join(formatter.format(record) for record in caplog.records)
    for secret in ["hunter2", "correct-horse", "secret-place", "csrftoken", "sessionid"]:
        assert secret not in text
    posts = [line for line in request_lines(caplog) if line["method"] == "POST"]
    assert [line["status"] for line in posts] == [200, 302]
    assert {line["path"] for line in posts} == {"/admin/login/"}


def test_the_client_address_comes_from_x_forwarded_for_only_behind_trusted_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # anyone can send X-Forwarded-For
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # what our proxy appended
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: not to be trusted
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense")
    assert client_ip(garbage) == "10.0.0.2"


# -- login rate limiting (django-axes) --------------------------------------------------------

PASSWORD = "the-right-password"


@pytest.fixture
def fast_hashing(settings):
    """Every attempt checks a password: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(django_user_model, fast_hashing):
    user = django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def log_in(client, username, password, **extra):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password}, **extra
    )


def test_five_failures_lock_the_username_and_address_even_with_the_right_password(
    client, editor, django_user_model
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = log_in(client, "editor", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert b"Please enter the correct username and password" in response.content
    assert log_in(client, "editor", "wrong").status_code == 429  # the fifth locks

    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "paused for\n    15 minutes, after 5\n    failed attempts" in page
    assert "_auth_user_id" not in client.session

    # Another account from the same address, and the same account from another address.
    django_user_model.objects.create_user("other", password=PASSWORD, is_staff=True)
    assert log_in(client.__class__(), "other", PASSWORD).status_code == 302
    elsewhere = client.__class__(REMOTE_ADDR="192.0.2.44")
    assert log_in(elsewhere, "editor", PASSWORD).status_code == 302

    call_command("axes_reset", verbosity=0)
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_behind_a_proxy_failures_count_per_forwarded_address(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        log_in(client, "editor", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert log_in(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == (
        429
    )
    assert log_in(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == (
        302
    )


def test_without_a_trusted_proxy_x_forwarded_for_cannot_escape_the_lock(client, editor):
    for number in range(5):
        log_in(client, "editor", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    response = log_in(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


def test_a_success_clears_the_failures(client, editor):
    for _ in range(4):
        log_in(client, "editor", "wrong")
    assert log_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "editor", "wrong").status_code == 200
    assert log_in(client, "editor", PASSWORD).status_code == 302


# -- gunicorn ---------------------------------------------------------------------------------

PREPARE = """
import django
django.setup()
from django.core.management import call_command
from sources.models import Source
from sources.publishing import Status
call_command("migrate", verbosity=0)
Source.objects.create(
    slug="sample", title="Sample report", body="Ultraman returns to OpenAI.",
    status=Status.PUBLISHED,
)
call_command("collectstatic", interactive=False, verbosity=0)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a local http URL)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.headers, response.read()


def test_gunicorn_serves_the_archive_with_production_settings(tmp_path):
    port = free_port()
    env = environment(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="0",  # plain HTTP here; behind the proxy it is HTTPS
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        DJANGO_SETTINGS_MODULE="archive.settings",
    )
    subprocess.run(  # noqa: S603 (a fixed script)
        [sys.executable, "-c", PREPARE], cwd=settings.BASE_DIR, env=env, check=True, timeout=60
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "archive/gunicorn.py"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, _ = get(
                    f"http://127.0.0.1:{port}/", **{"X-Forwarded-Proto": "https"}
                )
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "gunicorn did not answer in 20 s"
                time.sleep(0.2)
        assert status == 200
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["Server"] == "gunicorn"

        status, headers, body = get(
            f"http://127.0.0.1:{port}/sources/sample/",
            **{"X-Forwarded-Proto": "https", "X-Request-ID": "test-reader-1"},
        )
        assert status == 200 and b"Ultraman returns" in body
        assert headers["X-Request-ID"] == "test-reader-1"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors

    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]  # all JSON
    assert any(line["message"].startswith("Listening at") for line in lines)
    [reader] = [line for line in lines if line.get("request_id") == "test-reader-1"]
    assert reader["logger"] == "archive.request"
    assert (reader["method"], reader["path"], reader["status"]) == ("GET", "/sources/sample/", 200)


def test_gunicorn_refuses_to_start_without_a_secret_key():
    env = environment(DEBUG="0", ALLOWED_HOSTS="127.0.0.1", BIND=f"127.0.0.1:{free_port()}")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "archive/gunicorn.py"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
