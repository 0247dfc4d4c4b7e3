"""In a real browser: no page breaks the Content-Security-Policy (docs/production.md).

Chromium reports every blocked inline script, inline style, style attribute or outside
resource twice: as a `securitypolicyviolation` event in the page, and as a "Refused to …"
message on the console. Both are collected; a canary at the end shows they are heard.
"""

from archive.models import Person
from sources.models import Source

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


class Violations:
    def __init__(self, page):
        self.page = page
        self.console = []
        self.seen = []
        page.context.add_init_script(LISTEN)
        page.on("console", self._on_console)

    def _on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.console.append(text)

    def visit(self, url):
        response = self.page.goto(url)
        assert response.status == 200, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, url
        return response

    def collect(self, where):
        """Violations since the last call, on this page and on the console."""
        in_page = self.page.evaluate("() => window.__cspViolations.splice(0)")
        found = [f"{where}: {text}" for text in in_page + self.console]
        self.console.clear()
        return found


def test_public_pages_run_under_the_policy_without_a_violation(page):
    violations = Violations(page)
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    key = source.annotations.published().filter(note__gt="").values_list("key", flat=True)[0]
    found = []

    for url in ["/", "/people/jan-leike/", "/events/", "/search/?q=Ultraman", "/quotes/"]:
        violations.visit(url)
        page.wait_for_load_state("load")
        found += violations.collect(url)

    # The reader, notes open in the margin, then a permalink that outlines a passage.
    violations.visit(source.get_absolute_url())
    page.wait_for_selector("details.note[open]")
    page.goto(f"{source.get_absolute_url()}#a-{key}")
    page.wait_for_selector(f"mark.is-target[data-a='{key}']")
    # On a phone, notes open inline when their highlight is clicked.
    page.set_viewport_size({"width": 390, "height": 844})
    violations.visit(source.get_absolute_url())
    mark = page.locator("mark[data-note='1']").first
    mark.click(position={"x": 2, "y": 2})
    page.wait_for_selector(f"#note-{mark.get_attribute('data-a')}[open]")
    found += violations.collect("reader")

    assert found == []

    # The canary: an inline script is refused, and heard.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in text for text in violations.collect("canary"))


def test_the_admin_and_the_workbench_run_under_the_policy_without_a_violation(page, login):
    login("pat", "Publishers")
    violations = Violations(page)
    found = []
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    person = Person.objects.get(slug="sam-altman")
    person.description += " (edited)"
    person.save()  # a history entry, so the history page lists one

    violations.visit("/admin/")
    violations.visit("/admin/archive/annotation/")
    found += violations.collect("changelist")

    # A change form with autocomplete fields (select2): open one and search.
    annotation = source.annotations.first()
    violations.visit(f"/admin/archive/annotation/{annotation.pk}/change/")
    search = page.locator(".field-persons .select2-search__field")
    search.click()
    search.fill("Sutskever")
    page.wait_for_selector(".select2-results__option:has-text('Ilya Sutskever')")
    page.keyboard.press("Escape")
    found += violations.collect("annotation change form")

    # django-simple-history's page, with the one style attribute the admin's policy allows.
    history = violations.visit(f"/admin/archive/person/{person.pk}/history/")
    page.wait_for_selector("#change-history")
    found += violations.collect("history")

    # The workbench: the article, finding a passage, a highlight's form, a note's preview.
    violations.visit(f"/admin/archive/annotation/workbench/{source.pk}/")
    page.wait_for_selector("#workbench-article p[data-offset]")
    page.wait_for_function(
        "() => !document.querySelector('#workbench-suggestions').innerText.includes('Loading')"
    )
    page.fill("#wb-find-input", "exodus")
    page.keyboard.press("Enter")
    page.wait_for_selector("#wb-status:has-text('Match 1 of')")
    page.locator("#workbench-article mark").first.click()
    page.wait_for_selector("#wb-form")
    page.fill("#wb-note", "A *preview*, with [a link](https://example.org/).")
    page.locator("#wb-form").get_by_role("button", name="Preview").click()
    page.wait_for_selector("#wb-note-preview em")
    found += violations.collect("workbench")

    assert found == []
    assert "'unsafe-hashes'" in history.headers["content-security-policy"]
