"""The content generation: one token that changes with every edit the public could see."""

import secrets

from django.db import models


def new_token() -> str:
    # Random rather than counted: a counter restarts after a flush and would meet pages
    # cached before it; a random token never repeats.
    return secrets.token_hex(8)


class ContentGeneration(models.Model):
    """One row (pk 1). Public pages are cached under the current token, so a new token makes
    every page cached before it unreachable, in every process at once (see archive/caching.py).
    """

    ROW = 1

    token = models.CharField(
        max_length=32,
        default=new_token,
        help_text="Replaced whenever a change to published content commits.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1), name="archive_contentgeneration_one_row"
            )
        ]

    def __str__(self):
        return self.token
