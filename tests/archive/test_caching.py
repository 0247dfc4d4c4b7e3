"""Caching of public pages: served from the cache, and never stale after a change.

Every key carries the content generation (archive/caching.py), replaced when a change to
published content commits, so these tests change content in every way an editor can (ORM
and admin) and check that the next anonymous request shows it. A test runs in one
transaction that never commits: `commit()` writes the new token as the editor's commit
would, and without it the same-transaction path (the change's own connection) is tested.
"""

import gzip
import os
import uuid
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive import caching
from archive.models import Annotation, ContentGeneration, Person, Quote
from archive.rendering import render_paragraphs
from sources.models import Source
from sources.publishing import Status
from tests.admin_forms import person_form

READER = "altman-visitor-badge-compilation"

#: Every cached public page, by URL.
PAGES = [
    "/",
    "/sources/",
    f"/sources/{READER}/",
    "/people/",
    "/people/sam-altman/",
    "/people/sam-altman/?page=2",
    "/organizations/",
    "/organizations/openai/",
    "/events/",
    "/events/altman-guest-badge-visit/",
    "/quotes/",
    "/search/?q=altman",
]

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.content.decode()


def commit() -> None:
    """What the commit of the editor's transaction does: write the new tokens it holds."""
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, caching._Bump) and not callback.done:
            callback()


def stored_token() -> str:
    """The token as other connections (other processes) read it."""
    return ContentGeneration.objects.get().token


@pytest.fixture(params=["committed", "same transaction"])
def read(request, client):
    """read(url) -> (response, html) of an anonymous request, after the editor's transaction
    committed, or from inside it."""

    def read(url):
        if request.param == "committed":
            commit()
        return get(client, url)

    return read


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("pat", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Publishers"))
    staff = Client()
    staff.force_login(user)
    return staff


def stored() -> list[str]:
    return list(caches["default"]._cache)  # LocMemCache's own dict: what is stored


@contextmanager
def process(name: str):
    """A gunicorn worker of its own: a local-memory cache no other "process" shares. The
    database (and so the generation) is shared, as between real workers."""
    with override_settings(CACHES={"default": {"BACKEND": LOCMEM, "LOCATION": name}}):
        yield


@pytest.fixture(autouse=True)
def local_memory():
    """Local memory whatever REDIS_URL says (the Redis test below sets its own)."""
    with process("tests"):
        caches["default"].clear()
        yield


# Served from the cache --------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_a_second_request_is_served_from_the_cache_with_one_query(
    client, seed, django_assert_num_queries, url
):
    first, html = get(client, url)
    assert first.status_code == 200 and first["X-Archive-Cache"] == "miss"
    # One query: the current generation, a primary-key lookup.
    with django_assert_num_queries(1):
        second, again = get(client, url)
    assert second["X-Archive-Cache"] == "hit"
    assert again == html
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]


