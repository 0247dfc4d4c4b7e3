"""Commands an editor or operator runs: check_collection, build_collection, setup_demo."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.models import Annotation, DismissedMention, Person
from sources.models import Source

CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "openai-2023"


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_check_collection_reports_each_source(seed):
    output = run("check_collection")
    for slug in Source.objects.values_list("slug", flat=True):
        assert f"{slug}: 0 anchor mismatch(es), 0 unlinked name(s)" in output


def test_check_collection_fails_on_an_anchor_mismatch(seed):
    annotation = Annotation.objects.filter(exact="Ultraman").first()
    # A write that bypasses the model (as a bad migration or manual SQL might).
    Annotation.objects.filter(pk=annotation.pk).update(exact="Batman")
    out = StringIO()
    with pytest.raises(CommandError, match="1 annotation"):
        call_command("check_collection", stdout=out)
    assert f"MISMATCH Annotation {annotation.key}" in out.getvalue()
    assert "'Batman'" in out.getvalue()


def test_check_collection_lists_unlinked_names_and_unmentioned_entities(seed):
    source = Source.objects.get(slug="jacobs-mission-and-execution-op-ed")
    source.annotations.filter(exact="Cohere").delete()
    Person.objects.create(slug="nobody-mentioned", name="Nobody Mentioned")
    output = run("check_collection", "jacobs-mission-and-execution-op-ed")
    assert "UNLINKED" in output and "'Cohere' → cohere" in output
    assert "UNMENTIONED nobody-mentioned" in output
    assert "1 people never mentioned in any source" in output
    with pytest.raises(CommandError, match="not clean"):
        call_command("check_collection", "--strict", stdout=StringIO())


def test_a_dismissed_occurrence_is_not_reported(seed):
    source = Source.objects.get(slug="jacobs-mission-and-execution-op-ed")
    mention = source.annotations.filter(exact="Cohere").first()
    cohere = mention.organizations.get()
    mention.delete()
    DismissedMention.objects.create(
        source=source, start=mention.start, end=mention.end, exact="Cohere", organization=cohere
    )
    assert "UNLINKED" not in run("check_collection", source.slug)
    DismissedMention.objects.all().delete()
    assert run("check_collection", source.slug).count("UNLINKED") == 1


def test_check_collection_rejects_unknown_slugs(seed):
    with pytest.raises(CommandError, match="No source with slug nope"):
        call_command("check_collection", "nope")


def test_build_collection_reproduces_the_fixture(tmp_path):
    output = tmp_path / "out.json"
    text = run("build_collection", str(CATALOGUE), "--output", str(output))
    rows = json.loads(output.read_text(encoding="utf-8"))
    annotations = sum(row["model"] == "archive.annotation" for row in rows)
    assert f"{annotations} annotation" in text and annotations > 1000
    committed = (CATALOGUE.parent / "openai-2023.json").read_text(encoding="utf-8")
    assert output.read_text(encoding="utf-8") == committed


def test_build_collection_lists_every_problem(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(CATALOGUE, folder)
    with (folder / "annotations.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[annotation]]\nsource = "jacobs-mission-and-execution-op-ed"\n'
            'exact = "words that are not there"\nmotivation = "commenting"\n'
            '\n[[annotation]]\nsource = "no-such-source"\nexact = "x"\nmotivation = "commenting"\n'
            '\n[[annotation]]\nsource = "jacobs-mission-and-execution-op-ed"\nexact = "Cohere"\n'
            'motivation = "commenting"\n'
        )
    with pytest.raises(CommandError) as failure:
        call_command("build_collection", str(folder), "--output", str(tmp_path / "x.json"))
    message = str(failure.value)
    assert "3 problem(s)" in message
    assert "'words that are not there' does not occur" in message
    assert "unknown source 'no-such-source'" in message
    assert "'Cohere' occurs 2 times; add a unique `near`" in message
    assert not (tmp_path / "x.json").exists()


def test_setup_demo_loads_an_empty_database_and_creates_the_editor(empty_db, settings):
    settings.DEBUG = True
    output = run("setup_demo")
    assert Source.objects.count() == 5
    assert "username 'editor', password 'archive-demo', in the Publishers group" in output
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff and not editor.is_superuser
    assert editor.has_perm("archive.change_annotation")
    assert list(editor.groups.values_list("name", flat=True)) == ["Publishers"]
    assert "already holds sources" in run("setup_demo")
    assert Source.objects.count() == 5


def test_setup_demo_refuses_without_debug(seed, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("setup_demo")
