"""Import of W3C annotations made elsewhere: reading them, anchoring them, never twice."""

import io
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from archive.importing import Outcome, import_annotations
from archive.models import AnchorStatus, Annotation, Motivation, Person
from archive.webannotation import vocabulary
from archive.webannotation.htmltext import html_to_text
from archive.webannotation.incoming import (
    MAX_ANNOTATIONS,
    Incoming,
    InvalidAnnotation,
    read_annotation,
    read_annotations,
)
from archive.webannotation.links import resolve_links, resolve_source
from sources.models import Source
from sources.publishing import Status
from tests.conftest import snapshot

SLUG = "jacobs-mission-and-execution-op-ed"
OTHER = "sutskever-leike-exodus-blog"
#: Another instance of the archive: its IRIs map onto ours by their paths.
ELSEWHERE = "https://archive.example.org"
SHIFT = 17


def w3c(annotation: Annotation, *, shift: int = SHIFT, **changes) -> dict:
    """An annotation as another tool would export it: W3C JSON-LD, offsets `shift`ed, a
    Hypothesis id. Written by hand so the test does not depend on the archive's serialiser."""
    body = []
    if annotation.note:
        purpose = vocabulary.note_purpose(annotation.motivation)
        body.append({"type": "TextualBody", "value": annotation.note, "purpose": purpose})
    if annotation.correction:
        body.append({"type": "TextualBody", "value": annotation.correction, "purpose": "editing"})
    if annotation.stance:
        body.append({"type": "TextualBody", "value": annotation.stance, "purpose": "classifying"})
    for route, entities in [
        ("people", annotation.persons.all()),
        ("organizations", annotation.organizations.all()),
        ("events", annotation.events.all()),
    ]:
        for entity in entities:
            body.append(
                {"type": "SpecificResource", "source": f"{ELSEWHERE}/{route}/{entity.slug}/"}
            )
    if annotation.quote:
        body.append(f"{ELSEWHERE}/quotes/{annotation.quote.slug}/")
    data = {
        "@context": vocabulary.CONTEXT,
        "id": f"https://hypothes.is/a/{annotation.key.hex[:22]}",
        "type": "Annotation",
        "motivation": vocabulary.TO_W3C[annotation.motivation],
        "created": "2023-11-22T09:30:00Z",
        "body": body,
        "target": {
            "source": "https://example.com/the-op-ed-as-published",
            "selector": [
                {
                    "type": "TextPositionSelector",
                    "start": annotation.start + shift,
                    "end": annotation.end + shift,
                },
                {
                    "type": "TextQuoteSelector",
                    "exact": annotation.exact,
                    "prefix": annotation.prefix,
                    "suffix": annotation.suffix,
                },
            ],
        },
    }
    data.update(changes)
    return data


def quote_target(exact: str, **selector) -> dict:
    return {
        "source": "https://example.com/page",
        "selector": {"type": "TextQuoteSelector", "exact": exact, **selector},
    }


@pytest.fixture
def source(seed):
    return Source.objects.get(slug=SLUG)


@pytest.fixture
def originals(source):
    return list(
        source.annotations.published()
        .order_by("start", "-end")
        .select_related("quote")
        .prefetch_related("persons", "organizations", "events")[:30]
    )


def run_import(source, data, **options):
    return import_annotations(source=source, items=read_annotations(data), **options)


def links_of(annotation: Annotation) -> tuple:
    return (
        {p.slug for p in annotation.persons.all()},
        {o.slug for o in annotation.organizations.all()},
        {e.slug for e in annotation.events.all()},
        annotation.quote_id,
    )


# The test ------------------------------------------------------------------------


def test_annotations_with_shifted_offsets_all_anchor_where_they_belong(source, originals):
    data = [w3c(annotation) for annotation in originals]
    report = run_import(source, data)
    assert [item.outcome for item in report.items] == [Outcome.MOVED] * len(originals)
    assert not report.kept_out
    for original, item in zip(originals, report.items, strict=True):
        imported = Annotation.objects.get(key=item.key)
        assert (imported.start, imported.end) == (original.start, original.end)
        assert (item.given_start, item.start) == (original.start + SHIFT, original.start)
        assert imported.exact == original.exact
        assert (imported.prefix, imported.suffix) == (original.prefix, original.suffix)
        assert imported.motivation == original.motivation
        assert (imported.note, imported.correction) == (original.note, original.correction)
        assert imported.stance == original.stance
        assert links_of(imported) == links_of(original)
        assert imported.status == Status.DRAFT
        assert imported.anchor_status == AnchorStatus.ANCHORED
        assert imported.origin == data[item.number - 1]["id"]
        assert imported.created_at.isoformat() == "2023-11-22T09:30:00+00:00"


