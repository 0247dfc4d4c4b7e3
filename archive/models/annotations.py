"""Annotations: a passage of a source and what the editors say about it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from archive.models.base import Keyed, KeyedManager, Timestamped
from archive.models.events import Event
from archive.models.names import Organization, Person
from archive.models.quotes import Quote
from sources.anchoring import Window, anchor_span, describe_mismatch
from sources.models import Source
from sources.publishing import Publishable, PublishableQuerySet, Status
from sources.text import excerpt
from sources.versioning import Versioned


class Motivation(models.TextChoices):
    IDENTIFYING = "identifying", "Identifying (names a person or organisation)"
    DESCRIBING = "describing", "Describing (tells an event)"
    LINKING = "linking", "Linking (renders a quote)"
    CORRECTING = "correcting", "Correcting (the text is wrong)"
    QUESTIONING = "questioning", "Questioning (the text may be wrong)"
    COMMENTING = "commenting", "Commenting"

    @property
    def short_label(self) -> str:
        """What a reader sees on a note: the kind of remark, in one word."""
        return {
            "identifying": "Mention",
            "describing": "Account",
            "linking": "Quotation",
            "correcting": "Correction",
            "questioning": "Query",
            "commenting": "Comment",
        }[self.value]


class AnchorStatus(models.TextChoices):
    """What the last edit of the source's text did to this passage's anchor."""

    ANCHORED = "anchored", "Anchored"
    MOVED = "moved", "Moved by a text edit"
    FUZZY = "fuzzy", "Re-anchored to a similar passage: check it"
    ORPHANED = "orphaned", "Orphaned: its text is gone"

    @classmethod
    def needing_review(cls) -> list[str]:
        return [cls.FUZZY, cls.ORPHANED]


class Stance(models.TextChoices):
    """How a passage relates to the events it is linked to."""

    REPORTS = "reports", "Reports"
    CONTRADICTS = "contradicts", "Contradicts"
    CORRECTS = "corrects", "Corrects"
    SPECULATES = "speculates", "Speculates"


class Anchored(models.Model):
    """A passage of a source, by both W3C selectors; the two must always agree with the text.

    Subclasses define the `source` foreign key (with their own related name and deletion rule).
    """

    start = models.PositiveIntegerField(help_text="Offset of the first character (code points).")
    end = models.PositiveIntegerField(help_text="Offset just past the last character.")
    exact = models.TextField(
        help_text="The passage's text; must equal the source text at start–end."
    )
    prefix = models.CharField(max_length=64, blank=True, help_text="Up to 32 characters before.")
    suffix = models.CharField(max_length=64, blank=True, help_text="Up to 32 characters after.")

    class Meta:
        abstract = True

    @property
    def motivation_label(self) -> str:
        return Motivation(self.motivation).short_label

    @property
    def is_orphaned(self) -> bool:
        return getattr(self, "anchor_status", "") == AnchorStatus.ORPHANED

    @property
    def label(self) -> str:
        return f"{self._meta.verbose_name.capitalize()} {self.key}"

    def anchor_problem(self, body: "str | Window") -> str | None:
        return describe_mismatch(body, self.start, self.end, self.exact, self.prefix, self.suffix)

    def fill_context(self, body: "str | Window") -> None:
        """Derive prefix and suffix from the text (editors never type them)."""
        if describe_mismatch(body, self.start, self.end, self.exact) is None:
            anchor = anchor_span(body, self.start, self.end)
            self.prefix, self.suffix = anchor.prefix, anchor.suffix

    def clean(self):
        super().clean()
        if self.is_orphaned:
            return  # kept with its old text until an editor gives it a new passage
        if self.source_id and self.start is not None and self.end is not None:
            body = Source.objects.filter(pk=self.source_id).values_list("body", flat=True).first()
            problem = describe_mismatch(body or "", self.start, self.end, self.exact or "")
            if problem:
                raise ValidationError(f"The passage does not match the text: {problem}.")


def anchored_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(end__gt=models.F("start")), name=f"{prefix}_span"
        ),
        models.CheckConstraint(condition=~models.Q(exact=""), name=f"{prefix}_exact_not_empty"),
    ]


class AnnotationQuerySet(PublishableQuerySet):
    def published(self):
        """Published, anchored annotations on published sources: all the public sees."""
        return self.filter(status=Status.PUBLISHED, source__status=Status.PUBLISHED).exclude(
            anchor_status=AnchorStatus.ORPHANED
        )

    def needing_review(self):
        return self.filter(anchor_status__in=AnchorStatus.needing_review())

    def covering(self, start: int, end: int):
        return self.filter(start__lte=start, end__gte=end)


class AnnotationManager(KeyedManager.from_queryset(AnnotationQuerySet)):
    """Natural keys by UUID (KeyedManager) with the annotation queryset's rules."""


