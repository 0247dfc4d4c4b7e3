"""Editorial rules the admin applies: who may publish, and how an edit conflict is explained."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from sources.publishing import Status
from sources.versioning import EditConflict


def publish_permission(model) -> str:
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def can_publish(user: AbstractBaseUser, model) -> bool:
    return user.has_perm(publish_permission(model))


def describe_conflict(model, pk, from_version: int) -> str:
    """What others changed since `from_version`: who, when, and each field's old and new value."""
    current = model._base_manager.filter(pk=pk).first()
    if current is None:
        return "Someone else deleted it while you were editing."
    history = getattr(model, "history", None)
    lines = []
    if history is not None:
        records = history.filter(id=pk).order_by("history_date")
        newer = [r for r in records if r.version > from_version]
        base = next((r for r in reversed(records) if r.version <= from_version), None)
        for record in newer:
            who = record.history_user.get_username() if record.history_user else "someone"
            lines.append(f"{who} saved version {record.version} at {record.history_date:%H:%M:%S}")
        if base is not None and newer:
            for change in newer[-1].diff_against(base).changes:
                if change.field == "version":
                    continue
                lines.append(f"{change.field}: {_short(change.old)} → {_short(change.new)}")
    if not lines:
        lines.append(f"It is now at version {current.version}; you edited version {from_version}.")
    return (
        "Someone else changed this while you were editing. "
        + "; ".join(lines)
        + (
            ". Your changes are still in the form: review them against the current version "
            "(reload the page in another tab to see it) and save again."
        )
    )


def _short(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


class VersionedForm(forms.ModelForm):
    """Carries the version the editor started from; refuses to save over a newer one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].widget = forms.HiddenInput()
            self.fields["version"].required = False

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is None or "version" not in self.fields:
            return cleaned
        started_from = cleaned.get("version") or instance.version
        stored = (
            type(instance)
            ._base_manager.select_for_update()
            .filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if stored is not None and stored != started_from:
            raise forms.ValidationError(
                describe_conflict(type(instance), instance.pk, started_from)
            )
        return cleaned


class EditorialAdmin(SimpleHistoryAdmin):
    """Admin for a versioned, publishable, history-tracked model.

    Editors change drafts; only those with the model's publish permission can publish,
    unpublish, or change and delete what is published. Every change is in the history,
    from which it can be reverted.
    """

    form = VersionedForm
    actions = ["publish", "unpublish"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if not any("version" in options.get("fields", ()) for _, options in fieldsets):
            fieldsets.append((None, {"fields": ["version"], "classes": ["hidden"]}))
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        match = request.resolver_match
        reverting = match is not None and match.url_name.endswith("_simple_history")
        if obj is None or obj.pk is None or not reverting:
            return form_class
        # Reverting edits the current row: start from its current version, and show the
        # links as they were in that version (the form would otherwise read today's).
        obj.version = (
            type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
            or obj.version
        )
        # simple-history's URL captures (object_id, version_id) positionally.
        version_id = match.kwargs.get("version_id") or (match.args[-1] if match.args else None)
        record = self.model.history.filter(pk=version_id).first()
        links = {}
        for field in getattr(self.model.history.model, "_history_m2m_fields", []):
            target = field.m2m_reverse_field_name()
            rows = getattr(record, field.name).all() if record else []
            links[field.name] = [getattr(row, f"{target}_id") for row in rows]

        class RevertForm(form_class):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**kwargs.get("initial", {}), **links}
                super().__init__(*args, **kwargs)

        return RevertForm

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user, self.model):
            readonly.append("status")
        return readonly

    def _guards_published(self, request, obj) -> bool:
        return (
            obj is not None
            and getattr(obj, "is_published", False)
            and not can_publish(request.user, self.model)
        )

    def has_change_permission(self, request, obj=None):
        if self._guards_published(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._guards_published(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_publish(request.user, self.model):
            actions.pop("publish", None)
            actions.pop("unpublish", None)
        return actions

    def _set_status(self, request, queryset, status):
        changed = 0
        for obj in queryset.exclude(status=status):
            obj.status = status
            obj.save()  # one by one: versions, history and signals as for any edit
            changed += 1
        self.message_user(
            request,
            f"{changed} {self.model._meta.verbose_name_plural} {Status(status).label.lower()}.",
            messages.SUCCESS,
        )

    @admin.action(description="Publish selected")
    def publish(self, request, queryset):
        if can_publish(request.user, self.model):
            self._set_status(request, queryset, Status.PUBLISHED)

    @admin.action(description="Unpublish selected (back to draft)")
    def unpublish(self, request, queryset):
        if can_publish(request.user, self.model):
            self._set_status(request, queryset, Status.DRAFT)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict as conflict:
            # The rare race after the form's own check: nothing was saved.
            self.message_user(
                request,
                describe_conflict(self.model, conflict.instance.pk, conflict.instance.version),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