def test_importing_the_same_file_again_adds_nothing(source, originals):
    data = [w3c(annotation) for annotation in originals]
    first = run_import(source, data)
    before = snapshot()
    again = run_import(source, data)
    assert snapshot() == before
    assert [item.outcome for item in again.items] == [Outcome.ALREADY] * len(originals)
    assert again.items[0].reason == f"as {first.items[0].key}"
    assert [item.key for item in again.items] == [item.key for item in first.items]
    assert again.summary.startswith(f"0 annotation(s) imported into {SLUG}; 30 already imported")


def test_an_annotation_twice_in_one_file_is_imported_once(source, originals):
    report = run_import(source, [w3c(originals[0]), w3c(originals[0])])
    assert [item.outcome for item in report.items] == [Outcome.MOVED, Outcome.ALREADY]
    assert report.items[1].reason == "the same annotation as #1 of this file"
    assert report.items[1].key == report.items[0].key


def test_without_an_id_the_content_is_the_annotations_identity(source, originals):
    data = w3c(originals[0])
    del data["id"]
    first = run_import(source, data)
    assert Annotation.objects.get(key=first.items[0].key).origin.startswith("sha256:")
    assert run_import(source, data).items[0].outcome == Outcome.ALREADY


# Each outcome ----------------------------------------------------------------------------


def test_a_quote_with_a_typo_is_saved_fuzzy_as_a_draft_for_review(source, originals):
    original = max(originals, key=lambda a: len(a.exact))
    typo = original.exact[:10] + "x" + original.exact[11:]
    report = run_import(source, w3c(original, target=quote_target(typo)), publish=True)
    item = report.items[0]
    assert item.outcome == Outcome.FUZZY
    assert 0.85 <= item.similarity < 1
    assert (item.start, item.end, item.given_exact) == (original.start, original.end, typo)
    imported = Annotation.objects.get(key=item.key)
    assert imported.exact == original.exact  # the archive's words, never the quote's
    assert imported.anchor_status == AnchorStatus.FUZZY
    assert imported.status == Status.DRAFT  # published only once an editor has checked it
    assert report.needing_review == [item]


def test_a_passage_that_is_not_in_the_text_is_kept_out_with_the_reason(source, originals):
    data = w3c(originals[0], target=quote_target("The quick brown fox jumps over the lazy dog."))
    before = Annotation.objects.count()
    item = run_import(source, data).items[0]
    assert item.outcome == Outcome.NOT_ANCHORABLE
    assert "no passage like “The quick brown fox" in item.reason
    assert Annotation.objects.count() == before


def test_a_passage_that_occurs_several_times_without_context_is_kept_out(source):
    item = run_import(source, {"type": "Annotation", "target": quote_target("OpenAI")}).items[0]
    assert item.outcome == Outcome.NOT_ANCHORABLE
    assert "the context does not tell which" in item.reason


def test_an_invalid_item_is_kept_out_and_the_others_imported(source, originals):
    data = [w3c(originals[0]), w3c(originals[1], motivation="bookmarking"), w3c(originals[2])]
    report = run_import(source, data)
    assert [item.outcome for item in report.items] == [
        Outcome.MOVED,
        Outcome.INVALID,
        Outcome.MOVED,
    ]
    assert report.items[1].id == data[1]["id"]
    assert report.items[1].reason == (
        "its motivation 'bookmarking' is not one the archive records (it takes commenting, "
        "describing, editing, identifying, linking, questioning)"
    )


def test_a_rule_of_the_archive_makes_an_item_invalid(source, originals):
    # A correction belongs to a correcting annotation only (a named database constraint).
    data = w3c(
        originals[0],
        motivation="commenting",
        body=[{"type": "TextualBody", "value": "should say X", "purpose": "editing"}],
    )
    item = run_import(source, data).items[0]
    assert item.outcome == Outcome.INVALID
    assert "correction_needs_correcting" in item.reason


