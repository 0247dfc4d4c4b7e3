"""Integrity checks that must hold on every save, including the raw saves of loaddata.

Raw saves bypass Model.save() and clean(), but not pre_save, so the anchoring invariant
``body[start:end] == exact`` is enforced here.
"""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from archive.models import Annotation, DismissedMention
from archive.models.annotations import Anchored
from sources.anchoring import CONTEXT_CHARS, AnchorError
from sources.models import Source, check_body_normalised


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
    if not raw:
        instance.fill_context(window)
    problem = instance.anchor_problem(window)
    if problem:
        raise AnchorError(f"{instance.label} on source {slug!r} does not match the text: {problem}")


@receiver(pre_save, sender=Source)
def body_stays_consistent(sender, instance: Source, raw: bool, **kwargs):
    if raw:
        check_body_normalised(instance)
    if instance.pk is None:
        return
    old_body = Source.objects.filter(pk=instance.pk).values_list("body", flat=True).first()
    if old_body is None or old_body == instance.body:
        return
    fields = ("key", "start", "end", "exact", "prefix", "suffix")
    anchored = [*instance.annotations.only(*fields), *instance.dismissed_mentions.only(*fields)]
    broken = [item for item in anchored if item.anchor_problem(instance.body)]
    if broken:
        listed = "; ".join(f"{a.key} {a.exact[:40]!r}" for a in broken[:5])
        raise AnchorError(
            f"Source {instance.slug!r}: the new text would break {len(broken)} anchored passage(s) "
            f"({listed}{'; …' if len(broken) > 5 else ''}). Their anchors must be moved first."
        )
