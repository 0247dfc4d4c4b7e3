"""Editorial rules the admin applies: who may publish, and how an edit conflict is explained."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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


def is_valid_key(model, value, to_field: str | None = None) -> bool:
    """Whether `value` can be looked up as a key of `model`: well formed and in the column's
    range. Ids that are not are refused before any query: SQLite raises OverflowError on an
    id beyond 64 bits, and the admin's autocomplete widgets query whatever was submitted."""
    field = model._meta.get_field(to_field) if to_field else model._meta.pk
    try:
        field.clean(value, None)
    except ValidationError:
        return False
    return True


class KeysChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows whose malformed or out-of-range ids are a form error."""

    def _check_values(self, value):
        for key in value:
            if not is_valid_key(self.queryset.model, key, self.to_field_name):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": key},
                )
        return super()._check_values(value)


class _KnownKeysOnly:
    """An autocomplete widget shows the submitted choices again when a form has errors; it
    must look up only ids that can be ids (Django's queries them as sent: a 500)."""

    def optgroups(self, name, value, attr=None):
        model = self.field.remote_field.model
        to_field = getattr(self.field.remote_field, "field_name", None)
        usable = [key for key in value if key in ("", None) or is_valid_key(model, key, to_field)]
        return super().optgroups(name, usable, attr)


class AutocompleteSelect(_KnownKeysOnly, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_KnownKeysOnly, widgets.AutocompleteSelectMultiple):
    pass


class CheckedKeysAdmin:
    """For a ModelAdmin or an inline: forged ids in relation fields are form errors."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", KeysChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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


class EditorialAdmin(CheckedKeysAdmin, SimpleHistoryAdmin):
    """Admin for a versioned, publishable, history-tracked model.

    Editors change drafts; only those with the model's publish permission can publish,
    unpublish, or change and delete what is published. Every change is in the history,
    from which it can be reverted.
    """

    form = VersionedForm
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        # Subclasses annotate counts, and an aggregate drops Meta.ordering: the autocomplete
        # view would paginate an unordered queryset (a warning, an error under the tests).
        queryset = super().get_queryset(request)
        return queryset.order_by(*(self.model._meta.ordering or ["pk"]))

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
        current = type(obj)._base_manager.filter(pk=obj.pk).values("version", "status").first()
        obj.version = current["version"] if current else obj.version
        if current and not can_publish(request.user, self.model):
            obj.status = current["status"]  # an editor's revert cannot bring back "published"
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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reverting saves the current row: the change form's rights apply, on the row as
        it is now (simple-history checks only the right to see the history)."""
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

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
        with transaction.atomic():  # all of the selection or, if one save fails, none of it
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