class Annotation(Anchored, Keyed, Publishable, Versioned, Timestamped):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="annotations")
    motivation = models.CharField(
        max_length=12, choices=Motivation.choices, default=Motivation.IDENTIFYING
    )
    note = models.TextField(blank=True, help_text="Markdown. Shown to readers beside the passage.")
    correction = models.TextField(
        blank=True,
        help_text=(
            "For a passage that is wrong: what it should have said. The text stays as published."
        ),
    )
    persons = models.ManyToManyField(Person, blank=True, related_name="annotations")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="annotations")
    events = models.ManyToManyField(Event, blank=True, related_name="annotations")
    quote = models.ForeignKey(
        Quote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renderings",
        help_text="The utterance this passage renders, in whatever wording.",
    )
    stance = models.CharField(
        max_length=12,
        choices=Stance.choices,
        blank=True,
        help_text="For a passage that tells an event: reports, contradicts, corrects, speculates?",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annotations",
    )
    anchor_status = models.CharField(
        max_length=10,
        choices=AnchorStatus.choices,
        default=AnchorStatus.ANCHORED,
        db_index=True,
        help_text="Set when the source's text is edited; an editor's save confirms the anchor.",
    )
    origin = models.CharField(
        max_length=500,
        blank=True,
        help_text=(
            "For an imported annotation: its id where it was made (or a sha256: hash of its "
            "content if it had none). A second import of the same file skips it. Empty for "
            "annotations made here."
        ),
    )

    objects = AnnotationManager()
    history = HistoricalRecords(m2m_fields=["persons", "organizations", "events"])

    class Meta(Publishable.Meta):
        ordering = ["source", "start", "-end"]
        permissions = [("publish_annotation", "Can publish and unpublish annotations")]
        indexes = [models.Index(fields=["source", "start"], name="archive_annotation_position")]
        constraints = [
            *Publishable.Meta.constraints,
            *anchored_constraints("archive_annotation"),
            models.CheckConstraint(
                condition=models.Q(motivation__in=Motivation.values),
                name="archive_annotation_motivation",
            ),
            models.CheckConstraint(
                condition=models.Q(stance="") | models.Q(stance__in=Stance.values),
                name="archive_annotation_stance",
            ),
            models.CheckConstraint(
                condition=models.Q(correction="") | models.Q(motivation=Motivation.CORRECTING),
                name="archive_annotation_correction_needs_correcting",
            ),
            models.CheckConstraint(
                condition=models.Q(anchor_status__in=AnchorStatus.values),
                name="archive_annotation_anchor_status",
            ),
            # Two imports of one file at once cannot both write an annotation.
            models.UniqueConstraint(
                fields=["source", "origin"],
                condition=~models.Q(origin=""),
                name="archive_annotation_unique_origin",
            ),
        ]

    def __str__(self):
        passage = excerpt(self.exact, 60)
        return (
            f"“{passage}” ({self.source.slug if self.source_id else '?'} {self.start}–{self.end})"
        )

    def get_absolute_url(self):
        return reverse("source-detail", kwargs={"slug": self.source.slug}) + f"#a-{self.key}"

    def natural_key(self):
        return (str(self.key),)

    natural_key.dependencies = [
        "sources.source",
        "archive.person",
        "archive.organization",
        "archive.event",
        "archive.quote",
    ]


class DismissedMention(Anchored, Keyed, Timestamped):
    """An alias occurrence an editor judged not to be the entity: never suggested again."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="dismissed_mentions")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="dismissed_mentions"
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dismissed_mentions",
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["source", "start"]
        constraints = [
            *anchored_constraints("archive_dismissedmention"),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, organization__isnull=True)
                | models.Q(person__isnull=True, organization__isnull=False),
                name="archive_dismissedmention_one_entity",
            ),
        ]

    def __str__(self):
        return f"“{self.exact}” is not {self.entity} ({self.source.slug} {self.start}–{self.end})"

    def natural_key(self):
        return (str(self.key),)

    natural_key.dependencies = ["sources.source", "archive.person", "archive.organization"]

    @property
    def entity(self):
        return self.person or self.organization
