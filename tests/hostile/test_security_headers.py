"""Every kind of response carries the security headers, and every cookie its flags.

Pages come from tests/hostile/targets.py (`PAGES`, which test_routes.py keeps complete), so a
page added later is checked here too; besides them: the confirmation page after a real
submission, every static file, downloads (CSV, XLSX, raw mail, attachment), error pages and
the answers to form posts. The site runs with SESSION_COOKIE_SECURE on for these tests.
tests/app/test_response_security.py covers what needs an app of its own (413, 429, 500).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from enquiry import ROOT
from tests.hostile.site import Site
from tests.hostile.targets import ASK_VALID, PAGES
from tests.security_checks import cookie_problems, problems_with

DOWNLOADS = {
    "staff.attachment",
    "staff.mailroom_download",
    "staff.dashboard_csv",
    "staff.annual_report_csv",
    "staff.annual_report_xlsx",
    "staff.table4_csv",
    "staff.table4_xlsx",
    "staff.annual_draft_docx",
}
STATIC = sorted(
    path.relative_to(ROOT / "static").as_posix()
    for path in (ROOT / "static").rglob("*")
    if path.is_file()
)


@pytest.fixture
def secure_cookies(site: Site) -> Iterator[Site]:
    """The site as deployed behind HTTPS: session cookies marked Secure."""
    config = site.app.config
    config["SESSION_COOKIE_SECURE"] = True
    try:
        yield site
    finally:
        config["SESSION_COOKIE_SECURE"] = False


@pytest.mark.parametrize("endpoint", sorted(PAGES))
def test_every_page_carries_the_headers(secure_cookies: Site, endpoint: str) -> None:
    site, page = secure_cookies, PAGES[endpoint]
    client = site.client(page.role)
    values = site.ids | (page.setup(site) if page.setup else {})

    response = client.get(page.url.format(**values))

    assert response.status_code < 400, response.status_code
    assert problems_with(response) == []
    if endpoint in DOWNLOADS:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_fresh_visitor_gets_a_flagged_cookie_and_the_confirmation_page_the_headers(
    secure_cookies: Site,
) -> None:
    site = secure_cookies
    visitor = site.app.test_client()
    form = visitor.get("/ask")
    assert form.headers.getlist("Set-Cookie"), "the form page sets the session cookie"
    assert problems_with(form) == []
    data = ASK_VALID | {"csrf_token": site.csrf(visitor), "form_token": site.form_token()}

    sent = visitor.post("/ask", data=data)

    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    assert sent.headers.getlist("Set-Cookie") and problems_with(sent) == []
    confirmation = visitor.get("/ask/submitted")
    assert confirmation.status_code == 200
    assert "track" in confirmation.get_data(as_text=True)
    assert problems_with(confirmation) == []


def test_signing_in_sets_a_flagged_cookie(secure_cookies: Site) -> None:
    site = secure_cookies
    client = site.client("agent", fresh=True)  # signs in through the login form
    response = client.get("/staff/inbox")
    assert response.status_code == 200
    assert problems_with(response) == []
    login = site.app.test_client()
    token = site.csrf(login)
    wrong = {"email": "x@y.test", "password": "not it", "csrf_token": token}
    refused = login.post("/staff/login", data=wrong)
    assert refused.status_code == 200
    assert problems_with(refused) == []


@pytest.mark.parametrize("path", STATIC)
def test_static_files_carry_the_headers(site: Site, path: str) -> None:
    response = site.app.test_client().get(f"/static/{path}")
    assert response.status_code == 200
    assert problems_with(response) == []
    response.close()


def error_responses(site: Site) -> Iterator[tuple[int, TestResponse]]:
    public = site.app.test_client()
    yield 404, public.get("/no/such/page")
    yield 404, site.client("admin").get("/staff/tickets/99999999")
    yield 405, public.get("/staff/logout")
    yield 400, public.get("/track", query_string={"reference": "a\x00b"})
    yield 400, site.client("admin").post("/staff/logout", data={"csrf_token": "forged"})
    yield 403, site.client("agent").get("/staff/admin/users")


def test_error_pages_carry_the_headers(secure_cookies: Site) -> None:
    for status, response in error_responses(secure_cookies):
        assert response.status_code == status, (status, response.status_code)
        assert problems_with(response) == [], status
        assert "Traceback" not in response.get_data(as_text=True)


def test_the_check_itself_finds_a_missing_header() -> None:
    found = problems_with(Response(b""))
    assert any("frame-ancestors" in p for p in found)
    assert any("X-Content-Type-Options" in p for p in found)
    assert cookie_problems("gone=; Max-Age=0; Path=/") == []
    lax = "s=1; Path=/; SameSite=None"
    assert cookie_problems(lax) == [
        "cookie s without Secure",
        "cookie s without HttpOnly",
        "cookie s SameSite='None'",
    ]
