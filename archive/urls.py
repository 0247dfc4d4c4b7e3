"""URL configuration: the public site, the admin. Public URLs are permanent."""

from django.contrib import admin
from django.urls import path

from archive import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("people/<slug:slug>/", views.person_detail, name="person-detail"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("events/", views.event_list, name="event-list"),
    path("events/<slug:slug>/", views.event_detail, name="event-detail"),
    path("quotes/<slug:slug>/", views.quote_detail, name="quote-detail"),
    path("admin/", admin.site.urls),
]
