"""URL configuration: the public site, the admin. Public URLs are permanent."""

from django.contrib import admin
from django.urls import include, path

from archive.views import annotations, indexes, pages, reader, search

urlpatterns = [
    path("", pages.home, name="home"),
    path("sources/", indexes.source_list, name="source-list"),
    path("sources/<slug:slug>/", reader.source_detail, name="source-detail"),
    path("people/", indexes.person_list, name="person-list"),
    path("people/<slug:slug>/", pages.person_detail, name="person-detail"),
    path("organizations/", indexes.organization_list, name="organization-list"),
    path("organizations/<slug:slug>/", pages.organization_detail, name="organization-detail"),
    path("events/", indexes.event_list, name="event-list"),
    path("events/<slug:slug>/", pages.event_detail, name="event-detail"),
    path("quotes/", indexes.quote_list, name="quote-list"),
    path("quotes/<slug:slug>/", pages.quote_detail, name="quote-detail"),
    path("search/", search.search_page, name="search"),
    path("annotations/", annotations.container, name="annotation-container"),
    path(
        "annotations/sources/<slug:slug>/",
        annotations.source_container,
        name="annotation-source-container",
    ),
    path("annotations/<uuid:key>/", annotations.item, name="annotation-item"),
    path("api/", include("archive.api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", include("archive.views.health")),
]
