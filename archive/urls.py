"""URL configuration: the public site, the admin. Public URLs are permanent."""

from django.contrib import admin
from django.urls import path

from archive.views import pages, reader

urlpatterns = [
    path("", pages.home, name="home"),
    path("sources/", pages.source_list, name="source-list"),
    path("sources/<slug:slug>/", reader.source_detail, name="source-detail"),
    path("people/<slug:slug>/", pages.person_detail, name="person-detail"),
    path("organizations/<slug:slug>/", pages.organization_detail, name="organization-detail"),
    path("events/", pages.event_list, name="event-list"),
    path("events/<slug:slug>/", pages.event_detail, name="event-detail"),
    path("quotes/<slug:slug>/", pages.quote_detail, name="quote-detail"),
    path("admin/", admin.site.urls),
]
