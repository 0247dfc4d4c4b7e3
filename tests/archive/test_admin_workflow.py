"""Review and publishing in the admin: groups, rights, conflicts, history, re-anchoring."""

import pytest
from django.urls import reverse

from archive.models import AnchorStatus, Annotation, Person
from sources.models import Source
from sources.publishing import Status
from tests.admin_forms import person_form


@pytest.fixture
def editor(make_user):
    return make_user("eddie", "Editors")


@pytest.fixture
def publisher(make_user):
    return make_user("pat", "Publishers")


def test_the_groups_exist_with_the_right_rights(seed, editor, publisher):
    assert editor.has_perm("archive.change_annotation")
    assert not editor.has_perm("archive.publish_annotation")
    assert publisher.has_perm("archive.publish_annotation")
    assert publisher.has_perm("sources.publish_source")


def test_an_editor_creates_drafts_but_cannot_publish(client, seed, editor):
    client.force_login(editor)
    url = reverse("admin:archive_person_add")
    data = {
        "name": "Larry Summers",
        "slug": "larry-summers",
        "description": "Economist; joined OpenAI's board in Nov 2023.",
        "wikidata": "",
        "status": "published",  # refused: the field is read-only for editors
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
        "roles-TOTAL_FORMS": 0,
        "roles-INITIAL_FORMS": 0,
    }
    assert client.post(url, data).status_code == 302
    assert Person.objects.get(slug="larry-summers").status == Status.DRAFT


def test_an_editor_sees_published_items_read_only(client, seed, editor):
    client.force_login(editor)
    person = Person.objects.get(slug="jan-leike")
    url = reverse("admin:archive_person_change", args=[person.pk])
    response = client.post(url, person_form(person, description="Changed by an editor"))
    assert response.status_code == 403
    assert Person.objects.get(pk=person.pk).description == person.description
    page = client.get(url).content.decode()
    assert "Save" not in page or 'name="_save"' not in page


def test_an_editor_cannot_use_the_publish_action(client, seed, editor):
    client.force_login(editor)
    draft = Person.objects.create(slug="a-draft", name="A Draft")
    response = client.post(
        reverse("admin:archive_person_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code in (200, 302)
    assert Person.objects.get(pk=draft.pk).status == Status.DRAFT


def test_a_publisher_publishes_and_the_page_appears(client, seed, publisher):
    draft = Person.objects.create(slug="a-draft", name="A Draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(publisher)
    client.post(
        reverse("admin:archive_person_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert Person.objects.get(pk=draft.pk).status == Status.PUBLISHED
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_the_second_of_two_editors_is_told_what_changed_and_keeps_their_input(
    client, seed, publisher, make_user
):
    person = Person.objects.get(slug="jan-leike")
    other = make_user("olga", "Publishers")
    url = reverse("admin:archive_person_change", args=[person.pk])
    client.force_login(other)
    assert client.post(url, person_form(person, description="Olga's version")).status_code == 302
    client.force_login(publisher)
    response = client.post(url, person_form(person, description="Pat's version"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this while you were editing" in page
    assert "olga saved version" in page and "Olga&#x27;s version" in page
    assert "Pat&#x27;s version" in page  # the editor's own text is still in the form
    assert Person.objects.get(pk=person.pk).description == "Olga's version"


def test_a_change_is_in_the_history_and_can_be_reverted(client, seed, publisher):
    person = Person.objects.get(slug="jan-leike")
    original = person.description
    url = reverse("admin:archive_person_change", args=[person.pk])
    client.force_login(publisher)
    client.post(url, person_form(person, description="Vandalised"))
    person.refresh_from_db()
    history = client.get(reverse("admin:archive_person_history", args=[person.pk]))
    assert history.status_code == 200 and "pat" in history.content.decode()
    prior = person.history.earliest("history_date")
    revert_url = reverse("admin:archive_person_simple_history", args=[person.pk, prior.pk])
    form = client.get(revert_url)
    assert form.status_code == 200
    response = client.post(revert_url, person_form(prior.instance, version=person.version))
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.description == original


def test_editing_a_text_reports_passages_to_review(client, seed, publisher):
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    client.force_login(publisher)
    url = reverse("admin:sources_source_change", args=[source.pk])
    data = {
        field: getattr(source, field)
        for field in [
            "title",
            "title_basis",
            "slug",
            "kind",
            "status",
            "outlet",
            "outlet_basis",
            "authors",
            "authors_basis",
            "published_basis",
            "url",
            "attribution_notes",
            "language",
            "original_language",
            "translation_notes",
            "quality_notes",
            "version",
        ]
    }
    data.update(
        published_on="2024-05-01",
        published_on_precision=source.published_on_precision,
        body=source.body.replace("Daniel Cocateo", "Daniel Kokotajlo"),
    )
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    assert "annotations re-anchored" in page
    assert "need review" in page
    flagged = Annotation.objects.filter(source=source, anchor_status=AnchorStatus.FUZZY)
    assert flagged.filter(exact="Daniel Kokotajlo").exists()


def test_reverting_an_annotation_in_the_admin_restores_its_links(client, seed, publisher):
    annotation = Annotation.objects.filter(exact="Ultraman").first()
    altman = annotation.persons.get()
    annotation.persons.clear()
    annotation.note = "Unlinked by mistake"
    annotation.save()
    prior = annotation.history.earliest("history_date")
    url = reverse("admin:archive_annotation_simple_history", args=[annotation.pk, prior.pk])
    client.force_login(publisher)
    form = client.get(url).context["adminform"].form
    assert list(form.initial["persons"]) == [altman.pk]
    data = {
        "source": annotation.source_id,
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "motivation": prior.motivation,
        "note": prior.note,
        "correction": prior.correction,
        "stance": prior.stance,
        "status": prior.status,
        "persons": [altman.pk],
        "version": form.initial["version"],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    annotation.refresh_from_db()
    assert annotation.note == "" and list(annotation.persons.all()) == [altman]
