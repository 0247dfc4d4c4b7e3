"""Integrity checks that must hold on every save, including the raw saves of loaddata.

Raw saves bypass Model.save() and clean(), but not pre_save, so the anchoring invariant
``body[start:end] == exact`` is enforced here.
"""

from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from archive.models import AnchorStatus, Annotation, DismissedMention
from archive.models.annotations import Anchored
from archive.reanchor import reanchor_source
from sources.anchoring import CONTEXT_CHARS, AnchorError
from sources.history import is_tracked, record_prior_state
from sources.models import Source, body_changed, check_body_normalised
from sources.versioning import Versioned


@receiver(pre_save, sender=Annotation)
@receiver(pre_save, sender=DismissedMention)
def anchor_matches_text(sender, instance: Anchored, raw: bool, **kwargs):
    context = max(CONTEXT_CHARS, len(instance.prefix), len(instance.suffix))
    found = Source.objects.window(instance.source_id, instance.start, instance.end, context)
    if found is None:
        raise AnchorError(
            f"{instance.label}: its source does not exist "
            "(in a fixture, list each source before its annotations)"
        )
    slug, window = found
    if instance.is_orphaned:
        return  # its text is gone; it keeps its old selectors for the editor to see
    if not raw:
        instance.fill_context(window)
    problem = instance.anchor_problem(window)
    if problem:
        raise AnchorError(f"{instance.label} on source {slug!r} does not match the text: {problem}")


@receiver(pre_save, sender=Source)
def fixture_text_stays_consistent(sender, instance: Source, raw: bool, **kwargs):
    """A fixture may not change the text under existing annotations (edits re-anchor them;
    an import cannot)."""
    if not raw:
        return
    check_body_normalised(instance)
    if instance.pk is None:
        return
    old_body = Source.objects.filter(pk=instance.pk).values_list("body", flat=True).first()
    if old_body is None or old_body == instance.body:
        return
    fields = ("key", "start", "end", "exact", "prefix", "suffix", "anchor_status")
    anchored = [
        *instance.annotations.exclude(anchor_status=AnchorStatus.ORPHANED).only(*fields),
        *instance.dismissed_mentions.only(*fields[:-1]),
    ]
    broken = [item for item in anchored if item.anchor_problem(instance.body)]
    if broken:
        listed = "; ".join(f"{a.key} {a.exact[:40]!r}" for a in broken[:5])
        raise AnchorError(
            f"Source {instance.slug!r}: the fixture's text would break {len(broken)} anchored "
            f"passage(s) ({listed}{'; …' if len(broken) > 5 else ''})."
        )


@receiver(body_changed, sender=Source)
def reanchor_after_edit(sender, source: Source, old_body: str, **kwargs):
    source.reanchor_report = reanchor_source(source, old_body)


@receiver(pre_save)
def keep_prior_state(sender, instance, raw: bool, **kwargs):
    """Before the first recorded edit of an imported row, store what it was (see history.py)."""
    if (
        raw
        or instance._state.adding
        or isinstance(instance, Versioned)  # Versioned.save does it, before claiming a version
        or hasattr(instance, "skip_history_when_saving")
        or not is_tracked(sender)
    ):
        return
    record_prior_state(instance)


@receiver(m2m_changed)
def keep_prior_links(sender, instance, action: str, **kwargs):
    if (
        action in {"pre_add", "pre_remove", "pre_clear"}
        and not hasattr(instance, "skip_history_when_saving")  # a fixture being loaded
        and is_tracked(type(instance))
    ):
        record_prior_state(instance)
