"""The article reader: highlights, notes, cross-references, permalinks and citations."""

from html.parser import HTMLParser

from django.urls import reverse

from archive.models import Annotation, Event, Person
from sources.models import Source
from sources.publishing import Status

COMPILATION = "altman-visitor-badge-compilation"
#: A page whose reading is rendered: the source (with its stored reading), the content
#: generation (page cache), 5 to read the passages and what they link to, then 3 each (with
#: their savepoints) to claim a stored reading and store it (archive/stored_readings.py).
RENDERING_QUERIES = 1 + 1 + 5 + 3 + 3


def page(client, slug=COMPILATION):
    response = client.get(reverse("source-detail", kwargs={"slug": slug}))
    assert response.status_code == 200
    return response.content.decode()


class Nesting(HTMLParser):
    """Fails on any end tag that does not close the element opened last."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.stack = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


def test_every_published_passage_is_highlighted_in_well_nested_html(client, seed):
    html = page(client)
    source = Source.objects.get(slug=COMPILATION)
    keys = set(Annotation.objects.published().filter(source=source).values_list("key", flat=True))
    for key in keys:
        assert f'id="a-{key}"' in html
    parser = Nesting()
    parser.feed(html)
    assert parser.stack == []


def test_names_link_to_their_entity(client, seed):
    html = page(client)
    assert '<a class="mark-link" href="/people/sam-altman/">Ultraman</a>' in html


def test_corrections_and_notes_are_readable_beside_their_passage(client, seed):
    html = page(client)
    assert "Should read:</strong> Sam Altman" in html  # the "Greg Altman" error
    assert 'class="note note--correcting"' in html


def test_an_event_passage_points_to_other_sources_telling_it(client, seed):
    html = page(client)
    interview = Source.objects.get(slug="altman-murati-interview-after-return")
    assert "Other sources on this:" in html
    assert interview.get_absolute_url() + "#a-" in html


def test_in_this_article_lists_only_published_entities(client, seed):
    Person.objects.filter(slug="emmett-shear").update(status=Status.DRAFT)
    html = page(client)
    panel = html[html.index('id="in-this-article"') :]
    assert "/people/sam-altman/" in panel and "/people/emmett-shear/" not in html
    assert "/events/" in panel


def test_draft_and_orphaned_annotations_are_not_shown(client, seed):
    source = Source.objects.get(slug=COMPILATION)
    draft, orphan = source.annotations.filter(exact="Ultraman")[:2]
    Annotation.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    Annotation.objects.filter(pk=orphan.pk).update(anchor_status="orphaned")
    html = page(client)
    assert f"a-{draft.key}" not in html and f"a-{orphan.key}" not in html


def test_permalinks_and_citations(client, seed):
    html = page(client, "safety-team-lost-trust-in-altman")
    source = Source.objects.get(slug="safety-team-lost-trust-in-altman")
    note = source.annotations.filter(motivation="correcting").first()
    assert f'href="#a-{note.key}"' in html
    assert f"http://testserver/sources/{source.slug}/#a-{note.key}" in html
    assert "Sigal Samuel, “" in html and "Vox" in html  # the article's citation


def test_editor_text_in_notes_is_sanitised(client, seed):
    source = Source.objects.get(slug=COMPILATION)
    note = source.annotations.filter(motivation="commenting").first()
    Annotation.objects.filter(pk=note.pk).update(
        note="<script>alert(1)</script> **bold** [x](javascript:alert(2))",
        correction="",
    )
    html = page(client)
    assert "<script>alert(1)" not in html and "javascript:alert" not in html
    assert "<strong>bold</strong>" in html


def test_query_count_does_not_grow_with_annotations(client, seed, django_assert_max_num_queries):
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    event = Event.objects.get(slug="sutskever-leike-resign")
    with django_assert_max_num_queries(RENDERING_QUERIES):
        page(client, source.slug)
    words = source.body.split(" ")
    offset = 0
    for word in words[:60]:
        if word:
            annotation = Annotation.objects.create(
                source=source,
                start=offset,
                end=offset + len(word),
                exact=word,
                motivation="describing",
                status=Status.PUBLISHED,
            )
            annotation.events.add(event)
        offset += len(word) + 1
    with django_assert_max_num_queries(RENDERING_QUERIES):
        page(client, source.slug)
