"""Editing a source's text re-anchors every passage: moved, fuzzy or orphaned, never lost."""

from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.collection_checks import check_collection
from archive.models import AnchorStatus, Annotation, DismissedMention, Person
from archive.reanchor import REASON
from sources.anchoring import anchor_span
from sources.history import PRIOR_STATE
from sources.models import Source
from sources.publishing import Status
from sources.reanchoring import Outcome
from tests.security.conftest import form_of

COMPILATION = "altman-visitor-badge-compilation"


def test_text_added_before_moves_passages_with_their_words(annotate, source):
    ultraman = annotate("Ultraman")
    agreed = annotate("agreed")
    source.body = "A new first paragraph.\n\n" + source.body
    source.save()
    assert source.reanchor_report.counts[Outcome.MOVED] == 2
    for annotation in (ultraman, agreed):
        annotation.refresh_from_db()
        assert source.body[annotation.start : annotation.end] == annotation.exact
        assert annotation.anchor_status == AnchorStatus.MOVED
        assert annotation.version == 2


def test_a_reworded_passage_is_anchored_to_the_closest_text_and_flagged(annotate, source):
    wrong = annotate("Greg Altman")
    source.body = source.body.replace("Greg Altman", "Sam Altman")
    source.save()
    wrong.refresh_from_db()
    assert wrong.anchor_status == AnchorStatus.FUZZY
    assert source.body[wrong.start : wrong.end] == wrong.exact == "Sam Altman"
    assert source.reanchor_report.needing_review == [wrong]


def test_a_deleted_passage_is_kept_as_an_orphan_with_its_old_text(annotate, source):
    agreed = annotate("agreed")
    ultraman = annotate("Ultraman")
    source.body = source.body.replace(", and Greg Altman agreed", "")
    source.save()
    agreed.refresh_from_db()
    assert agreed.anchor_status == AnchorStatus.ORPHANED
    assert agreed.exact == "agreed"
    assert Annotation.objects.filter(pk=agreed.pk).exists()
    assert agreed not in Annotation.objects.published()
    ultraman.refresh_from_db()
    assert ultraman.anchor_status == AnchorStatus.ANCHORED
    # Putting the words back brings the orphan back, flagged for a look.
    source.body = source.body.replace("🚀", "🚀, and Greg Altman agreed")
    source.save()
    agreed.refresh_from_db()
    assert agreed.anchor_status == AnchorStatus.FUZZY
    assert source.body[agreed.start : agreed.end] == "agreed"


def test_a_flag_stays_until_an_editor_confirms(annotate, source):
    wrong = annotate("Greg Altman")
    source.body = source.body.replace("Greg Altman", "Sam Altman")
    source.save()
    source.body = "Intro.\n\n" + source.body
    source.save()
    wrong.refresh_from_db()
    assert wrong.anchor_status == AnchorStatus.FUZZY
    wrong.anchor_status = AnchorStatus.ANCHORED  # what confirming in the workbench does
    wrong.save()
    assert wrong.version == 4


def test_dismissed_suggestions_follow_their_words_or_are_dropped(source, altman):
    def dismiss(words):
        start = source.body.index(words)
        return DismissedMention.objects.create(
            source=source, person=altman, start=start, end=start + len(words), exact=words
        )

    kept, reworded = dismiss("Ultraman"), dismiss("Greg Altman")
    source.body = "A new first paragraph.\n\n" + source.body.replace("Greg Altman", "Greg Brock")
    source.save()
    assert source.reanchor_report.dismissals_dropped == 1
    kept.refresh_from_db()
    assert source.body[kept.start : kept.end] == kept.exact == "Ultraman"
    assert kept.prefix == "A new first paragraph.\n\n"
    assert not DismissedMention.objects.filter(pk=reworded.pk).exists()


def test_re_anchoring_is_recorded_in_history(annotate, source):
    annotation = annotate("agreed")
    source.body = "Intro.\n\n" + source.body
    source.save()
    reasons = list(annotation.history.values_list("history_change_reason", flat=True))
    assert any("Re-anchored" in (reason or "") for reason in reasons)


def test_a_re_anchored_version_keeps_its_links_for_a_revert(annotate, source, altman, openai):
    """Reverting to the re-anchored version must not unlink its people and organisations."""
    annotation = annotate("Ultraman", persons=[altman], organizations=[openai])
    source.body = "Intro.\n\n" + source.body
    source.save()
    record = annotation.history.filter(history_change_reason=REASON).get()
    assert [link.person_id for link in record.persons.all()] == [altman.pk]
    assert [link.organization_id for link in record.organizations.all()] == [openai.pk]
    assert record.start == annotation.start + len("Intro.\n\n")


