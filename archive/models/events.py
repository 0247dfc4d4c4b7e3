"""Events on one timeline: a moment with its precision and zone, participants, certainty."""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from archive.models.base import Keyed, Timestamped
from archive.models.names import Organization, Person
from sources.dates import Precision
from sources.publishing import Publishable, SlugManager
from sources.versioning import Versioned


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            f"{value!r} is not a time zone name such as America/Los_Angeles or Asia/Shanghai."
        ) from error


class Certainty(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    REPORTED = "reported", "Reported"
    DISPUTED = "disputed", "Disputed"
    DENIED = "denied", "Denied"


def local_moment(value: str, timezone: str) -> tuple[datetime.datetime, str]:
    """Read '2023', '2023-11', '2023-11-17', '2023-11-17T12' or '2023-11-17T12:30' in `timezone`.

    Returns the moment in UTC and its precision. A date-only value means the start of that
    local day (or month, or year), so events known only to the day sort before the timed
    events of the same day.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    text = value.strip()
    date_part, _, time_part = text.partition("T")
    pieces = date_part.split("-")
    try:
        year = int(pieces[0])
        month = int(pieces[1]) if len(pieces) > 1 else 1
        day = int(pieces[2]) if len(pieces) > 2 else 1
        hour = minute = 0
        if time_part:
            hour_text, _, minute_text = time_part.partition(":")
            hour = int(hour_text)
            minute = int(minute_text) if minute_text else 0
        moment = datetime.datetime(year, month, day, hour, minute, tzinfo=zone)
    except (ValueError, IndexError) as error:
        raise ValueError(
            f"{value!r} is not a moment like 2023, 2023-11, 2023-11-17 or 2023-11-17T12:30"
        ) from error
    if time_part:
        precision = Precision.MINUTE if ":" in time_part else Precision.HOUR
    else:
        precision = [Precision.YEAR, Precision.MONTH, Precision.DAY][len(pieces) - 1]
    return moment.astimezone(datetime.UTC), precision


def format_moment(moment: datetime.datetime | None, precision: str, timezone: str) -> str:
    """A moment as precisely as it is known, in the zone it happened in."""
    if moment is None:
        return ""
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    if precision == Precision.YEAR:
        return str(local.year)
    if precision == Precision.MONTH:
        return f"{local:%B} {local.year}"
    day = f"{local:%A} {local.day} {local:%B} {local.year}"
    if precision == Precision.DAY:
        return day
    clock = f"{local:%H:00}" if precision == Precision.HOUR else f"{local:%H:%M}"
    return f"{day}, {clock} {local.tzname()}"


class Event(Publishable, Versioned, Timestamped):
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Permanent: public URLs and citations use it."
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True, help_text="Two to four factual sentences for readers.")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The larger event this is part of.",
    )
    occurred_at = models.DateTimeField(
        help_text="When it happened, stored in UTC; for a day, month or year, its local start."
    )
    precision = models.CharField(max_length=6, choices=Precision.choices, default=Precision.DAY)
    timezone = models.CharField(
        max_length=64,
        default="America/Los_Angeles",
        validators=[validate_timezone],
        help_text="Where the local date is meaningful, e.g. America/Los_Angeles, Asia/Shanghai.",
    )
    approximate = models.BooleanField(
        default=False,
        help_text=(
            "The time is an editorial estimate from the sources' wording ('Sunday evening'), "
            "recorded so the timeline keeps the true order; shown as 'c.'."
        ),
    )
    ends_at = models.DateTimeField(null=True, blank=True, help_text="For events that span time.")
    ends_precision = models.CharField(max_length=6, choices=Precision.choices, blank=True)
    when_as_stated = models.CharField(
        max_length=300,
        blank=True,
        help_text="How a source put it, e.g. 'Sunday, November 19th, Pacific time'.",
    )
    certainty = models.CharField(
        max_length=10, choices=Certainty.choices, default=Certainty.CONFIRMED
    )

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta(Publishable.Meta):
        ordering = ["occurred_at", "title"]
        permissions = [("publish_event", "Can publish and unpublish events")]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(certainty__in=Certainty.values), name="archive_event_certainty"
            ),
            models.CheckConstraint(
                condition=models.Q(precision__in=Precision.values), name="archive_event_precision"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True, ends_precision="")
                | models.Q(
                    ends_at__gte=models.F("occurred_at"), ends_precision__in=Precision.values
                ),
                name="archive_event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="archive_event_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("event-detail", kwargs={"slug": self.slug})

    @property
    def when_display(self) -> str:
        start = format_moment(self.occurred_at, self.precision, self.timezone)
        if self.approximate:
            start = f"c. {start}"
        if self.ends_at:
            return f"{start} – {format_moment(self.ends_at, self.ends_precision, self.timezone)}"
        return start


class Participation(Keyed):
    """A person or organisation taking part in an event, and what part they played."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    part = models.CharField(max_length=200, blank=True, help_text="For example: removed as CEO.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["event", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, organization__isnull=True)
                | models.Q(person__isnull=True, organization__isnull=False),
                name="archive_participation_one_participant",
            ),
        ]

    def natural_key(self):
        return (str(self.key),)

    natural_key.dependencies = ["archive.event", "archive.person", "archive.organization"]

    def __str__(self):
        return f"{self.participant} in {self.event}"

    @property
    def participant(self):
        return self.person or self.organization
