"""URLs of the JSON API (mounted at /api/): a root, five read-only resources, the schema."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers, serializers
from rest_framework.reverse import reverse
from rest_framework.schemas.inspectors import DefaultSchema

from archive.api import views

app_name = "api"


class ApiRootView(routers.APIRootView):
    """Where everything is: each resource's list, and the OpenAPI description."""

    schema = DefaultSchema()  # DRF leaves its root view out of schemas; ours is documented

    @extend_schema(
        summary="The API's resources",
        responses=inline_serializer(
            "ApiRoot",
            {
                name: serializers.URLField()
                for name in ("sources", "people", "organizations", "events", "quotes", "schema")
            },
        ),
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["schema"] = reverse("api:schema", request=request)
        return response


class Router(routers.DefaultRouter):
    APIRootView = ApiRootView
    include_format_suffixes = False  # JSON only: no .json URLs to keep permanent


router = Router()
router.register("sources", views.SourceViewSet, basename="source")
router.register("people", views.PersonViewSet, basename="person")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("events", views.EventViewSet, basename="event")
router.register("quotes", views.QuoteViewSet, basename="quote")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *router.urls,
]
