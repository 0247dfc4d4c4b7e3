"""Abstract bases shared by the editorial models: stable keys and timestamps."""

import uuid

from django.db import models

from sources.publishing import PublishableQuerySet


class KeyedManager(models.Manager.from_queryset(PublishableQuerySet)):
    """Natural keys by UUID, for rows that have no slug (annotations, roles, participations)."""

    def get_by_natural_key(self, key):
        return self.get(key=key)


class Keyed(models.Model):
    key = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Stable identifier: fixtures and exports refer to the row by it.",
    )

    objects = KeyedManager()

    class Meta:
        abstract = True

    def natural_key(self):
        return (str(self.key),)


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
