"""No lost updates: a save made from an out-of-date copy is refused."""

import pytest

from archive.models import Annotation, Person
from sources.models import Source
from sources.versioning import EditConflict


def test_the_second_of_two_concurrent_saves_is_refused(seed):
    mine = Source.objects.get(slug="sutskever-leike-exodus-blog")
    theirs = Source.objects.get(pk=mine.pk)
    theirs.title = "Their title"
    theirs.save()
    mine.title = "My title"
    with pytest.raises(EditConflict) as conflict:
        mine.save()
    assert conflict.value.current.title == "Their title"
    assert "changed by someone else" in str(conflict.value)
    assert Source.objects.get(pk=mine.pk).title == "Their title"


def test_saving_again_after_reloading_works(seed):
    person = Person.objects.get(slug="jan-leike")
    person.description = "First edit."
    person.save()
    person.description = "Second edit by the same editor."
    person.save()
    assert Person.objects.get(pk=person.pk).version == 3


def test_annotations_are_protected_too(seed):
    annotation = Annotation.objects.filter(exact="Ultraman").first()
    stale = Annotation.objects.get(pk=annotation.pk)
    annotation.note = "Chinese nickname."
    annotation.save(update_fields=["note"])
    stale.note = "Overwriting?"
    with pytest.raises(EditConflict):
        stale.save(update_fields=["note"])
    annotation.refresh_from_db()
    assert annotation.note == "Chinese nickname." and annotation.version == 2
