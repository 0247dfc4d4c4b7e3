"""Shared fixtures: the seed collection (loaded once per session), and a small hand-made one.

The test database is created with the seed collection in it, and every test runs in a
transaction that is rolled back, so loading it once serves the whole suite. Tests that need
their own small world start from `empty_db`.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command

from archive.models import (
    Annotation,
    DismissedMention,
    Event,
    Organization,
    OrganizationAlias,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
    SearchEntry,
)
from sources.models import Source
from sources.publishing import Status

SEED_FIXTURE = "openai-2023"

#: Every model of the two apps, in an order that deletes cleanly.
APP_MODELS = [
    Annotation,
    DismissedMention,
    Participation,
    Role,
    Quote,
    PersonAlias,
    OrganizationAlias,
    Event,
    Person,
    Organization,
    Source,
]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table of the two apps, M2M links included: for 'nothing changed'."""
    tables = {}
    for model in APP_MODELS:
        models = [model] + [field.remote_field.through for field in model._meta.local_many_to_many]
        for table_model in models:
            columns = [field.attname for field in table_model._meta.concrete_fields]
            tables[table_model._meta.label] = sorted(
                table_model.objects.values_list(*columns), key=repr
            )
    return tables


@pytest.fixture(scope="session", autouse=True)
def production_like_settings(tmp_path_factory):
    """Test with production settings (DEBUG off, collected and hashed static files), except
    for the redirect to HTTPS: the test client speaks plain HTTP."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    settings.STATIC_ROOT = tmp_path_factory.mktemp("staticfiles")
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def no_cached_pages():
    """Each test starts with an empty cache: query budgets measure the uncached path, and a
    rolled-back test leaves no page behind under a generation token the next test reuses."""
    caches["default"].clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("loaddata", SEED_FIXTURE, verbosity=0)


@pytest.fixture
def seed(db):
    """The seed collection, as loaded at the start of the session."""
    assert Source.objects.filter(slug="altman-visitor-badge-compilation").exists()


def clear_collection() -> None:
    """Delete every source and entity, inside the caller's transaction (rolled back with it).
    Raw deletes: no signals, so no history rows for a test's clean slate."""
    Event.objects.update(parent=None)
    Organization.objects.update(parent=None)
    for model in APP_MODELS:
        for field in model._meta.local_many_to_many:
            field.remote_field.through.objects.all()._raw_delete(using="default")
        model.objects.all()._raw_delete(using="default")
    SearchEntry.objects.all()._raw_delete(using="default")  # the index of what was deleted


@pytest.fixture
def empty_db(db):
    """No sources or entities at all (the deletions are rolled back after the test)."""
    clear_collection()


BODY = (
    "Ultraman returns to OpenAI.\n\n"
    "Sam Altman said “I love the OpenAI team” on X 🚀, and Greg Altman agreed."
)


@pytest.fixture
def source(empty_db):
    return Source.objects.create(
        slug="sample", title="Sample report", body=BODY, status=Status.PUBLISHED
    )


@pytest.fixture
def altman(empty_db):
    person = Person.objects.create(slug="sam-altman", name="Sam Altman", status=Status.PUBLISHED)
    for name, kind in [
        ("Sam Altman", "name"),
        ("Altman", "short"),
        ("Ultraman", "nickname"),
        ("Greg Altman", "error"),
    ]:
        person.aliases.create(name=name, kind=kind)
    return person


@pytest.fixture
def openai(empty_db):
    organization = Organization.objects.create(
        slug="openai", name="OpenAI", status=Status.PUBLISHED
    )
    organization.aliases.create(name="OpenAI", kind="name")
    return organization


@pytest.fixture
def annotate(source):
    """Create an annotation on `source` by its words: annotate("Sam Altman", persons=[...])."""

    def make(exact, occurrence=0, persons=(), organizations=(), events=(), **fields):
        start = -1
        for _ in range(occurrence + 1):
            start = source.body.index(exact, start + 1)
        annotation = Annotation.objects.create(
            source=source,
            start=start,
            end=start + len(exact),
            exact=exact,
            status=fields.pop("status", Status.PUBLISHED),
            **fields,
        )
        annotation.persons.set(persons)
        annotation.organizations.set(organizations)
        annotation.events.set(events)
        return annotation

    return make


def model_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in (Source, Person, Organization, Event, Quote, Annotation)
    }


@pytest.fixture
def make_user(django_user_model):
    """make_user("eddie", "Editors"): a staff account (password "pw") in that group, with a
    full name (Ed Eddie) as editors have; staff=False for an outsider with an account."""

    def make(username, group=None, staff=True):
        user = django_user_model.objects.create_user(
            username, password="pw", is_staff=staff, first_name="Ed", last_name=username.title()
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make
