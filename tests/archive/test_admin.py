"""The admin: staff only, and every model's pages work on the seed collection."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from archive.models import Annotation, Event, Organization, Person, Quote
from sources.models import Source

MODELS = [Source, Person, Organization, Event, Quote, Annotation]


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("ed", password="pw-for-tests", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["archive", "sources"])
    )
    return user


def admin_urls():
    for model in MODELS:
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse(
            "admin:{}_{}_change".format(*info), args=[model.objects.order_by("pk").first().pk]
        )


def test_anonymous_users_are_sent_to_log_in(client, seed):
    for url in [reverse("admin:index"), *admin_urls()]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_non_staff_users_are_refused(client, seed, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="pw"))
    for url in admin_urls():
        assert client.get(url).status_code == 302, url


def test_editors_can_open_every_list_and_record(client, seed, editor):
    client.force_login(editor)
    for url in admin_urls():
        response = client.get(url)
        assert response.status_code == 200, url


def test_admin_search_finds_people_by_alias(client, seed, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:archive_person_changelist"), {"q": "Ultraman"})
    assert "Sam Altman" in response.content.decode()


def test_editing_an_annotation_to_a_wrong_passage_is_a_form_error(client, seed, editor):
    client.force_login(editor)
    annotation = Annotation.objects.filter(exact="Ultraman").first()
    url = reverse("admin:archive_annotation_change", args=[annotation.pk])
    response = client.post(
        url,
        {
            "source": annotation.source_id,
            "start": annotation.start,
            "end": annotation.end,
            "exact": "Batman",
            "motivation": "identifying",
            "status": "published",
            "persons": [p.pk for p in annotation.persons.all()],
        },
    )
    assert response.status_code == 200
    assert "does not match the text" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.exact == "Ultraman"


@pytest.mark.parametrize("model", ["person", "organization", "event", "quote", "source"])
def test_autocomplete_answers_in_a_stable_order(admin_client, seed, model):
    """The admin's lists annotate counts, which drops Meta.ordering; the autocomplete view
    paginates them, so they must be ordered explicitly (an unordered page would warn)."""
    field = {"person": "persons", "organization": "organizations", "event": "events"}.get(
        model, model
    )
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "", "app_label": "archive", "model_name": "annotation", "field_name": field},
    )
    assert response.status_code == 200, response.content[:200]
    assert response.json()["results"]