def test_browsers_must_revalidate_and_get_a_304_while_nothing_changed(client, seed):
    response = client.get(f"/sources/{READER}/")
    assert response["Cache-Control"] == "no-cache"  # never a max-age: no stale copy anywhere
    etag = response["ETag"]
    assert client.get(f"/sources/{READER}/", headers={"if-none-match": etag}).status_code == 304
    source = Source.objects.get(slug=READER)
    source.title = "A new title"
    source.save()
    changed = client.get(f"/sources/{READER}/", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "A new title" in changed.content.decode()


def test_clients_that_accept_gzip_get_the_copy_compressed_when_stored(client, seed):
    plain = client.get(f"/sources/{READER}/")
    packed = client.get(f"/sources/{READER}/", headers={"accept-encoding": "gzip, br"})
    assert packed["X-Archive-Cache"] == "hit" and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 4
    assert packed["Vary"] == plain["Vary"] == "Accept-Encoding"
    assert packed["ETag"] != plain["ETag"]  # two representations, two tags
    again = client.get(
        f"/sources/{READER}/",
        headers={"accept-encoding": "gzip", "if-none-match": packed["ETag"]},
    )
    assert again.status_code == 304


def test_head_requests_share_the_entry_of_get(client, seed):
    assert client.head("/sources/")["X-Archive-Cache"] == "miss"
    assert client.get("/sources/")["X-Archive-Cache"] == "hit"


def test_pages_are_keyed_by_host_and_query(client, seed):
    """The reader writes absolute links for citations; search pages differ by query."""
    _, one = get(client, f"/sources/{READER}/", host="localhost")
    _, other = get(client, f"/sources/{READER}/", host="127.0.0.1")
    assert "http://localhost/sources/" in one and "http://localhost/" not in other
    _, altman = get(client, "/search/?q=altman")
    _, toner = get(client, "/search/?q=toner")
    assert altman != toner


def test_parameters_a_page_does_not_read_are_served_uncached(client, seed):
    """Tracking parameters, or made-up ones, never add a stored copy of a page."""
    response = client.get(f"/sources/{READER}/?utm_source=mail")
    assert response.status_code == 200 and response["X-Archive-Cache"] == "bypass"
    assert not [key for key in stored() if ":page:" in key]
    assert client.get("/people/sam-altman/?page=2")["X-Archive-Cache"] == "miss"
    assert client.get("/people/sam-altman/?page=2&x=1")["X-Archive-Cache"] == "bypass"
    assert client.get("/sources/?kind=op-ed")["X-Archive-Cache"] == "miss"  # filters: any


def test_not_found_pages_are_not_cached(client, seed):
    Person.objects.create(slug="a-draft", name="A Draft")
    assert client.get("/people/a-draft/").status_code == 404
    assert not stored()


def test_the_switch_turns_page_caching_off(client, seed, settings):
    settings.ARCHIVE_PAGE_CACHE = False
    settings.ARCHIVE_STORED_READINGS = False  # not a cache, but it would spare the rendering
    client.get(f"/sources/{READER}/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/sources/{READER}/")
    assert "X-Archive-Cache" not in response and "ETag" not in response
    assert len(queries) > 1  # rendered again
    assert not stored()  # not even the article's body


# Never stale: changes through the ORM ------------------------------------------------------


def test_a_change_replaces_the_token_when_its_transaction_commits(seed):
    before = stored_token()
    with CaptureQueriesContext(connection) as during:
        Person.objects.get(slug="sam-altman").save()
    # Nothing written before the commit: no lock on the shared row for two editors to
    # deadlock on.
    assert not [q for q in during if "archive_contentgeneration" in q["sql"]]
    assert stored_token() == before
    commit()
    assert stored_token() != before
    assert caching.current_generation() == stored_token()


def test_a_transaction_sees_its_own_changes_and_a_rollback_forgets_them(seed):
    before = caching.current_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Person.objects.get(slug="sam-altman").save()
        inside = caching.current_generation()
        assert inside != before and inside.startswith(before + "~")
        raise RuntimeError
    assert caching.current_generation() == before
    commit()
    assert stored_token() == before  # nothing to write: the change was rolled back


def test_outside_a_transaction_the_token_is_replaced_at_once(seed):
    before = stored_token()
    with mock.patch.object(connections["default"], "in_atomic_block", False):  # autocommit
        caching.bump_generation()
    assert stored_token() != before


def test_one_new_token_per_transaction_unless_read_in_between(seed):
    people = list(Person.objects.all()[:3])
    for person in people:
        person.save()
    assert len(bumps()) == 1  # not one per row: see bump_generation
    token = caching.current_generation()  # a page rendered inside the transaction...
    people[0].save()
    assert len(bumps()) == 2
    assert caching.current_generation() != token  # ...is not left current by a change


def bumps() -> list:
    return [f for _s, f, _r in connection.run_on_commit if isinstance(f, caching._Bump)]


def test_loading_a_fixture_writes_one_new_token(seed):
    before = stored_token()
    with CaptureQueriesContext(connection) as queries:
        call_command("loaddata", "openai-2023", verbosity=0)
        commit()
    writes = [
        q for q in queries if q["sql"].startswith("UPDATE") and "contentgeneration" in q["sql"]
    ]
    assert len(writes) == 1
    assert stored_token() != before


def test_a_missing_generation_row_is_made_again(seed):
    ContentGeneration.objects.all().delete()
    token = caching.current_generation()
    assert token and caching.current_generation() == token
    caching.bump_generation()
    commit()
    assert caching.current_generation() != token


def test_migrate_starts_a_new_generation(seed):
    """A deployment runs migrate: pages a shared cache kept from the old code are not served."""
    before = stored_token()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    commit()
    assert stored_token() != before


def publish_a_draft_source(read):
    source = Source.objects.create(
        slug="fresh-report", title="A fresh report", body="Fresh words.", status=Status.DRAFT
    )
    assert "A fresh report" not in read("/sources/")[1]
    assert read("/sources/fresh-report/")[0].status_code == 404
    source.status = Status.PUBLISHED
    source.save()
    assert "A fresh report" in read("/sources/")[1]
    assert "Fresh words." in read("/sources/fresh-report/")[1]


def unpublish_a_source(read):
    assert "Visitor" in read("/")[1]
    source = Source.objects.get(slug=READER)
    source.status = Status.DRAFT
    source.save()
    assert read(f"/sources/{READER}/")[0].status_code == 404
    assert READER not in read("/sources/")[1]
    assert READER not in read("/people/sam-altman/")[1]


def edit_a_source_text(read):
    source = Source.objects.get(slug=READER)
    assert "An added closing line." not in read(source.get_absolute_url())[1]
    source.body += "\n\nAn added closing line."
    source.save()
    assert "An added closing line." in read(source.get_absolute_url())[1]


def rename_a_person(read):
    urls = ["/people/sam-altman/", "/people/", f"/sources/{READER}/", "/search/?q=altman"]
    for url in urls:
        assert "Samuel H. Altman" not in read(url)[1]
    person = Person.objects.get(slug="sam-altman")
    person.name = "Samuel H. Altman"
    person.save()
    for url in urls:
        assert "Samuel H. Altman" in read(url)[1], url


def add_an_alias(read):
    assert "Sama" not in read("/people/sam-altman/")[1]
    Person.objects.get(slug="sam-altman").aliases.create(name="Sama", kind="nickname")
    assert "Sama" in read("/people/sam-altman/")[1]


def delete_an_annotation(read):
    annotation = Annotation.objects.published().filter(source__slug=READER).first()
    anchor = f'id="a-{annotation.key}"'
    assert anchor in read(f"/sources/{READER}/")[1]
    annotation.delete()
    assert anchor not in read(f"/sources/{READER}/")[1]


def unlink_and_relink_a_person(read):
    annotation = Annotation.objects.published().filter(persons__slug="sam-altman").last()
    person = annotation.persons.get(slug="sam-altman")
    link = f"#a-{annotation.key}"
    url = f"/people/sam-altman/?page={person_page_of(annotation)}"
    assert link in read(url)[1]
    annotation.persons.remove(person)  # m2m_changed only: the annotation itself is not saved
    assert link not in read(url)[1]
    person.annotations.add(annotation)  # from the other side of the link
    assert link in read(url)[1]


def person_page_of(annotation) -> int:
    from archive.mention_pages import MENTIONS_PER_PAGE, mention_page

    pages = mention_page("persons", Person.objects.get(slug="sam-altman"), 1).page.paginator
    for number in pages.page_range:
        if annotation in pages.page(number).object_list:
            return number
    raise AssertionError(f"{annotation} is on no page of {MENTIONS_PER_PAGE}")


def edit_a_quote(read):
    quote = Quote.objects.published().filter(renderings__isnull=False).first()
    assert "Edited words" not in read(quote.get_absolute_url())[1]
    assert "Edited words" not in read("/search/?q=edited")[1]
    quote.text = "Edited words"
    quote.save()
    assert "Edited words" in read(quote.get_absolute_url())[1]
    assert "Edited words" in read("/search/?q=edited")[1]


@pytest.mark.parametrize(
    "change",
    [
        publish_a_draft_source,
        unpublish_a_source,
        edit_a_source_text,
        rename_a_person,
        add_an_alias,
        delete_an_annotation,
        unlink_and_relink_a_person,
        edit_a_quote,
    ],
)
def test_the_next_anonymous_request_shows_a_change_made_with_the_orm(read, seed, change):
    change(read)


# Never stale: changes through the admin ----------------------------------------------------


def test_a_publisher_publishes_in_the_admin_and_readers_see_it(read, seed, publisher):
    draft = Person.objects.create(slug="larry-summers", name="Larry Summers")
    assert "Larry Summers" not in read("/people/")[1]
    assert read("/people/larry-summers/")[0].status_code == 404
    publisher.post(
        reverse("admin:archive_person_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert "Larry Summers" in read("/people/")[1]
    assert read("/people/larry-summers/")[0].status_code == 200
    publisher.post(
        reverse("admin:archive_person_changelist"),
        {"action": "unpublish", "_selected_action": [draft.pk]},
    )
    assert "Larry Summers" not in read("/people/")[1]
    assert read("/people/larry-summers/")[0].status_code == 404


def test_a_publisher_renames_a_person_in_the_admin_and_readers_see_it(read, seed, publisher):
    person = Person.objects.get(slug="jan-leike")
    assert "Jan Leike (renamed)" not in read(person.get_absolute_url())[1]
    data = person_form(person, name="Jan Leike (renamed)")
    url = reverse("admin:archive_person_change", args=[person.pk])
    assert publisher.post(url, data).status_code == 302
    assert "Jan Leike (renamed)" in read(person.get_absolute_url())[1]


def test_a_publisher_unlinks_and_deletes_an_annotation_in_the_admin(read, seed, publisher):
    annotation = Annotation.objects.published().filter(
        source__slug=READER, persons__slug="sam-altman"
    )[0]
    link = f"#a-{annotation.key}"
    person_url = f"/people/sam-altman/?page={person_page_of(annotation)}"
    assert link in read(person_url)[1]
    data = {
        "source": annotation.source_id,
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "motivation": annotation.motivation,
        "note": annotation.note,
        "correction": annotation.correction,
        "stance": annotation.stance,
        "status": annotation.status,
        "persons": [],  # unlinked: a change of links only
        "version": annotation.version,
    }
    url = reverse("admin:archive_annotation_change", args=[annotation.pk])
    response = publisher.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    assert link not in read(person_url)[1]

    anchor = f'id="a-{annotation.key}"'
    assert anchor in read(f"/sources/{READER}/")[1]
    delete_url = reverse("admin:archive_annotation_delete", args=[annotation.pk])
    assert publisher.post(delete_url, {"post": "yes"}).status_code == 302
    assert anchor not in read(f"/sources/{READER}/")[1]


# Who gets cached pages ---------------------------------------------------------------------


def test_logged_in_staff_never_get_or_fill_cached_pages(client, seed, publisher):
    url = f"/sources/{READER}/"
    assert client.get(url)["X-Archive-Cache"] == "miss"  # an anonymous reader fills it
    staff = publisher.get(url)
    assert staff["X-Archive-Cache"] == "bypass"
    assert "no-store" in staff["Cache-Control"] and "private" in staff["Cache-Control"]
    caches["default"].clear()
    assert publisher.get(url)["X-Archive-Cache"] == "bypass"
    assert client.get(url)["X-Archive-Cache"] == "miss"  # the staff request stored nothing


def serve(view, request=None):
    request = request or RequestFactory().get("/somewhere/")
    return caching.cache_public_page(view)(request)


def test_responses_that_set_cookies_are_not_cached(seed):
    calls = []

    def sets_a_cookie(request):
        calls.append(1)
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    assert serve(sets_a_cookie)["X-Archive-Cache"] == "bypass"
    assert serve(sets_a_cookie).cookies["seen"].value == "1"
    assert len(calls) == 2


def test_responses_that_use_the_session_or_a_csrf_token_are_not_cached(seed):
    def uses_session(request):
        request.session.get("anything")
        return HttpResponse("hello")

    def uses_csrf(request):
        return HttpResponse(get_token(request))

    request = RequestFactory().get("/somewhere/")
    request.session = SessionStore()
    assert serve(uses_session, request)["X-Archive-Cache"] == "bypass"
    assert serve(uses_csrf)["X-Archive-Cache"] == "bypass"
    assert serve(lambda request: HttpResponse("plain"))["X-Archive-Cache"] == "miss"
    assert serve(lambda request: HttpResponse("plain"))["X-Archive-Cache"] == "hit"


# Several processes --------------------------------------------------------------------------


def test_a_change_made_in_one_process_is_seen_by_the_other(seed, publisher):
    """Two gunicorn workers, each with its own local-memory cache, one database."""
    url = "/people/jan-leike/"
    reader = Client()
    with process("worker-a"):
        assert reader.get(url)["X-Archive-Cache"] == "miss"
        assert reader.get(url)["X-Archive-Cache"] == "hit"
    with process("worker-b"):
        assert reader.get(url)["X-Archive-Cache"] == "miss"  # caches are not shared
        assert reader.get(url)["X-Archive-Cache"] == "hit"
        person = Person.objects.get(slug="jan-leike")
        person.description = "Changed while worker B served the page."
        person.save()  # the editor's request lands on worker B...
        commit()  # ...and its transaction commits
    with process("worker-a"):
        response = reader.get(url)
        assert response["X-Archive-Cache"] == "miss"
        assert "Changed while worker B" in response.content.decode()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_pages_are_shared_and_fresh_in_redis(seed):
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this test's keys only; they expire
        "TIMEOUT": 60,
    }
    url = "/people/jan-leike/"
    reader = Client()
    with override_settings(CACHES={"default": backend}):
        assert reader.get(url)["X-Archive-Cache"] == "miss"
    with override_settings(CACHES={"default": backend}):  # another process, same Redis
        assert reader.get(url)["X-Archive-Cache"] == "hit"
        person = Person.objects.get(slug="jan-leike")
        person.description = "Changed with Redis."
        person.save()
        commit()
        response = reader.get(url)
        assert response["X-Archive-Cache"] == "miss"
        assert "Changed with Redis." in response.content.decode()


def test_a_cache_that_fails_costs_speed_not_pages(client, seed):
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    with override_settings(CACHES={"default": down}):
        response = client.get(f"/sources/{READER}/")
    assert response.status_code == 200 and response["X-Archive-Cache"] == "miss"
    assert "passage-mark" in response.content.decode()


# Article bodies -------------------------------------------------------------------------


def test_an_article_body_is_rendered_once_per_version(client, seed):
    source = Source.objects.get(slug=READER)
    with mock.patch.object(caching, "render_paragraphs", wraps=render_paragraphs) as render:
        client.get(f"/sources/{READER}/")
        client.get(f"/sources/{READER}/?utm_source=mail")  # another page, the same body
        assert render.call_count == 1
        # A change elsewhere makes a new generation, so the page is rendered again; the
        # article's text and passages did not change, so its body is not.
        person = Person.objects.get(slug="jan-leike")
        person.description = "Unrelated to this article."
        person.save()
        assert client.get(f"/sources/{READER}/")["X-Archive-Cache"] == "miss"
        assert render.call_count == 1
        source.body += "\n\nA new paragraph."
        source.save()
        assert "A new paragraph." in client.get(f"/sources/{READER}/").content.decode()
        assert render.call_count == 2
        annotation = Annotation.objects.published().filter(source=source).first()
        annotation.status = Status.DRAFT
        annotation.save()
        assert (
            f'id="a-{annotation.key}"' not in client.get(source.get_absolute_url()).content.decode()
        )
        assert render.call_count == 3
