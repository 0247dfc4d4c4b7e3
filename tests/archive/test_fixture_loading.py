"""loaddata's fast path (archive/fixture_loading.py): few queries, and Django's behaviour.

No timings here (docs/performance.md has them): the query budget is the regression guard.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import m2m_changed, post_save, pre_save

from archive.fixture_loading import NATURAL_KEYS, NaturalKeys, canonical, measure_loaddata
from archive.models import Annotation, Event, Person, SearchEntry
from sources.models import Source
from tests.conftest import SEED_FIXTURE, snapshot

SEED_PATH = Path(settings.BASE_DIR) / "fixtures" / f"{SEED_FIXTURE}.json"
KEY = "6c0b2a1e-0d9f-4a53-8f5e-2f4c3b1a0001"
NOW = "2026-01-01T00:00:00Z"


def row(model: str, **fields) -> dict:
    """A fixture row as a person writes one (raw saves do not fill in the timestamps)."""
    return {"model": model, "fields": {"created_at": NOW, "updated_at": NOW, **fields}}


def write(tmp_path, rows, name="fixture.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rows), encoding="utf-8")
    return str(path)


def dumped(*objects) -> list[dict]:
    return json.loads(
        serializers.serialize(
            "json", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
        )
    )


# The budget ---------------------------------------------------------------------------------


def test_loading_the_seed_into_an_empty_database_stays_within_its_query_budget(
    empty_db, django_assert_max_num_queries
):
    # About 1,800 rows. Django's own loader made some 14,000 queries: a lookup per natural
    # key, an INSERT per row, three or more per annotation's links, one per anchor check.
    # Now: a key table per model, the new rows of a model in a few INSERTs (SQLite takes at
    # most 999 values per statement), each event on its own (the participations after it
    # need its key), the links in a few statements per relation, one read of the texts, and
    # the search index rebuilt once. PostgreSQL needs about 490, SQLite about 560.
    with django_assert_max_num_queries(650):
        call_command("loaddata", SEED_FIXTURE, verbosity=0)
    assert Annotation.objects.count() == 1161
    assert Annotation.persons.through.objects.count() > 400
    assert SearchEntry.objects.exists()


def test_loading_the_seed_again_costs_about_one_query_per_row(seed, django_assert_max_num_queries):
    # Every row exists: one UPDATE each (Django's raw save, as before), nothing else per row.
    rows = len(json.loads(SEED_PATH.read_text(encoding="utf-8")))
    with django_assert_max_num_queries(rows + 100):
        call_command("loaddata", SEED_FIXTURE, verbosity=0)


# The key tables ------------------------------------------------------------------------------


def test_the_key_columns_agree_with_natural_key_for_every_row(seed, django_user_model):
    """NATURAL_KEYS says how each natural key reads from columns; natural_key() is the truth."""
    django_user_model.objects.create_user("keyed-user")
    Group.objects.get_or_create(name="Keyed group")
    keys = NaturalKeys(connection.alias)
    for label in NATURAL_KEYS:
        model = apps.get_model(label)
        table = keys.table(model)
        expected = {canonical(model, row.natural_key()): row.pk for row in model.objects.all()}
        assert table == expected, label
        assert len(table) == model.objects.count(), label


def test_a_uuid_key_in_any_spelling_is_the_same_row(seed, tmp_path):
    annotation = Annotation.objects.order_by("pk").first()
    (row,) = dumped(annotation)
    row["fields"]["key"] = str(annotation.key).upper()
    row["fields"]["note"] = "Loaded under its key in capitals."
    call_command("loaddata", write(tmp_path, [row]), verbosity=0)
    assert Annotation.objects.filter(key=annotation.key).get().note == row["fields"]["note"]


# Django's behaviour, kept -----------------------------------------------------------------


def test_new_rows_get_the_signals_of_a_raw_save(seed, tmp_path):
    events = []

    def before(sender, instance, raw, **kwargs):
        events.append(("pre", instance.pk, raw))

    def after(sender, instance, raw, created, **kwargs):
        events.append(("post", instance.pk, raw, created))

    source = Source.objects.get(slug="altman-visitor-badge-compilation")
    start = source.body.index("Ultraman")
    rows = [
        row(
            "archive.annotation",
            key=f"6c0b2a1e-0d9f-4a53-8f5e-2f4c3b1a000{n}",
            source=[source.slug],
            start=start,
            end=start + 8,
            exact="Ultraman",
            persons=[["sam-altman"]],
        )
        for n in range(3)
    ]
    pre_save.connect(before, sender=Annotation)
    post_save.connect(after, sender=Annotation)
    try:
        call_command("loaddata", write(tmp_path, rows), verbosity=0)
    finally:
        pre_save.disconnect(before, sender=Annotation)
        post_save.disconnect(after, sender=Annotation)
    pks = list(
        Annotation.objects.filter(key__in=[r["fields"]["key"] for r in rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert events == [("pre", None, True)] * 3 + [("post", pk, True, True) for pk in pks]
    assert all(Annotation.objects.get(pk=pk).persons.get().slug == "sam-altman" for pk in pks)


def test_a_reload_replaces_links_and_says_so(seed, tmp_path):
    annotation = Annotation.objects.filter(persons__slug="sam-altman").order_by("pk").first()
    (row,) = dumped(annotation)
    row["fields"]["persons"] = [["ilya-sutskever"]]
    changes = []

    def listen(sender, instance, action, pk_set, **kwargs):
        if instance == annotation:
            changes.append((action, {Person.objects.get(pk=pk).slug for pk in pk_set}))

    m2m_changed.connect(listen, sender=Annotation.persons.through)
    try:
        call_command("loaddata", write(tmp_path, [row]), verbosity=0)
    finally:
        m2m_changed.disconnect(listen, sender=Annotation.persons.through)
    assert [person.slug for person in annotation.persons.all()] == ["ilya-sutskever"]
    assert changes == [
        ("pre_remove", {"sam-altman"}),
        ("post_remove", {"sam-altman"}),
        ("pre_add", {"ilya-sutskever"}),
        ("post_add", {"ilya-sutskever"}),
    ]


def test_references_to_rows_further_down_the_fixture_resolve(seed, tmp_path):
    source = Source.objects.get(slug="altman-visitor-badge-compilation")
    start = source.body.index("Ultraman")
    (event,) = dumped(Event.objects.order_by("pk").first())
    child = {**event, "fields": {**event["fields"], "slug": "a-child", "parent": ["a-parent"]}}
    parent = {**event, "fields": {**event["fields"], "slug": "a-parent", "parent": None}}
    annotation = row(
        "archive.annotation",
        key=KEY,
        source=[source.slug],
        start=start,
        end=start + 8,
        exact="Ultraman",
        persons=[["someone-listed-later"]],
        events=[["a-parent"]],
    )
    person = row("archive.person", slug="someone-listed-later", name="S")
    call_command("loaddata", write(tmp_path, [child, annotation, parent, person]), verbosity=0)
    assert Event.objects.get(slug="a-child").parent.slug == "a-parent"
    loaded = Annotation.objects.get(key=KEY)
    assert [p.slug for p in loaded.persons.all()] == ["someone-listed-later"]
    assert [e.slug for e in loaded.events.all()] == ["a-parent"]


def test_a_load_writes_no_history(seed, tmp_path):
    history = [apps.get_model(label).history.model for label in ("archive.person", "archive.event")]
    before = [model.objects.count() for model in history]
    person = dumped(Person.objects.get(slug="sam-altman"))[0]
    person["fields"]["description"] = "Changed by a fixture."
    new = row("archive.person", slug="brand-new-person", name="New")
    event = dumped(Event.objects.order_by("pk").first())[0]
    call_command("loaddata", write(tmp_path, [person, new, event]), verbosity=0)
    assert Person.objects.get(slug="sam-altman").description == "Changed by a fixture."
    assert [model.objects.count() for model in history] == before


def test_other_formats_go_through_djangos_own_loader(seed, tmp_path):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    person = Person(slug="an-xml-person", name="From XML", created_at=now, updated_at=now)
    path = tmp_path / "people.xml"
    path.write_text(
        serializers.serialize("xml", [person], use_natural_primary_keys=True), encoding="utf-8"
    )
    call_command("loaddata", str(path), verbosity=0)
    assert Person.objects.get(slug="an-xml-person").name == "From XML"


def test_a_load_of_accounts_with_their_permissions(seed, tmp_path):
    group = Group.objects.create(name="Fixture group")
    group.permissions.set(Permission.objects.filter(codename__startswith="publish_"))
    rows = dumped(group)
    group.delete()
    call_command("loaddata", write(tmp_path, rows), verbosity=0)
    loaded = Group.objects.get(name="Fixture group")
    assert {p.codename for p in loaded.permissions.all()} == {
        p.codename for p in Permission.objects.filter(codename__startswith="publish_")
    }


def test_measure_loaddata_leaves_the_database_as_it_was(seed):
    before = snapshot()
    (seconds,) = measure_loaddata(SEED_FIXTURE, repeat=1)
    assert seconds > 0
    assert snapshot() == before


@pytest.mark.parametrize("key", [["not-a-uuid"], ["a", "b"], [None]])
def test_keys_the_tables_cannot_read_are_left_to_django(key):
    assert canonical(Annotation, key) is None
