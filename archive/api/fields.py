"""Link fields: every link in the API is an absolute URL, and only to published rows."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

#: The namespace of archive/api/urls.py.
NAMESPACE = "api"


def api_view_name(basename: str) -> str:
    return f"{NAMESPACE}:{basename}-detail"


def api_url(request, basename: str, slug: str) -> str:
    """The absolute API URL of one resource, e.g. api_url(request, "person", "sam-altman")."""
    return reverse(api_view_name(basename), kwargs={"slug": slug}, request=request)


@extend_schema_field(OpenApiTypes.URI)
class PageLink(serializers.Field):
    """The absolute URL of the row's public page (its get_absolute_url)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs.setdefault("help_text", "The public page, for people.")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return self.context["request"].build_absolute_uri(value.get_absolute_url())


class SelfLink(serializers.HyperlinkedIdentityField):
    """The row's own API URL."""

    def __init__(self, basename: str, **kwargs):
        kwargs.setdefault("help_text", "This resource in the API.")
        super().__init__(view_name=api_view_name(basename), lookup_field="slug", **kwargs)


class ApiLink(serializers.HyperlinkedRelatedField):
    """A related row's API URL, or null when the row is a draft.

    Lists come from published-only prefetches; a single foreign key (a parent, a speaker)
    is fetched with select_related, which cannot filter, so its status is checked here.
    """

    def __init__(self, basename: str, **kwargs):
        kwargs.setdefault("read_only", True)
        if not kwargs.get("many"):
            kwargs.setdefault("allow_null", True)
        super().__init__(view_name=api_view_name(basename), lookup_field="slug", **kwargs)

    def to_representation(self, value):
        if not getattr(value, "is_published", True):
            return None
        return super().to_representation(value)