def test_unknown_entity_iris_are_reported_and_the_annotation_imported(source, originals):
    original = next(a for a in originals if a.persons.exists())
    data = w3c(original)
    data["body"] += [
        f"{ELSEWHERE}/people/nobody-at-all/",
        {"id": "http://www.wikidata.org/entity/Q7407093", "purpose": "identifying"},
    ]
    item = run_import(source, data).items[0]
    assert item.outcome == Outcome.MOVED
    assert item.unknown == {
        f"{ELSEWHERE}/people/nobody-at-all/": "no person 'nobody-at-all' in the archive",
        "http://www.wikidata.org/entity/Q7407093": (
            "not the address of a person, organisation, event or quote"
        ),
    }
    assert item.links["persons"] == [p.slug for p in original.persons.all()]


def test_an_annotation_of_another_source_is_refused(source, originals):
    target = {**w3c(originals[0])["target"], "source": f"{ELSEWHERE}/sources/{OTHER}/"}
    item = run_import(source, w3c(originals[0], target=target)).items[0]
    assert item.outcome == Outcome.REFUSED
    assert item.reason == f"targets {OTHER}, not {SLUG}"


def test_a_target_naming_this_source_is_accepted(source, originals):
    target = {**w3c(originals[0])["target"], "source": f"/annotations/sources/{SLUG}/"}
    assert run_import(source, w3c(originals[0], target=target)).items[0].outcome.imported


def test_an_annotation_of_this_archive_already_here_is_not_imported_again(source, originals):
    original = originals[0]
    data = w3c(original, id=f"{ELSEWHERE}/annotations/{original.key}/")
    item = run_import(source, data).items[0]
    assert item.outcome == Outcome.ALREADY
    assert item.reason == f"the archive's own annotation {original.key} (on {SLUG})"


def test_an_annotation_from_another_instance_keeps_its_key(source, originals):
    key = uuid.uuid4()
    data = w3c(originals[0], id=f"{ELSEWHERE}/annotations/{key}/")
    assert run_import(source, data).items[0].key == str(key)
    assert Annotation.objects.get(key=key).origin == data["id"]
    again = run_import(source, data).items[0]
    assert again.reason == f"the archive's own annotation {key} (on {SLUG})"


def test_publish_and_author(source, originals):
    editor = get_user_model().objects.create_user("importer")
    item = run_import(source, w3c(originals[0]), publish=True, user=editor).items[0]
    imported = Annotation.objects.get(key=item.key)
    assert (imported.status, imported.author) == (Status.PUBLISHED, editor)


def test_a_dry_run_reports_and_saves_nothing(source, originals):
    before = snapshot()
    report = run_import(source, [w3c(a) for a in originals[:5]], dry_run=True)
    assert snapshot() == before
    assert report.counts[Outcome.MOVED] == 5
    assert report.summary.endswith("(dry run: nothing saved).")


def test_a_failure_in_the_middle_leaves_the_archive_unchanged(source, originals, monkeypatch):
    saves = 0
    save = Annotation.save

    def failing_save(self, *args, **kwargs):
        nonlocal saves
        saves += 1
        if saves == 5:
            raise RuntimeError("the disk is full")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Annotation, "save", failing_save)
    before = snapshot()
    with pytest.raises(RuntimeError, match="disk is full"):
        run_import(source, [w3c(a) for a in originals[:10]])
    assert snapshot() == before


# File shapes and reading -----------------------------------------------------------------


def _shapes(items: list[dict]) -> dict[str, object]:
    return {
        "list": items,
        "collection": {
            "@context": [vocabulary.CONTEXT, vocabulary.LDP_CONTEXT],
            "id": f"{ELSEWHERE}/annotations/",
            "type": ["BasicContainer", "AnnotationCollection"],
            "total": len(items),
            "first": {
                "id": f"{ELSEWHERE}/annotations/?page=0",
                "type": "AnnotationPage",
                "items": items[:2],
                "next": {"type": "AnnotationPage", "items": items[2:]},
            },
        },
        "page": {"type": "AnnotationPage", "items": items},
    }


@pytest.mark.parametrize("shape", ["list", "collection", "page"])
def test_the_three_container_shapes_are_read_alike(source, originals, shape):
    items = [w3c(a) for a in originals[:4]]
    entries = read_annotations(_shapes(items)[shape])
    assert [entry.id for entry in entries] == [item["id"] for item in items]
    report = import_annotations(source=source, items=entries)
    assert report.counts[Outcome.MOVED] == 4


