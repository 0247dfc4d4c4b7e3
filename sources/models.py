"""Source: one article as published, with its metadata and canonical text."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Length, Substr
from django.dispatch import Signal
from django.urls import reverse
from simple_history.models import HistoricalRecords

from sources.anchoring import Window
from sources.dates import Precision, format_partial_date, partial_date_constraint
from sources.publishing import Publishable, PublishableQuerySet
from sources.text import is_normalised, normalise
from sources.versioning import Versioned

#: Sent inside the transaction of a save that changed a source's text, with `old_body`.
#: The archive re-anchors every passage on it (sources knows nothing of annotations).
body_changed = Signal()


class Basis(models.TextChoices):
    """Where a piece of metadata comes from."""

    STATED = "stated", "Stated in the text"
    ATTRIBUTED = "attributed", "Editorial attribution"
    UNKNOWN = "unknown", "Unknown"


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news-report", "News report"
    FEATURE = "feature", "Feature"
    OP_ED = "op-ed", "Op-ed"
    INTERVIEW = "interview", "Interview"
    BLOG_POST = "blog-post", "Blog post"
    COMPILATION = "compilation", "Compilation"
    OTHER = "other", "Other"


class SourceQuerySet(PublishableQuerySet):
    def window(self, pk: int, start: int, end: int, context: int) -> tuple[str, Window] | None:
        """(slug, Window) of one source around start–end, or None if there is no such source.

        SUBSTR counts code points on SQLite and PostgreSQL alike, so only the passage and
        `context` characters on each side leave the database, however long the article.
        """
        low = max(0, start - context)
        length = max(1, end + context - low)
        row = (
            self.filter(pk=pk)
            .annotate(total=Length("body"), window=Substr("body", low + 1, length))
            .values_list("slug", "total", "window")
            .first()
        )
        if row is None:
            return None
        slug, total, text = row
        return slug, Window(text or "", low, total or 0)


class SourceManager(models.Manager.from_queryset(SourceQuerySet)):
    def get_by_natural_key(self, slug):
        # Fixtures resolve every annotation's source by slug: the body is not needed for that.
        return self.defer("body").get(slug=slug)


class Source(Publishable, Versioned):
    Kind = SourceKind

    slug = models.SlugField(
        max_length=120, unique=True, help_text="Permanent: public URLs and citations use it."
    )
    title = models.CharField(max_length=300)
    title_basis = models.CharField(
        max_length=12,
        choices=Basis.choices,
        default=Basis.STATED,
        help_text="Attributed if the text has no headline and the editors wrote this title.",
    )
    outlet = models.CharField(
        max_length=200, blank=True, help_text="Publication, as it would appear in a citation."
    )
    outlet_basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.UNKNOWN)
    authors = models.CharField(
        max_length=300, blank=True, help_text="As credited; separate several with commas."
    )
    authors_basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.UNKNOWN)
    published_on = models.DateField(
        null=True, blank=True, help_text="Publication date, as precisely as it is known."
    )
    published_on_precision = models.CharField(
        max_length=6,
        choices=Precision.choices,
        blank=True,
        help_text="Year, month or day; empty when the date is unknown.",
    )
    published_basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.UNKNOWN)
    attribution_notes = models.TextField(
        blank=True, help_text="The evidence for every attributed title, outlet, author or date."
    )
    url = models.URLField(
        "original URL", max_length=500, blank=True, help_text="Where it was published, if known."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NEWS_REPORT)
    language = models.CharField(
        max_length=12, default="en", help_text="Language of the text as archived (BCP 47)."
    )
    original_language = models.CharField(
        max_length=12, blank=True, help_text="Language it was translated from, if any."
    )
    translation_notes = models.TextField(blank=True)
    quality_notes = models.TextField(
        blank=True,
        help_text="What is wrong with this copy: machine translation, spun text, artefacts.",
    )
    body = models.TextField(
        help_text=(
            "The article's text as published. Normalised on save (NFC, one blank line between "
            "paragraphs); every annotation's offsets refer to it. Errors are annotated, not fixed."
        )
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceManager()
    history = HistoricalRecords()

    class Meta(Publishable.Meta):
        ordering = ["published_on", "title"]
        permissions = [("publish_source", "Can publish and unpublish sources")]
        constraints = [
            *Publishable.Meta.constraints,
            partial_date_constraint("published_on", "sources_source_published_on_precision"),
            models.CheckConstraint(
                condition=models.Q(kind__in=SourceKind.values),
                name="sources_source_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(body=""), name="sources_source_body_not_empty"
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("source-detail", kwargs={"slug": self.slug})

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published_on, self.published_on_precision)

    def clean(self):
        super().clean()
        self.body = normalise(self.body or "")
        if not self.body:
            raise ValidationError({"body": "The text is empty."})

    def save(self, *args, **kwargs):
        self.body = normalise(self.body)
        old_body = None
        if not self._state.adding:
            old_body = (
                Source._base_manager.filter(pk=self.pk).values_list("body", flat=True).first()
            )
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if old_body is not None and old_body != self.body:
                body_changed.send(sender=Source, source=self, old_body=old_body)


def check_body_normalised(source: Source) -> None:
    """Raw saves (loaddata) keep the body as given, so it must already be normalised."""
    if not is_normalised(source.body):
        raise ValidationError(
            f"Source {source.slug!r}: body is not normalised (NFC, \\n line endings, no trailing "
            "spaces, one blank line between paragraphs); offsets would not refer to the "
            "stored text. Normalise it with sources.text.normalise before computing offsets."
        )
