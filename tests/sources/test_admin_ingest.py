"""Add source from file, in the admin: the button, the form, success and refusals."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sources.models import Basis, Source
from sources.publishing import Status
from tests.conftest import snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
URL = "/admin/sources/source/ingest/"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("ed", password="pw-for-tests", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["archive", "sources"])
    )
    return user


@pytest.fixture
def reader(django_user_model):
    """Staff who may look at sources but not add them."""
    user = django_user_model.objects.create_user("viewer", password="pw-for-tests", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_source"))
    return user


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes() if content is None else content)


def test_the_url_and_the_button_on_the_source_list(client, seed, editor):
    assert reverse("admin:sources_source_ingest") == URL
    client.force_login(editor)
    page = client.get(reverse("admin:sources_source_changelist")).content.decode()
    assert f'<a href="{URL}" class="addlink">Add source from file</a>' in page


def test_the_form_has_the_admin_look_and_nothing_external(client, seed, editor):
    client.force_login(editor)
    page = client.get(URL).content.decode()
    assert "<title>Add source from file | " in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert '<div class="breadcrumbs">' in page and 'type="file" name="file"' in page
    assert "//" not in "".join(
        line for line in page.splitlines() if "<script" in line or "<link" in line
    )


def test_adding_a_web_page(client, seed, editor):
    client.force_login(editor)
    response = client.post(
        URL, {"file": upload("news-article.html"), "kind": "news-report", "language": "en"}
    )
    source = Source.objects.get(
        slug="microsoft-hires-sam-altman-after-openai-board-refuses-his-return"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sources_source_change", args=[source.pk])
    assert source.status == Status.DRAFT and source.title_basis == Basis.STATED
    assert source.history.get().history_user == editor
    page = client.get(response["Location"]).content.decode()
    workbench = reverse("admin:archive_annotation_workbench", args=[source.pk])
    assert (
        "Added the draft source “Microsoft hires Sam Altman after OpenAI board refuses his return” "
        "from news-article.html. 23 suggested mention(s) of 11 entity(ies): "
        f'<a href="{workbench}">review them in the workbench</a>.'
    ) in page


def test_given_metadata_overrides_the_file(client, seed, editor):
    client.force_login(editor)
    data = {
        "file": upload("board-statement.txt"),
        "title": "Altman out at OpenAI",
        "authors": "Dana Whitfield",
        "date": "2023-11",
        "stated": ["authors"],
    }
    assert client.post(URL, data).status_code == 302
    source = Source.objects.get(slug="altman-out-at-openai")
    assert source.authors == "Dana Whitfield" and source.authors_basis == Basis.STATED
    assert source.title_basis == Basis.ATTRIBUTED and source.published_display == "November 2023"
    assert source.attribution_notes == (
        "Attributed at ingest, evidence still to be recorded: title, date from the upload form; "
        "outlet from the front matter of board-statement.txt."
    )
    assert source.outlet == "The Example Tribune"  # from the front matter


def test_bad_files_are_refused_and_leave_the_database_unchanged(client, seed, editor):
    client.force_login(editor)
    seed_text = Source.objects.get(slug="sutskever-leike-exodus-blog").body.encode()
    cases = [
        ({"file": upload("empty.txt")}, "The submitted file is empty."),  # Django's own check
        ({"file": upload("scan.txt")}, "scan.txt is a binary file, not text."),
        ({"file": upload("latin1.txt")}, "latin1.txt is not UTF-8 (byte 0xE9 at offset 3"),
        ({"file": upload("a.txt", b"   \n\n  ")}, "a.txt is empty."),
        ({"file": upload("a.docx", b"PK\x03\x04")}, "unsupported file type &#x27;.docx&#x27;"),
        ({"file": upload("a.txt", b"OpenAI news")}, "a.txt has no title"),
        (
            {"file": upload("copy.txt", seed_text), "title": "Copy"},
            "This text is already in the archive as the source &#x27;sutskever-leike-exodus-blog",
        ),
        (
            {"file": upload("board-statement.txt"), "slug": "sutskever-leike-exodus-blog"},
            "The slug &#x27;sutskever-leike-exodus-blog&#x27; is taken",
        ),
        ({"file": upload("board-statement.txt"), "date": "soon"}, "Bad date &#x27;soon&#x27;"),
    ]
    before, history = snapshot(), Source.history.count()
    for data, message in cases:
        response = client.post(URL, data)
        assert response.status_code == 200, message
        assert message in response.content.decode(), message
        assert snapshot() == before, message
        assert Source.history.count() == history, message


def test_adding_needs_the_add_permission(client, seed, reader):
    client.force_login(reader)
    page = client.get(reverse("admin:sources_source_changelist")).content.decode()
    assert "Add source from file" not in page
    before = snapshot()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": upload("news-article.html")}).status_code == 403
    assert snapshot() == before


def test_anonymous_users_are_sent_to_log_in(client, seed):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
