"""Integrity checks that must hold on every save, including the raw saves of loaddata, and
the content generation that every change to public content replaces.

Raw saves bypass Model.save() and clean(), but not pre_save, so the anchoring invariant
``body[start:end] == exact`` is enforced here; loaddata checks the rows it saves in bulk instead
(archive/fixture_loading.py), with the same messages.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save
from django.dispatch import receiver

from archive.caching import bump_generation
from archive.models import (
    AnchorStatus,
    Annotation,
    DismissedMention,
    Event,
    Organization,
    OrganizationAlias,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
)
from archive.models.annotations import Anchored
from archive.planner import refresh_statistics
from archive.reanchor import reanchor_source
from sources.anchoring import CONTEXT_CHARS, AnchorError, Window
from sources.history import is_tracked, record_prior_state
from sources.models import Source, body_changed, check_body_normalised
from sources.versioning import Versioned

#: Set by loaddata on the annotations (and dismissals) it saves: it checks their anchors all at
#: once when the fixture's rows are saved, one read per source (archive/fixture_loading.py).
CHECKED_WITH_FIXTURE = "_anchor_checked_with_fixture"


def missing_source(instance: Anchored) -> AnchorError:
    return AnchorError(
        f"{instance.label}: its source does not exist "
        "(in a fixture, list each source before its annotations)"
    )


def anchor_mismatch(instance: Anchored, slug: str, text: "str | Window") -> AnchorError | None:
    problem = instance.anchor_problem(text)
    if not problem:
        return None
    return AnchorError(f"{instance.label} on source {slug!r} does not match the text: {problem}")


@receiver(pre_save, sender=Annotation)
@receiver(pre_save, sender=DismissedMention)
def anchor_matches_text(sender, instance: Anchored, raw: bool, **kwargs):
    if raw and getattr(instance, CHECKED_WITH_FIXTURE, False):
        if instance.source_id is None:  # a reference to a source the fixture lists later
            raise missing_source(instance)
        return
    context = max(CONTEXT_CHARS, len(instance.prefix), len(instance.suffix))
    found = Source.objects.window(instance.source_id, instance.start, instance.end, context)
    if found is None:
        raise missing_source(instance)
    slug, window = found
    if instance.is_orphaned:
        return  # its text is gone; it keeps its old selectors for the editor to see
    if not raw:
        instance.fill_context(window)
    error = anchor_mismatch(instance, slug, window)
    if error:
        raise error


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


# The content generation (archive/caching.py) ---------------------------------------------

#: Every model a public page shows. Any save, deletion or change of links of any of them,
#: raw fixture saves included, replaces the generation: coarse, and simple to prove correct.
#: (DismissedMention and the search index are left out: the first is seen only in the admin,
#: the second only changes when one of these does.)
PUBLIC_CONTENT = (
    Source,
    Person,
    PersonAlias,
    Organization,
    OrganizationAlias,
    Role,
    Event,
    Participation,
    Quote,
    Annotation,
)


def content_changed(sender, using=None, **kwargs):
    bump_generation(using)


def links_changed(sender, action: str, using=None, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        bump_generation(using)


def code_deployed(sender, apps=global_apps, using=None, **kwargs):
    """Every `migrate` (so every deployment) and `flush` starts a generation: pages cached in
    a shared cache by the previous code, with its templates, are not served by the new one."""
    try:
        model = apps.get_model("archive", "ContentGeneration")
    except LookupError:  # migrated back to before the model existed
        return
    bump_generation(using, model=model)


def statistics_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """A deployment is the one moment every SQLite archive passes through: its statistics
    are renewed there (archive/planner.py)."""
    refresh_statistics(using)


for _model in PUBLIC_CONTENT:
    _name = _model.__name__
    post_save.connect(content_changed, sender=_model, dispatch_uid=f"generation-save-{_name}")
    post_delete.connect(content_changed, sender=_model, dispatch_uid=f"generation-delete-{_name}")
    for _field in _model._meta.local_many_to_many:
        m2m_changed.connect(
            links_changed,
            sender=_field.remote_field.through,
            dispatch_uid=f"generation-links-{_name}-{_field.name}",
        )
post_migrate.connect(
    code_deployed, sender=global_apps.get_app_config("archive"), dispatch_uid="generation-migrate"
)
post_migrate.connect(
    statistics_after_migrate,
    sender=global_apps.get_app_config("archive"),
    dispatch_uid="planner-statistics-migrate",
)