def test_a_failure_while_re_anchoring_leaves_text_and_passages_as_they_were(
    annotate, source, monkeypatch
):
    annotation = annotate("agreed")
    before = source.body

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The passages are written by then: their history failing must undo them too.
    monkeypatch.setattr("archive.reanchor.record_changes", explode)
    source.body = "Intro.\n\n" + source.body
    with pytest.raises(RuntimeError):
        source.save()
    assert Source.objects.get(pk=source.pk).body == before
    fresh = Annotation.objects.get(pk=annotation.pk)
    assert (fresh.start, fresh.end, fresh.version) == (annotation.start, annotation.end, 1)


def test_editing_a_seed_article_keeps_every_anchor(seed):
    source = Source.objects.get(slug="altman-visitor-badge-compilation")
    count = source.annotations.count()
    marker = "After a weekend of continuous ferment"
    source.body = source.body.replace(marker, "An editor's inserted sentence. " + marker, 1)
    source.save()
    report = source.reanchor_report
    assert report.counts[Outcome.ORPHANED] == 0 and report.counts[Outcome.FUZZY] == 0
    assert sum(report.counts.values()) == count
    assert check_collection([source]).mismatch_count == 0


def recorded(record) -> dict:
    """What a history row says, apart from its own id and time."""
    skipped = {"history_id", "history_date"}
    fields = record._meta.concrete_fields
    return {f.attname: getattr(record, f.attname) for f in fields if f.attname not in skipped}


def test_an_edit_in_the_admin_records_every_moved_passage_as_simple_history_does(
    seed, admin_client, admin_user
):
    source = Source.objects.get(slug=COMPILATION)
    imported = {a.pk: a for a in source.annotations.prefetch_related("persons")}
    assert imported and not Annotation.history.filter(id__in=imported).exists()
    url = reverse("admin:sources_source_change", args=[source.pk])
    data = form_of(admin_client, url)
    data["body"] = ["An editor's note, inserted above the article.\n\n" + source.body]
    assert admin_client.post(url, data).status_code == 302
    source.refresh_from_db()
    for annotation in source.annotations.prefetch_related("persons"):
        was = imported[annotation.pk]
        prior, change = annotation.history.order_by("history_date", "history_id")
        # Before the first edit of an imported passage: its state, links included.
        assert (prior.history_type, prior.history_change_reason) == ("+", PRIOR_STATE)
        assert (prior.start, prior.version) == (was.start, was.version)
        assert {p.person_id for p in prior.persons.all()} == {p.pk for p in was.persons.all()}
        # The edit: by the editor who saved the text, with the reason and the new anchor.
        assert (change.history_type, change.history_change_reason) == ("~", REASON)
        assert change.history_user == admin_user
        assert change.start == was.start + len("An editor's note, inserted above the article.\n\n")
        assert change.version == was.version + 1 == annotation.version
        assert source.body[change.start : change.end] == change.exact
        # Both rows are exactly the ones simple-history's own bulk writer makes.
        [theirs_prior] = Annotation.history.bulk_history_create(
            [was], default_user=admin_user, default_change_reason=PRIOR_STATE
        )
        [theirs] = Annotation.history.bulk_history_create(
            [annotation], update=True, default_user=admin_user, default_change_reason=REASON
        )
        assert recorded(prior) == recorded(theirs_prior)
        assert recorded(change) == recorded(theirs)


def imported_source(slug: str, passages: int) -> Source:
    """A source with `passages` imported mentions of a person (no history, as after loaddata)."""
    person = Person.objects.get(slug="sam-altman")
    source = Source.objects.create(
        slug=slug, title=slug, body="Sam Altman spoke. " * passages, status=Status.PUBLISHED
    )
    annotations = Annotation.objects.bulk_create(
        Annotation(
            source=source, status=Status.PUBLISHED, **asdict(anchor_span(source.body, i, i + 10))
        )
        for i in range(0, len(source.body), len("Sam Altman spoke. "))
    )
    Annotation.persons.through.objects.bulk_create(
        Annotation.persons.through(annotation=annotation, person=person)
        for annotation in annotations
    )
    return source


def queries_to_edit(source: Source) -> int:
    source.body = "A new first sentence. " + source.body
    with CaptureQueriesContext(connection) as queries:
        source.save()
    assert source.reanchor_report.counts[Outcome.MOVED] == source.annotations.count()
    return len(queries)


def test_re_anchoring_takes_as_many_queries_for_100_passages_as_for_10(seed):
    few, many = imported_source("few", 10), imported_source("many", 100)
    # The first edit also stores the imported passages' prior states; the second does not.
    assert queries_to_edit(few) == queries_to_edit(many)
    assert queries_to_edit(few) == queries_to_edit(many)
    assert Annotation.history.filter(source=many, history_change_reason=REASON).count() == 200
