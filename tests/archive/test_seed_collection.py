"""The seed collection: it loads anywhere, is complete and consistent, and survives a round trip."""

import json
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management import call_command

from archive.collection import compile_collection
from archive.collection_checks import check_collection
from archive.management.commands.export_collection import COLLECTION_MODELS
from archive.models import (
    Annotation,
    Event,
    Motivation,
    Organization,
    Person,
    Quote,
)
from sources.models import Source
from sources.publishing import Status
from sources.text import normalise
from tests.conftest import APP_MODELS, snapshot

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CATALOGUE = FIXTURES / "openai-2023"


def test_the_fixture_is_the_compiled_catalogue():
    """The committed fixture must be rebuilt (make collection) when the catalogue changes."""
    committed = json.loads((FIXTURES / "openai-2023.json").read_text(encoding="utf-8"))
    assert compile_collection(CATALOGUE) == committed


def test_the_fixture_has_no_primary_keys():
    rows = json.loads((FIXTURES / "openai-2023.json").read_text(encoding="utf-8"))
    assert rows and all("pk" not in row for row in rows)


def test_every_source_is_its_seed_text_normalised(seed):
    files = sorted((CATALOGUE / "texts").glob("*.txt"))
    bodies = set(Source.objects.values_list("body", flat=True))
    assert len(files) == len(bodies) == 5
    for path in files:
        assert normalise(path.read_text(encoding="utf-8")) in bodies


def test_the_seed_loads_complete_and_published(seed):
    assert Source.objects.count() == 5
    assert Person.objects.count() >= 35
    assert Organization.objects.count() >= 40
    assert Event.objects.count() >= 45
    assert Quote.objects.count() >= 60
    assert Annotation.objects.count() >= 1000
    for model in (Source, Person, Organization, Event, Quote, Annotation):
        assert not model.objects.exclude(status=Status.PUBLISHED).exists(), model


def test_the_seed_passes_check_collection_clean(seed):
    report = check_collection()
    assert report.mismatch_count == 0
    assert report.unresolved_count == 0
    assert report.unmentioned_people == [] and report.unmentioned_organizations == []
    out = StringIO()
    call_command("check_collection", "--strict", stdout=out)
    assert "anchors all match" in out.getvalue()


def test_nicknames_and_wrong_names_are_linked_to_the_right_person(seed):
    altman = Person.objects.get(slug="sam-altman")
    compilation = Source.objects.get(slug="altman-visitor-badge-compilation")
    ultraman = compilation.annotations.filter(exact="Ultraman")
    assert ultraman.count() == compilation.body.count("Ultraman") > 20
    assert all(altman in a.persons.all() for a in ultraman)
    wrong = compilation.annotations.get(exact="Greg Altman")
    assert wrong.motivation == Motivation.CORRECTING
    assert wrong.correction == "Sam Altman"
    assert list(wrong.persons.all()) == [altman]
    leitege = compilation.annotations.get(exact="Brad Leitege")
    assert leitege.correction == "Brad Lightcap"


def test_one_utterance_many_renderings(seed):
    badge = Quote.objects.get(renderings__exact__contains="first and last time using this")
    renderings = badge.renderings.filter(source__slug="altman-visitor-badge-compilation")
    assert renderings.count() == 4
    assert len(set(renderings.values_list("exact", flat=True))) == 4
    assert badge.speaker.slug == "sam-altman"


def test_events_put_beijing_and_pacific_reports_on_one_timeline(seed):
    badge_visit = Event.objects.get(slug="altman-guest-badge-visit")
    fired = Event.objects.get(slug="altman-fired")
    shear = Event.objects.get(slug="shear-named-interim-ceo")
    assert fired.occurred_at < badge_visit.occurred_at < shear.occurred_at
    assert (
        badge_visit.annotations.filter(source__slug="altman-visitor-badge-compilation").count() >= 3
    )


def test_sources_disagree_and_the_disagreement_is_data(seed):
    returns = Event.objects.get(slug="altman-returns-agreement")
    stances = set(returns.annotations.values_list("stance", flat=True))
    assert {"reports", "contradicts"} <= stances


def test_the_seed_loads_beside_another_collection(empty_db):
    other = Source.objects.create(slug="other-story", title="Another story", body="Jane Doe spoke.")
    jane = Person.objects.create(slug="jane-doe", name="Jane Doe")
    Annotation.objects.create(source=other, start=0, end=8, exact="Jane Doe").persons.add(jane)
    call_command("loaddata", "openai-2023", verbosity=0)
    assert Source.objects.count() == 6
    assert Annotation.objects.get(source=other).persons.get() == jane
    assert check_collection().mismatch_count == 0


def test_loading_the_seed_twice_changes_nothing(seed):
    before = snapshot()
    call_command("loaddata", "openai-2023", verbosity=0)
    assert snapshot() == before


def natural_key_dump() -> str:
    out = StringIO()
    call_command(
        "dumpdata",
        *COLLECTION_MODELS,
        natural_foreign=True,
        natural_primary=True,
        format="json",
        indent=1,
        stdout=out,
    )
    return out.getvalue()


def comparable(dump: str) -> list[dict]:
    """The rows of a natural-key dump, in a canonical order, timestamps aside."""
    rows = json.loads(dump)
    for row in rows:
        row["fields"].pop("created_at", None)
        row["fields"].pop("updated_at", None)
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def test_dump_into_an_empty_database_and_load_reproduces_everything(seed, tmp_path):
    dump = tmp_path / "dump.json"
    call_command("export_collection", output=str(dump), stdout=StringIO())
    counts = {model: model.objects.count() for model in APP_MODELS}
    links = Annotation.persons.through.objects.count(), Annotation.events.through.objects.count()

    Event.objects.update(parent=None)
    Organization.objects.update(parent=None)
    for model in APP_MODELS:
        model.objects.all().delete()  # with history rows, as an operator's deletes would
    assert all(model.objects.count() == 0 for model in APP_MODELS)

    call_command("loaddata", str(dump), verbosity=0)
    assert {model: model.objects.count() for model in APP_MODELS} == counts
    assert (
        Annotation.persons.through.objects.count(),
        Annotation.events.through.objects.count(),
    ) == links
    assert comparable(natural_key_dump()) == comparable(dump.read_text(encoding="utf-8"))


def test_serialised_annotations_use_natural_keys(seed):
    annotation = Annotation.objects.filter(persons__isnull=False).first()
    (row,) = json.loads(
        serializers.serialize(
            "json", [annotation], use_natural_foreign_keys=True, use_natural_primary_keys=True
        )
    )
    assert "pk" not in row
    assert row["fields"]["source"] == [annotation.source.slug]
    assert all(isinstance(key, list) for key in row["fields"]["persons"])
