"""In a real browser: select a passage with the mouse, link it, make a quote, accept a mention."""

import re

from archive.models import Annotation, Organization, Person
from sources.models import Source
from sources.publishing import Status

LOCATE = """(words) => {
  // The text node and offsets of the first occurrence of `words` in the article.
  const article = document.querySelector('#workbench-article');
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = '';
  let node;
  while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
  const at = text.indexOf(words);
  if (at < 0) return null;
  const find = (offset, isEnd) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const [n, base] = nodes[i];
      if (offset > base || (!isEnd && offset === base)) return [n, offset - base];
    }
  };
  return {start: find(at, false), end: find(at + words.length, true)};
}"""

SCROLL_TO = (
    "(words) => { const r = (" + LOCATE + ")(words); "
    "r.start[0].parentElement.scrollIntoView({block: 'center'}); return true; }"
)

POINTS = (
    "(words) => { const r = ("
    + LOCATE
    + """)(words);
  const rect = (node, from, to) => {
    const range = document.createRange();
    range.setStart(node, from);
    range.setEnd(node, to);
    return range.getBoundingClientRect();
  };
  const [sn, so] = r.start;
  const [en, eo] = r.end;
  const first = rect(sn, so, so + 1);
  const last = rect(en, eo - 1, eo);
  return [[first.left + 1, first.top + first.height / 2],
          [last.right - 1, last.top + last.height / 2]];
}"""
)


def open_workbench(page, source):
    page.goto(f"/admin/archive/annotation/workbench/{source.pk}/")
    page.wait_for_selector("#workbench-article p[data-offset]")
    # The script replaces the article when its state arrives: wait for that, not for the
    # placeholder, or the text moves under the mouse.
    page.wait_for_function(
        "() => !document.querySelector('#workbench-suggestions').innerText.includes('Loading')"
        " && !document.querySelector('#workbench-review').innerText.includes('Loading')"
    )


def drag_select(page, words):
    """Select `words` in the article the way a person does: press, drag, release."""
    page.evaluate(SCROLL_TO, words)
    page.wait_for_timeout(100)  # let the scroll settle before measuring
    (x1, y1), (x2, y2) = page.evaluate(POINTS, words)
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=5)
    page.mouse.move(x2, y2, steps=5)
    page.mouse.up()
    assert page.evaluate("() => String(window.getSelection()).trim()") == words
    page.wait_for_selector("#wb-form")


def save(page):
    page.locator("#wb-form").get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#wb-status:has-text('Saved')")


def choose(page, field_input, term, option):
    page.fill(field_input, term)
    page.get_by_role("option", name=re.compile(option)).first.click()


def test_select_a_passage_with_the_mouse_and_link_it_to_a_person(page, login):
    login("eddie", "Editors")
    source = Source.objects.create(
        slug="emoji-post",
        title="A post with emoji",
        body="Bye 🚀🚀 and 👨‍👩‍👧 too.\n\nThen Ilya Sutskever left the building.",
        status=Status.PUBLISHED,
    )
    open_workbench(page, source)
    drag_select(page, "Ilya Sutskever")
    assert "Ilya Sutskever" in page.inner_text("#wb-passage-text")
    choose(page, "#wb-persons-input", "Sutskever", "Ilya Sutskever")
    save(page)
    annotation = Annotation.objects.get(source=source)
    # Code points, not UTF-16 units: the emoji before it would shift a naive count.
    assert annotation.start == source.body.index("Ilya Sutskever")
    assert annotation.exact == "Ilya Sutskever"
    assert list(annotation.persons.all()) == [Person.objects.get(slug="ilya-sutskever")]
    assert annotation.status == Status.DRAFT and annotation.author.username == "eddie"
    assert page.locator(f"#workbench-article mark[data-a='{annotation.key}']").count() >= 1


def test_create_a_quote_from_a_selection(page, login):
    login("eddie", "Editors")
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    words = "hell hath no fury like a CEO scorned"
    open_workbench(page, source)
    drag_select(page, words)
    page.get_by_role("button", name="New quote from this passage").click()
    assert page.input_value("#wb-nq-text") == words
    page.fill("#wb-nq-description", "a proverb, adapted by the blogger")
    save(page)
    annotation = Annotation.objects.get(source=source, exact=words)
    assert annotation.quote.text == words
    assert annotation.quote.speaker_description == "a proverb, adapted by the blogger"
    assert annotation.quote.status == Status.DRAFT


def test_accept_a_suggested_mention(page, login):
    login("pat", "Publishers")
    source = Source.objects.get(slug="jacobs-mission-and-execution-op-ed")
    cohere = Organization.objects.get(slug="cohere")
    source.annotations.filter(organizations=cohere, exact="Cohere").delete()
    open_workbench(page, source)
    suggestions = page.locator("#workbench-suggestions")
    link_first = suggestions.get_by_role("button", name="Link “Cohere” (1 of 2) to Cohere")
    link_first.click()
    suggestions.get_by_role("button", name="Link all 1 to Cohere").wait_for()
    linked = source.annotations.filter(organizations=cohere, exact="Cohere")
    assert linked.count() == 1
    suggestions.get_by_role("button", name="Link all 1 to Cohere").click()
    page.wait_for_selector("#workbench-suggestions:not(:has-text('Cohere'))")
    assert linked.count() == 2
    assert linked.filter(status=Status.DRAFT).count() == 2  # accepted mentions start as drafts
