"""Optimistic locking: a save made from an out-of-date copy is refused, never applied silently."""

from django.db import models, transaction

from sources.history import record_prior_state


class EditConflict(Exception):
    """Someone else saved this record after the copy being saved was read."""

    def __init__(self, instance):
        self.instance = instance
        current = type(instance)._base_manager.filter(pk=instance.pk).first()
        self.current = current
        super().__init__(
            f"{instance._meta.verbose_name.capitalize()} “{instance}” was changed by someone "
            f"else (version {getattr(current, 'version', '?')}, you edited version "
            f"{instance.version})."
        )


class Versioned(models.Model):
    version = models.PositiveIntegerField(
        default=1,
        help_text="Raised by every save; a save made from an older version is refused.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            if not hasattr(self, "skip_history_when_saving"):
                record_prior_state(self)  # before the claim below changes the stored row
            # Claim the next version only if nobody else has: one conditional UPDATE.
            claimed = (
                type(self)
                ._base_manager.filter(pk=self.pk, version=self.version)
                .update(version=models.F("version") + 1)
            )
            if not claimed:
                raise EditConflict(self)
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
            return super().save(*args, **kwargs)
