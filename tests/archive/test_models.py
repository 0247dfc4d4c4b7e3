"""Model rules: the anchoring invariant, constraints, dates and time zones."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from archive.models import Annotation, DismissedMention, Event, Quote, Role
from archive.models.events import format_moment, local_moment
from sources.anchoring import AnchorError
from sources.dates import Precision
from sources.models import Source


def test_annotation_must_match_the_text(source):
    start = source.body.index("Sam Altman")
    with pytest.raises(
        AnchorError, match="'Sam Altman', but the annotation's exact text is 'Sam Altmann'"
    ):
        Annotation.objects.create(source=source, start=start, end=start + 10, exact="Sam Altmann")
    assert not Annotation.objects.exists()


def test_annotation_offsets_out_of_range_are_refused(source):
    with pytest.raises(AnchorError, match="past the end"):
        Annotation.objects.create(source=source, start=10, end=10_000, exact="x")


def test_prefix_and_suffix_are_derived_from_the_text(annotate, source):
    annotation = annotate("agreed")
    assert source.body.endswith(annotation.prefix + "agreed" + annotation.suffix)
    assert annotation.prefix.endswith("Greg Altman ")
    assert annotation.suffix == "."


def test_offsets_are_code_points_after_an_emoji(annotate, source):
    annotation = annotate("Greg Altman")
    assert source.body[annotation.start : annotation.end] == "Greg Altman"
    assert "🚀" in source.body[: annotation.start]


def test_dismissed_mentions_obey_the_same_invariant(source, altman):
    with pytest.raises(AnchorError):
        DismissedMention.objects.create(source=source, person=altman, start=0, end=3, exact="Sam")


def test_clean_reports_a_mismatch_as_a_form_error(source):
    annotation = Annotation(source=source, start=0, end=8, exact="Megaman!")
    with pytest.raises(ValidationError, match="does not match the text"):
        annotation.full_clean()


def test_body_is_normalised_on_save(empty_db):
    source = Source.objects.create(slug="s", title="S", body="One  \r\nTwo\n\n\nThree")
    assert source.body == "One\n\nTwo\n\nThree"


def test_editing_a_body_after_the_last_annotation_is_allowed(annotate, source):
    annotate("Ultraman")
    source.body += "\n\nA new closing paragraph."
    source.save()


def test_a_correction_needs_the_correcting_motivation(source):
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.bulk_create(
            [Annotation(source=source, start=0, end=8, exact="Ultraman", correction="Sam Altman")]
        )


def test_a_quote_needs_a_speaker(empty_db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(slug="q", text="Words")
    Quote.objects.create(slug="q", text="Words", speaker_description="an insider")


def test_a_role_cannot_end_before_it_starts(altman, openai):
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(
            person=altman,
            organization=openai,
            title="CEO",
            start=datetime.date(2023, 11, 17),
            start_precision=Precision.DAY,
            end=datetime.date(2019, 1, 1),
            end_precision=Precision.YEAR,
        )


def test_a_date_and_its_precision_come_together(empty_db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(slug="s", title="S", body="x", published_on=datetime.date(2023, 1, 1))


def test_beijing_and_pacific_statements_of_the_same_moment_agree():
    beijing, _ = local_moment("2023-11-20T05:00", "Asia/Shanghai")
    pacific, precision = local_moment("2023-11-19T13:00", "America/Los_Angeles")
    assert beijing == pacific
    assert precision == Precision.MINUTE


def test_partial_moments_keep_their_precision():
    assert local_moment("2023", "UTC")[1] == Precision.YEAR
    assert local_moment("2023-11", "UTC")[1] == Precision.MONTH
    assert local_moment("2023-11-17T12", "America/Los_Angeles")[1] == Precision.HOUR
    with pytest.raises(ValueError, match="is not a moment"):
        local_moment("17 Nov", "UTC")


def test_moments_are_shown_in_their_own_zone():
    moment, precision = local_moment("2023-11-19T13:00", "America/Los_Angeles")
    assert (
        format_moment(moment, precision, "America/Los_Angeles")
        == "Sunday 19 November 2023, 13:00 PST"
    )
    assert format_moment(moment, Precision.MONTH, "America/Los_Angeles") == "November 2023"


def test_timeline_orders_by_true_moment_across_zones(empty_db):
    for slug, when, zone in [
        ("beijing-dawn", "2023-11-20T05:00", "Asia/Shanghai"),  # 19 Nov 13:00 Pacific
        ("pacific-morning", "2023-11-19T09:00", "America/Los_Angeles"),
        ("pacific-evening", "2023-11-19T20:00", "America/Los_Angeles"),
    ]:
        moment, precision = local_moment(when, zone)
        Event.objects.create(
            slug=slug, title=slug, occurred_at=moment, precision=precision, timezone=zone
        )
    assert list(Event.objects.values_list("slug", flat=True)) == [
        "pacific-morning",
        "beijing-dawn",
        "pacific-evening",
    ]


def test_event_time_zone_is_validated(empty_db):
    event = Event(
        slug="e",
        title="E",
        occurred_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC),
        timezone="Pacific Time",
    )
    with pytest.raises(ValidationError, match="not a time zone"):
        event.full_clean()


def test_natural_keys_round_trip(annotate, altman):
    annotation = annotate("Sam Altman", persons=[altman])
    assert Annotation.objects.get_by_natural_key(*annotation.natural_key()) == annotation
    alias = altman.aliases.get(name="Ultraman")
    assert type(alias).objects.get_by_natural_key(*alias.natural_key()) == alias
