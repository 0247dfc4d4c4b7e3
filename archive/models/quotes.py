"""Quotes: one utterance each, attributed to a speaker; its renderings are annotations."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from archive.models.base import Timestamped
from archive.models.events import Event
from archive.models.names import Organization, Person
from sources.dates import Precision, format_partial_date, partial_date_constraint
from sources.publishing import Publishable, SlugManager
from sources.versioning import Versioned


class Medium(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    POST = "post", "Social media post"
    MEMO = "memo", "Internal memo"
    STATEMENT = "statement", "Statement"
    LETTER = "letter", "Letter"
    SPEECH = "speech", "Speech"
    MEETING = "meeting", "Meeting"
    ARTICLE = "article", "Article or document"
    FORUM_POST = "forum-post", "Forum post"
    OTHER = "other", "Other"


class Quote(Publishable, Versioned, Timestamped):
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Permanent: used in public URLs."
    )
    text = models.TextField(
        help_text="The utterance in its canonical wording; each source's wording is a rendering."
    )
    text_note = models.TextField(blank=True, help_text="Where the canonical wording comes from.")
    speaker = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes"
    )
    speaker_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        help_text="When an organisation speaks as such (a statement, a charter).",
    )
    speaker_description = models.CharField(
        max_length=300,
        blank=True,
        help_text="For an anonymous speaker: 'a person with inside knowledge of the company'.",
    )
    medium = models.CharField(max_length=12, choices=Medium.choices, default=Medium.OTHER)
    said_on = models.DateField(null=True, blank=True)
    said_on_precision = models.CharField(max_length=6, choices=Precision.choices, blank=True)
    context = models.CharField(
        max_length=300, blank=True, help_text="Where and to whom it was said."
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="quotes"
    )
    language = models.CharField(max_length=12, default="en", help_text="Language it was said in.")

    objects = SlugManager()
    history = HistoricalRecords()

    class Meta(Publishable.Meta):
        ordering = ["said_on", "slug"]
        permissions = [("publish_quote", "Can publish and unpublish quotes")]
        constraints = [
            *Publishable.Meta.constraints,
            partial_date_constraint("said_on", "archive_quote_said_on_precision"),
            models.CheckConstraint(
                condition=~models.Q(text=""), name="archive_quote_text_not_empty"
            ),
            models.CheckConstraint(
                condition=models.Q(medium__in=Medium.values), name="archive_quote_medium"
            ),
            # Someone said it: a person, an organisation, or a described anonymous speaker.
            models.CheckConstraint(
                condition=(
                    models.Q(speaker__isnull=False, speaker_organization__isnull=True)
                    | models.Q(speaker__isnull=True, speaker_organization__isnull=False)
                    | (
                        models.Q(speaker__isnull=True, speaker_organization__isnull=True)
                        & ~models.Q(speaker_description="")
                    )
                ),
                name="archive_quote_has_speaker",
            ),
        ]

    def __str__(self):
        return f"{self.speaker_display}: “{self.text[:60]}{'…' if len(self.text) > 60 else ''}”"

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["archive.person", "archive.organization", "archive.event"]

    def get_absolute_url(self):
        return reverse("quote-detail", kwargs={"slug": self.slug})

    @property
    def speaker_display(self) -> str:
        if self.speaker_id:
            return str(self.speaker)
        if self.speaker_organization_id:
            return str(self.speaker_organization)
        return self.speaker_description

    @property
    def said_on_display(self) -> str:
        return format_partial_date(self.said_on, self.said_on_precision)
