"""Admin form data the tests post, as the admin's own change forms would send it."""


def person_form(person, **changes) -> dict:
    """The person change form with no alias or role rows, `changes` applied."""
    data = {
        "name": person.name,
        "slug": person.slug,
        "description": person.description,
        "wikidata": person.wikidata,
        "status": person.status,
        "version": person.version,
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
        "roles-TOTAL_FORMS": 0,
        "roles-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data
