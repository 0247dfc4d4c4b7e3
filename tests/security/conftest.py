"""What the security suites share: users by role, and the state of the whole database."""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client

from archive.models import SearchEntry
from tests.conftest import snapshot


def database_state(*, search_rows: bool = False) -> dict:
    """Every row of the two apps (tests.conftest.snapshot), the size of every other table of
    theirs (change history included), the admin's log and the search index: a write that
    was refused or rolled back leaves all of it as it was."""
    counts = {
        model._meta.label: model._base_manager.count()
        for label in ("archive", "sources")
        for model in apps.get_app_config(label).get_models()
    }
    counts["admin.LogEntry"] = LogEntry.objects.count()
    state = {"rows": snapshot(), "counts": counts}
    if search_rows:
        fields = [f.attname for f in SearchEntry._meta.concrete_fields if f.attname != "id"]
        state["search"] = sorted(SearchEntry.objects.values_list(*fields), key=repr)
    return state


@pytest.fixture
def login(db, django_user_model):
    """login("publisher" | "editor", csrf=False) -> a Client logged in as such a user."""
    made = {}

    def client_for(role: str, *, csrf: bool = False, raise_errors: bool = True) -> Client:
        if role not in made:
            user = django_user_model.objects.create_user(
                f"security-{role}", is_staff=True, first_name="Sec", last_name=role.title()
            )
            user.groups.add(Group.objects.get(name=f"{role.title()}s"))
            made[role] = user
        client = Client(enforce_csrf_checks=csrf, raise_request_exception=raise_errors)
        client.force_login(made[role])
        return client

    return client_for


class FormFields(HTMLParser):
    """The fields of an admin page's form, as a browser would submit them unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None  # [name, multiple, first option's value]
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            checkable = attrs.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in attrs:
                return
            default = "on" if checkable else ""
            self.data.setdefault(name, []).append(attrs.get("value") or default)
        elif tag == "select" and name:
            self._select = [name, "multiple" in attrs, None]
            self.data.setdefault(name, [])
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in attrs:
                self.data[self._select[0]].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, multiple, first = self._select
            if not multiple and not self.data[name] and first is not None:
                self.data[name].append(first)  # a browser sends the first option
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_of(client: Client, url: str) -> dict[str, list[str]]:
    """The form on the admin page at `url`, ready to post back (CSRF token left out)."""
    response = client.get(url)
    assert response.status_code == 200, url
    parser = FormFields()
    parser.feed(response.content.decode())
    parser.close()
    return {
        # a textarea's first newline is not part of its value
        name: [value.removeprefix("\n") for value in values]
        for name, values in parser.data.items()
        if name != "csrfmiddlewaretoken"
    }