def test_a_collection_whose_pages_are_not_in_the_file_is_refused_whole():
    collection = {"type": "AnnotationCollection", "total": 3, "first": "https://x.org/a/?page=0"}
    with pytest.raises(InvalidAnnotation, match="first page is not in the file"):
        read_annotations(collection)
    page = {"type": "AnnotationPage", "items": [], "next": "https://x.org/a/?page=1"}
    with pytest.raises(InvalidAnnotation, match="fetch every page"):
        read_annotations(page)


def test_too_many_annotations_are_refused():
    with pytest.raises(InvalidAnnotation, match="at most 10,000"):
        read_annotations([{}] * (MAX_ANNOTATIONS + 1))


def test_each_bad_entry_is_its_own_error_with_its_index():
    entries = read_annotations(
        [{"type": "Annotation", "target": quote_target("words")}, ["x"], "https://x.org/a/1"]
    )
    assert isinstance(entries[0], Incoming)
    assert isinstance(entries[1], InvalidAnnotation) and entries[1].index == 1
    assert str(entries[1]) == "an annotation must be a JSON object, not a list"
    assert str(entries[2]) == "the file has only its IRI, not the annotation: https://x.org/a/1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": "https://example.com/page"}, "a whole resource, not a passage"),
        ({"target": {"source": "x"}}, "its target has no TextQuoteSelector"),
        ({"target": quote_target("   ")}, "exact text is empty"),
        ({"target": quote_target(5)}, "its exact must be a string, not a number"),
        ({"target": quote_target("x" * 20_001)}, r"20,001 characters long \(at most 20,000\)"),
        ({"type": "Person"}, "its type is 'Person', not Annotation"),
        ({"motivation": 3}, "a string or a list of strings"),
        ({"id": ["a"]}, "its id must be a string, not a list"),
        ({"bodyValue": "n" * 20_001}, "at most 20,000"),
    ],
)
def test_invalid_annotations_say_why_in_one_sentence(change, message):
    data = {"type": "Annotation", "target": quote_target("words"), **change}
    with pytest.raises(InvalidAnnotation, match=message):
        read_annotation(data)


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ({"start": -1, "end": 3}, "start must be a whole number ≥ 0, not -1"),
        ({"start": "1", "end": 3}, "start must be a whole number ≥ 0, not '1'"),
        ({"start": 1, "end": True}, "end must be a whole number ≥ 0, not True"),
        ({"start": 5, "end": 5}, "ends \\(5\\) before it starts \\(5\\)"),
    ],
)
def test_positions_must_be_offsets(position, message):
    selector = [{"type": "TextPositionSelector", **position}, {"type": "TextQuoteSelector"}]
    selector[1]["exact"] = "words"
    with pytest.raises(InvalidAnnotation, match=message):
        read_annotation({"type": "Annotation", "target": {"source": "x", "selector": selector}})


def test_real_world_variations_are_read():
    incoming = read_annotation(
        {
            "@context": vocabulary.CONTEXT,
            "@id": "urn:uuid:1",
            "@type": "oa:Annotation",
            "motivation": ["oa:bookmarking", "http://www.w3.org/ns/oa#questioning"],
            "bodyValue": "Is this right?",
            "body": [
                {
                    "type": "TextualBody",
                    "value": "<p>See <a href='https://x.org/'>this</a>",
                    "format": "text/html",
                },
                {"type": "TextualBody", "value": "speculates", "purpose": "classifying"},
                {"type": "TextualBody", "value": "ai", "purpose": "tagging"},
                {"type": "Choice", "items": [{"id": "/people/sam-altman/"}, {"id": "/x/"}]},
            ],
            "target": [
                "https://example.com/page",
                {
                    "source": "https://example.com/page",
                    "selector": {
                        "type": "FragmentSelector",
                        "value": "para-3",
                        "refinedBy": [
                            {"type": "TextPositionSelector", "start": 3, "end": 8},
                            {"type": "TextQuoteSelector", "exact": "words", "prefix": "some "},
                        ],
                    },
                },
            ],
            "created": "2023-11-22T09:30:00",
            "modified": "yesterday",
        }
    )
    assert incoming.id == "urn:uuid:1"
    assert incoming.motivation == Motivation.QUESTIONING
    assert (incoming.exact, incoming.prefix, incoming.start) == ("words", "some ", None)
    assert incoming.target_source == "https://example.com/page"
    assert incoming.note == "Is this right?\n\nSee [this](https://x.org/)"
    assert incoming.stance == "speculates"
    assert incoming.entity_iris == ["/people/sam-altman/"]
    assert incoming.created.isoformat() == "2023-11-22T09:30:00+00:00"
    assert incoming.modified is None
    assert incoming.remarks == [
        "it has 2 targets: took target 2, the first with a TextQuoteSelector",
        "set aside a TextPositionSelector inside a refinement",
        "set aside a 'tagging' body: 'ai'",
        "it states motivations 'bookmarking', 'questioning': took 'questioning'",
        "set aside its modified, which is not a date and time: 'yesterday'",
    ]


