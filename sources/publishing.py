"""Draft/published status: the one rule for what the public may see lives here."""

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public view, count, search and API uses this."""
        return self.filter(status=Status.PUBLISHED)


class SlugManager(models.Manager.from_queryset(PublishableQuerySet)):
    """Natural keys by slug, so fixtures never carry primary keys."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Publishable(models.Model):
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Only published items are visible on the public site.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values),
                name="%(app_label)s_%(class)s_status_valid",
            )
        ]

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED
