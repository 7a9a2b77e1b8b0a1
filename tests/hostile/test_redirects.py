"""Every `next` the app follows, fed the whole class of open-redirect tricks
(tests/redirect_variants.py): each falls back to the view's own page, never a 5xx, never a
Location off the site, and a refused bulk action stores nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import url_for
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import Role
from tests.conftest import hidden_fields
from tests.hostile.site import PASSWORD, Site
from tests.redirect_variants import SAFE_NEXT_VALUES, hostile_next_values

VARIANTS = hostile_next_values()


def endpoint_url(site: Site, endpoint: str) -> str:
    with site.app.test_request_context():
        return url_for(endpoint)


def assert_redirects_to(response: object, expected: str, sent: str) -> None:
    status = getattr(response, "status_code", 0)
    assert status in {302, 303}, (sent, status)
    location = getattr(response, "headers", {})["Location"]
    parts = urlsplit(location)
    assert parts.netloc in {"", "enquiry.test"}, (sent, location)
    assert location.removeprefix("http://enquiry.test") == expected, (sent, location)


def test_the_language_switch_goes_home_for_every_hostile_next(site: Site) -> None:
    client = site.client()
    home = endpoint_url(site, "public.index")
    for value in VARIANTS:
        response = client.get("/language/en", query_string={"next": value})
        assert_redirects_to(response, home, value)
    for value in SAFE_NEXT_VALUES:
        assert_redirects_to(client.get("/language/en", query_string={"next": value}), value, value)


def test_the_login_page_forgets_every_hostile_next(site: Site) -> None:
    client = site.client()
    for value in VARIANTS:
        response = client.get("/staff/login", query_string={"next": value})
        assert response.status_code == 200, value
        assert hidden_fields(response.get_data(as_text=True)).get("next", "") == "", value


@pytest.mark.parametrize("chunk", range(4))
def test_signing_in_lands_on_the_inbox_for_every_hostile_next(site: Site, chunk: int) -> None:
    with site.app.app_context():
        email = site.new_user(Role.AGENT).email
        db.session.remove()
    inbox = endpoint_url(site, "staff.inbox")
    for value in VARIANTS[chunk::4]:
        client: FlaskClient = site.app.test_client()
        data = {
            "email": email,
            "password": PASSWORD,
            "next": value,
            "csrf_token": site.csrf(client),
        }
        assert_redirects_to(client.post("/staff/login", data=data), inbox, value)


def test_a_refused_bulk_action_goes_back_to_the_inbox_and_changes_nothing(site: Site) -> None:
    client = site.client("supervisor")
    inbox = endpoint_url(site, "staff.inbox")
    before = site.counts()
    for value in VARIANTS:
        data = {"next": value, "action": "", "csrf_token": site.csrf(client)}
        assert_redirects_to(client.post("/staff/bulk", data=data), inbox, value)
    site.flashes(client)
    assert site.counts() == before