def test_without_a_motivation_the_bodies_purposes_tell():
    def motivation(*bodies):
        data = {"type": "Annotation", "body": list(bodies), "target": quote_target("words")}
        return read_annotation(data).motivation

    assert motivation() == Motivation.COMMENTING
    assert motivation({"value": "a note", "purpose": "commenting"}) == Motivation.COMMENTING
    correction = {"value": "the right words", "purpose": "editing"}
    assert motivation({"value": "a note"}, correction) == Motivation.CORRECTING
    person = {"type": "SpecificResource", "source": "/people/x/", "purpose": "identifying"}
    assert motivation(person) == Motivation.IDENTIFYING


def test_a_hypothesis_api_annotation_is_read():
    incoming = read_annotation(
        {
            "id": "Zx1aB2",
            "uri": "https://example.com/page",
            "text": "A **note**",
            "tags": ["ai"],
            "updated": "2023-11-23T10:00:00+00:00",
            "target": [
                {
                    "source": "https://example.com/page",
                    "selector": [
                        {"type": "RangeSelector", "startContainer": "/p[1]"},
                        {"type": "TextPositionSelector", "start": 10, "end": 15},
                        {"type": "TextQuoteSelector", "exact": "words"},
                    ],
                }
            ],
        }
    )
    # The id Hypothesis gives the same annotation in its W3C export: one origin for both.
    assert incoming.id == "https://hypothes.is/a/Zx1aB2"
    assert (incoming.note, incoming.start, incoming.end) == ("A **note**", 10, 15)
    assert incoming.modified.isoformat() == "2023-11-23T10:00:00+00:00"
    assert incoming.remarks == ["set aside its tags: 'ai'"]


def test_html_is_reduced_to_text_and_never_trusted():
    html = (
        "<p>One <b>bold</b> claim<br>next line</p><script>alert(1)</script>"
        "<p><a href='javascript:alert(1)'>bad</a> &lt;img src=x onerror=y&gt;</p>"
    )
    assert html_to_text(html) == "One bold claim\nnext line\n\nbad <img src=x onerror=y>"


# Links -------------------------------------------------------------------------------------


def test_links_resolve_by_path_on_any_host_with_one_query_per_kind(seed, django_assert_num_queries):
    person = Person.objects.first()
    quotes = list(Annotation.objects.exclude(quote=None).values_list("quote__slug", flat=True))
    iris = [
        f"{ELSEWHERE}/people/{person.slug}/",
        f"/people/{person.slug}",  # no trailing slash
        f"https://elsewhere.example/quotes/{quotes[0]}/",
        f"{ELSEWHERE}/quotes/{quotes[1]}/",
        "https://example.com/people/",
    ]
    with django_assert_num_queries(2):
        links = resolve_links(iris)
    assert links.persons == [person]
    assert links.quote.slug == quotes[0]
    assert links.unknown == [iris[3], iris[4]]
    assert links.reasons[iris[3]].startswith(f"a second quote ({quotes[1]})")


def test_a_source_is_named_by_its_pages_or_its_published_address(seed):
    assert resolve_source(f"{ELSEWHERE}/sources/{SLUG}/").slug == SLUG
    assert resolve_source(f"http://testserver/annotations/sources/{SLUG}/").slug == SLUG
    Source.objects.filter(slug=OTHER).update(url="https://blog.example.com/exodus")
    assert resolve_source("https://blog.example.com/exodus#para-2").slug == OTHER
    assert resolve_source("https://example.com/unknown") is None
    assert resolve_source("") is None


# The command -------------------------------------------------------------------------------


