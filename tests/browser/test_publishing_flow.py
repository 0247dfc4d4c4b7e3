"""In a real browser: a publisher publishes a draft passage; a text edit leads to review."""

from archive.models import AnchorStatus, Annotation, Person
from sources.models import Source
from sources.publishing import Status


def test_a_publisher_publishes_and_the_passage_appears_on_the_public_page(page, login):
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    jan = Person.objects.get(slug="jan-leike")
    start = source.body.index("Talk about an exodus!")
    draft = Annotation.objects.create(
        source=source,
        start=start,
        end=start + 21,
        exact="Talk about an exodus!",
        status=Status.DRAFT,
    )
    draft.persons.add(jan)
    page.goto(jan.get_absolute_url())
    assert "Talk about an exodus!" not in page.content()

    login("pat", "Publishers")
    page.goto(f"/admin/archive/annotation/?status__exact=draft&source__id__exact={source.pk}")
    page.check(f"input[name=_selected_action][value='{draft.pk}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index], .actions button[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "1 annotations published" in page.inner_text(".messagelist")

    page.goto(jan.get_absolute_url())
    assert page.locator(".passage", has_text="Talk about an exodus!").count() == 1


def test_editing_the_text_shows_what_needs_review(page, login):
    source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    login("pat", "Publishers")
    page.goto(f"/admin/sources/source/{source.pk}/change/")
    body = page.locator("#id_body")
    body.fill(body.input_value().replace("Daniel Cocateo", "Daniel Kokotajlo"))
    page.click("input[name=_continue]")
    messages = page.inner_text(".messagelist")
    assert "annotations re-anchored" in messages and "need review" in messages
    page.click(".messagelist a:text('check them now')")
    page.wait_for_url("**anchor_status__in=fuzzy,orphaned**")
    assert (
        page.locator("#result_list tbody tr").count()
        == Annotation.objects.filter(
            source=source, anchor_status__in=AnchorStatus.needing_review()
        ).count()
        >= 1
    )
    assert "Daniel Kokotajlo" in page.inner_text("#result_list")
