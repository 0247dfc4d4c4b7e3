"""Every change is recorded (who, when, what) and can be reverted, imported rows included."""

from archive.models import Annotation, Person
from sources.history import PRIOR_STATE


def test_the_first_edit_of_an_imported_row_keeps_its_prior_state(seed, django_user_model):
    person = Person.objects.get(slug="jan-leike")
    original = person.description
    assert not person.history.exists()  # loaddata is an import, not an edit
    person.description = "Edited."
    person._history_user = django_user_model.objects.create_user("alice")
    person.save()
    prior, edit = person.history.order_by("history_date")
    assert prior.history_change_reason == PRIOR_STATE and prior.description == original
    assert edit.description == "Edited." and edit.history_user.username == "alice"
    assert [c.field for c in edit.diff_against(prior).changes] == ["description", "version"]


def test_reverting_an_annotation_restores_its_links(seed):
    annotation = Annotation.objects.filter(exact="Ultraman").first()
    altman = annotation.persons.get()
    annotation.persons.clear()
    annotation.note = "Unlinked by mistake"
    annotation.save()
    prior = annotation.history.earliest("history_date")
    assert [p.person_id for p in prior.persons.all()] == [altman.pk]
    restored = prior.instance
    restored.version = Annotation.objects.get(pk=annotation.pk).version
    restored.save()
    restored.persons.set([row.person_id for row in prior.persons.all()])
    annotation.refresh_from_db()
    assert annotation.note == "" and list(annotation.persons.all()) == [altman]
