"""manage.py ingest: a file becomes a draft source, then its suggested mentions are listed."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.urls import reverse

from sources.models import Basis, Source
from sources.publishing import Status
from tests.conftest import snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"


def ingest(*args) -> str:
    out = StringIO()
    call_command("ingest", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def test_a_text_file_with_front_matter(seed):
    output = ingest(DATA / "board-statement.txt")
    source = Source.objects.get(slug="openai-board-names-mira-murati-interim-chief-executive")
    assert source.status == Status.DRAFT
    assert source.authors == "Dana Whitfield, Omar Reyes"
    assert source.published_display == "17 November 2023"
    assert source.authors_basis == Basis.ATTRIBUTED
    assert "board-statement.txt" in source.attribution_notes
    assert output.startswith(
        f"Added draft source {source.slug!r} from board-statement.txt (text): 4 paragraph(s),"
    )
    assert "  authors    Dana Whitfield, Omar Reyes  [attributed]" in output
    assert "  person sam-altman (Sam Altman): 1\n" in output
    assert "'Mira Murati'\t(name)" in output
    workbench = reverse("admin:archive_annotation_workbench", args=[source.pk])
    assert output.endswith(f"Annotate it in the admin: {workbench}\n")


def test_a_saved_web_page_lists_the_known_names_in_it(seed):
    output = ingest(DATA / "news-article.html")
    source = Source.objects.get(
        url="https://ledger.example.com/tech/2023/11/20/microsoft-hires-altman"
    )
    assert source.title == "Microsoft hires Sam Altman after OpenAI board refuses his return"
    assert source.outlet == "The Example Ledger" and source.outlet_basis == Basis.STATED
    assert "Advertisement" not in source.body
    # Grouped by entity, most mentioned first, each occurrence as suggest_mentions prints it.
    assert "23 suggested mention(s) of 11 entity(ies):\n  organization openai (OpenAI): 5\n" in (
        output
    )
    assert "  person sam-altman (Sam Altman): 5\n    20–30\t'Sam Altman'\t(name)\t" in output


def test_options_override_the_file(seed):
    output = ingest(
        DATA / "safety-team-essay.md",
        "--title=The superalignment exits",
        "--slug=superalignment-exits",
        "--author=R. Okafor",
        "--author=K. Mensah",
        "--date=2024-05-20",
        "--kind=op-ed",
        "--language=en-GB",
        "--stated=authors",
    )
    source = Source.objects.get(slug="superalignment-exits")
    assert source.title == "The superalignment exits" and source.title_basis == Basis.ATTRIBUTED
    assert source.authors == "R. Okafor, K. Mensah" and source.authors_basis == Basis.STATED
    assert (source.kind, source.language, source.outlet) == ("op-ed", "en-GB", "Alignment Notes")
    assert source.published_display == "20 May 2024"
    assert "  person jan-leike (Jan Leike): 3\n" in output


def test_dry_run_shows_everything_and_saves_nothing(seed):
    before = snapshot()
    output = ingest(DATA / "news-article.html", "--dry-run")
    assert output.startswith("Would add draft source 'microsoft-hires-sam-altman-after-openai")
    assert "23 suggested mention(s)" in output
    assert output.endswith("Dry run: nothing was saved.\n")
    assert snapshot() == before


def test_json_output(seed):
    result = json.loads(ingest(DATA / "news-article.html", "--json"))
    source = Source.objects.get(pk=result["source"]["id"])
    assert result["source"]["slug"] == source.slug
    assert result["source"]["published_on"] == "2023-11-20"
    assert result["source"]["title_basis"] == "stated"
    assert result["workbench"] == reverse("admin:archive_annotation_workbench", args=[source.pk])
    assert {"Sam Altman", "OpenAI"} <= {s["exact"] for s in result["suggestions"]}
    assert result["dry_run"] is False


@pytest.fixture
def tmp_file(tmp_path):
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    return write


def bad_files(tmp_file):
    seed_text = Source.objects.get(slug="sutskever-leike-exodus-blog").body
    return {
        "empty": ([DATA / "empty.txt"], "empty.txt is empty."),
        "binary": ([DATA / "scan.txt"], "scan.txt is a binary file, not text."),
        "latin-1": ([DATA / "latin1.txt"], "latin1.txt is not UTF-8 (byte 0xE9 at offset 3"),
        "missing": ([DATA / "nope.txt"], "There is no file"),
        "a pdf": ([tmp_file("report.pdf", b"%PDF-1.7")], "unsupported file type '.pdf'"),
        "no title": ([tmp_file("a.txt", "OpenAI news")], "a.txt has no title"),
        "bad date": ([DATA / "board-statement.txt", "--date=Nov 2023"], "Bad date 'Nov 2023'"),
        "seed text": (
            [tmp_file("copy.txt", seed_text), "--title=Copy"],
            "This text is already in the archive as the source 'sutskever-leike-exodus-blog'.",
        ),
        "seed slug": (
            [DATA / "board-statement.txt", "--slug=sutskever-leike-exodus-blog"],
            "The slug 'sutskever-leike-exodus-blog' is taken by an existing source",
        ),
    }


def test_bad_files_leave_the_database_unchanged(seed, tmp_file):
    ingest(DATA / "news-article.html")  # a source of its own to be duplicated below
    cases = bad_files(tmp_file)
    cases["same page again"] = ([DATA / "news-article.html"], "already in the archive")
    cases["same url"] = (
        [
            tmp_file("other.txt", "Another text"),
            "--title=Other",
            "--url=https://ledger.example.com/tech/2023/11/20/microsoft-hires-altman/",
        ],
        "is already that of the source 'microsoft-hires-sam-altman-after-openai",
    )
    before, history = snapshot(), Source.history.count()
    for case, (args, message) in cases.items():
        with pytest.raises(CommandError) as error:
            ingest(*args)
        assert message in str(error.value), case
        assert snapshot() == before, case
        assert Source.history.count() == history, case


def test_an_error_is_one_line_and_a_failing_exit_status(seed, capsys):
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "ingest", str(DATA / "latin1.txt")]).execute()
    assert exit_.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("CommandError: ") and "iconv -f LATIN1 -t UTF-8" in error
    assert error.count("\n") == 1 and "Traceback" not in error
