"""The search index: one row per searchable unit, derived from published content only."""

from django.db import models


class SearchKind(models.TextChoices):
    SOURCE = "source", "Article"
    PASSAGE = "passage", "Annotated passage"
    QUOTE = "quote", "Quote"
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organisation"
    EVENT = "event", "Event"


class SearchEntry(models.Model):
    """A derived row, rebuilt from the records it names: never edited by hand.

    No foreign keys: the index must never block or cascade into the editorial data, and
    `archive.search` removes rows itself when their record goes. The engines index `names`
    (weighted high) and `body`; the SQLite FTS5 table (migration 0004) and PostgreSQL's
    stored `document` column with its GIN index (migration 0007) are made outside the model,
    because each exists on one engine only.
    """

    kind = models.CharField(max_length=12, choices=SearchKind.choices)
    object_id = models.PositiveBigIntegerField(help_text="Primary key of the record, by kind.")
    source_pk = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="For paragraphs and passages: their source."
    )
    paragraph = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a paragraph: its number, from 1."
    )
    start = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a paragraph: its offset in the source's body."
    )
    annotation_key = models.UUIDField(null=True, blank=True)
    title = models.CharField(max_length=400)
    names = models.TextField(blank=True, help_text="Names and aliases, one a line.")
    body = models.TextField(blank=True)
    url = models.CharField(max_length=600)

    class Meta:
        verbose_name_plural = "search entries"
        indexes = [
            models.Index(fields=["kind", "object_id"], name="archive_searchentry_object"),
            models.Index(fields=["source_pk"], name="archive_searchentry_source"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.title}"


def document_vector():
    """The PostgreSQL text-search document of an entry: names weigh more than the body.

    'simple' (no stemming, no stop words) to match what SQLite's FTS5 unicode61 tokenizer
    does: one behaviour on both engines. Migration 0004 indexed this expression; migration
    0007 replaced that index with a stored column of the same vector, `document`, which
    `archive.search` matches and ranks on.
    """
    from django.contrib.postgres.search import SearchVector

    return SearchVector("names", weight="A", config="simple") + SearchVector(
        "body", weight="B", config="simple"
    )
