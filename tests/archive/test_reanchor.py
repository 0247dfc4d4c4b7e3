"""Editing a source's text re-anchors every passage: moved, fuzzy or orphaned, never lost."""

import pytest

from archive.collection_checks import check_collection
from archive.models import AnchorStatus, Annotation
from sources.models import Source
from sources.reanchoring import Outcome


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


def test_re_anchoring_is_recorded_in_history(annotate, source):
    annotation = annotate("agreed")
    source.body = "Intro.\n\n" + source.body
    source.save()
    reasons = list(annotation.history.values_list("history_change_reason", flat=True))
    assert any("Re-anchored" in (reason or "") for reason in reasons)


def test_a_failure_while_re_anchoring_leaves_text_and_passages_as_they_were(
    annotate, source, monkeypatch
):
    annotation = annotate("agreed")
    before = source.body

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("archive.reanchor.bulk_update_with_history", explode)
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
