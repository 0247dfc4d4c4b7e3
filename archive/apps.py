"""App configuration for the archive."""

from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Editorial archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from archive import (
            receivers,  # noqa: F401  (connects the integrity checks)
            search,  # noqa: F401  (keeps the search index in step)
            stored_readings,
        )

        stored_readings.connect()