def command(*args, stdin: str | None = None):
    out = io.StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    try:
        call_command("import_annotations", *args, **options)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def export_file(tmp_path, originals):
    person_annotation = next(a for a in originals if a.persons.exists())
    longest = max(originals, key=lambda a: len(a.exact))
    typo = longest.exact[:4] + "q" + longest.exact[5:]
    items = [
        w3c(originals[0], shift=0),
        w3c(person_annotation),
        w3c(longest, target=quote_target(typo)),
        w3c(originals[2], target=quote_target("Nothing like this is in the op-ed at all.")),
        w3c(originals[3], motivation="bookmarking"),
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path, person_annotation


def test_the_command_reports_each_annotation_and_exits_1_if_some_were_kept_out(
    source, originals, export_file
):
    path, person_annotation = export_file
    output, error = command(str(path), "--source", SLUG)
    lines = output.splitlines()
    first = originals[0]
    assert lines[0].startswith(f"#1 anchored {first.start}–{first.end} “")
    moved = person_annotation
    slugs = ", ".join(p.slug for p in moved.persons.all())
    assert lines[1].startswith(
        f"#2 moved {moved.start + SHIFT}–{moved.end + SHIFT} → {moved.start}–{moved.end} “"
    )
    assert f"→ persons: {slugs}" in lines[1]
    assert lines[2].startswith("#3 fuzzy (")
    assert lines[3].startswith("#4 not anchorable: no passage like")
    assert lines[4].startswith("#5 invalid: its motivation 'bookmarking'")
    assert lines[-1] == (
        f"3 annotation(s) imported into {SLUG} (1 anchored, 1 moved, 1 fuzzy); "
        "1 to review (fuzzy); kept out: 1 not anchorable, 1 invalid."
    )
    assert error.returncode == 1
    output, error = command(str(path), "--source", SLUG)
    key = Annotation.objects.get(origin=w3c(originals[0])["id"]).key
    assert output.splitlines()[0] == f"#1 already imported: as {key}"
    assert "3 already imported" in output.splitlines()[-1]


def test_the_command_prints_json_and_reads_standard_input(source, originals):
    data = json.dumps({"type": "AnnotationPage", "items": [w3c(originals[0])]})
    output, error = command("-", "--source", SLUG, "--json", "--dry-run", stdin=data)
    assert error is None
    report = json.loads(output)
    assert report["dry_run"] is True
    assert report["counts"]["moved"] == 1
    assert report["items"][0]["start"] == originals[0].start
    assert not Annotation.objects.filter(origin=w3c(originals[0])["id"]).exists()


def test_the_command_exits_0_when_everything_was_imported(source, originals, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(w3c(originals[0])), encoding="utf-8")
    editor = get_user_model().objects.create_user("importer")
    _, error = command(str(path), "--source", SLUG, "--user", "importer", "--publish")
    assert error is None
    imported = Annotation.objects.get(origin=w3c(originals[0])["id"])
    assert (imported.author, imported.status) == (editor, Status.PUBLISHED)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('[{"type": "Annotation",\n "id": }]', [], "not valid JSON: Expecting value at line 2"),
        ("42", [], "holds a JSON number, not annotations"),
        ("[]", ["--user", "nobody"], "No user named 'nobody'"),
        ("[]", ["--source", "no-such-source"], "No source with slug 'no-such-source'"),
    ],
)
def test_the_command_refuses_a_bad_file_or_argument_with_exit_2(
    source, tmp_path, content, args, message
):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    arguments = [str(path), "--source", SLUG, *args]
    if "--source" in args:
        arguments = [str(path), *args]
    _, error = command(*arguments)
    assert message in str(error)
    assert error.returncode == 2


def test_the_command_names_standard_input_in_its_errors(source):
    _, error = command("-", "--source", SLUG, stdin='{"a":')
    assert str(error) == "standard input is not valid JSON: Expecting value at line 1, column 6"
    assert error.returncode == 2


def test_the_command_says_when_the_file_cannot_be_read(source, tmp_path):
    _, error = command(str(tmp_path / "missing.json"), "--source", SLUG)
    assert "Cannot read" in str(error) and "No such file" in str(error)
    assert error.returncode == 2


def test_the_database_refuses_a_second_annotation_of_one_origin(seed):
    """Two imports of one file running at once cannot both write: a named constraint."""
    first = Annotation.objects.filter(origin="").first()
    twin = Annotation(
        source=first.source,
        start=first.start,
        end=first.end,
        exact=first.exact,
        motivation=first.motivation,
        origin="https://hypothes.is/a/abc",
    )
    twin.save()
    clone = Annotation(
        source=first.source,
        start=first.start,
        end=first.end,
        exact=first.exact,
        motivation=first.motivation,
        origin="https://hypothes.is/a/abc",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
