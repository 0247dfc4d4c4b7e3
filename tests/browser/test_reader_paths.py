"""In a real browser, a reader's paths: from an article to a person and back to a passage."""

from archive.models import Event


def test_home_article_name_person_mention_and_back_to_the_passage(page):
    page.goto("/")
    page.get_by_role("link", name="The superalignment exodus").first.click()
    page.wait_for_selector("#article-title")
    page.locator("a.mark-link", has_text="Jan Leike").first.click()
    page.wait_for_url("**/people/jan-leike/")
    assert page.locator("h1").inner_text() == "Jan Leike"
    mention = page.locator("a[href*='/sources/safety-team-lost-trust-in-altman/#a-']").first
    target = mention.get_attribute("href").split("#")[1]
    mention.click()
    page.wait_for_url(f"**#{target}")
    first_piece = page.locator(f"#{target}")
    assert "is-target" in first_piece.get_attribute("class")
    assert first_piece.is_visible()


def test_timeline_event_and_another_sources_account(page):
    event = Event.objects.get(slug="altman-guest-badge-visit")
    page.goto("/events/")
    page.get_by_role("link", name=event.title).first.click()
    page.wait_for_url(f"**{event.get_absolute_url()}")
    accounts = page.locator("a[href*='#a-']")
    assert accounts.count() >= 3
    href = accounts.first.get_attribute("href")
    accounts.first.click()
    key = href.split("#a-")[1]
    page.wait_for_selector(f"mark.is-target[data-a='{key}']")
    note = page.locator(f"#note-{key}")
    if note.count():
        assert note.get_attribute("open") is not None


def test_keyboard_reaches_a_note_and_opens_it(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/sources/sutskever-leike-exodus-blog/")
    summary = page.locator("details.note summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.note").first.get_attribute("open") is not None


def test_search_result_leads_to_the_passage(page):
    page.goto("/")
    page.get_by_role("searchbox").first.fill("Ultraman")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Ultraman**")
    result = page.locator("main a[href*='/sources/altman-visitor-badge-compilation/#']").first
    href = result.get_attribute("href")
    assert page.locator("main mark", has_text="Ultraman").count() >= 1
    result.click()
    page.wait_for_url(f"**{href.split('#')[0]}*")
    anchor = href.split("#")[1]
    assert page.locator(f"#{anchor}").is_visible()


def test_clicking_a_highlight_opens_its_note_with_the_links(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/sources/sutskever-leike-exodus-blog/")
    mark = page.locator("mark.passage-mark--describing[data-note='1']").first
    key = mark.get_attribute("data-a")
    note = page.locator(f"#note-{key}")
    assert note.get_attribute("open") is None  # closed on a phone
    mark.click(position={"x": 2, "y": 2})
    assert note.get_attribute("open") is not None
    assert note.locator("a[href^='/events/']").count() >= 1
