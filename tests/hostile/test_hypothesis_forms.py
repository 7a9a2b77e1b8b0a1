"""Hypothesis over the public enquiry form, a few staff forms and query parameters.

Text is any Unicode without surrogates (which no browser can send), control characters
included. The rule is the one in test_forms.py: never a 5xx, never unescaped markup, and
either accepted with the text stored exactly (trimmed / NFC allowed) or refused with a clear
4xx. Each run draws new examples from its own seed (printed at the top of the run; `.ci/run`
prints it too), and a failure prints the example and its `@reproduce_failure` blob.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.runner import FormRun
from tests.hostile.site import Site, first_lines
from tests.hostile.targets import POSTS

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
WIDE = st.text(st.characters(blacklist_categories=("Cs",), min_codepoint=0), max_size=3000)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,  # the autouse SMTP guard: harmless per example
    ],
)


def check(site: Site, endpoint: str, changes: dict[str, str]) -> None:
    run = FormRun(site, endpoint, POSTS[endpoint])
    run.post(changes, label=repr(changes)[:200])
    assert not run.problems, first_lines(run.problems)


@FUZZ
@given(subject=TEXT, message=WIDE, name=TEXT)
def test_ask_form(site: Site, subject: str, message: str, name: str) -> None:
    check(site, "public.ask", {"subject": subject, "message": message, "name": name})


@FUZZ
@given(body=WIDE)
def test_staff_note(site: Site, body: str) -> None:
    check(site, "staff.add_note", {"note-body": body})


@FUZZ
@given(title=TEXT, body=WIDE)
def test_canned_reply(site: Site, title: str, body: str) -> None:
    check(site, "staff.admin_create_reply", {"title": title, "body": body})


@FUZZ
@given(
    path=st.sampled_from(["/staff/inbox", "/staff/search", "/staff/admin/audit", "/track"]),
    query=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "status",
                "kind",
                "sort",
                "after",
                "received_from",
                "due",
                "reference",
                "before",
                "date_from",
                "actor",
                "page",
                "lang",
                "next",
            ]
        ),
        TEXT,
        max_size=5,
    ),
)
def test_query_parameters(site: Site, path: str, query: dict[str, str]) -> None:
    client = site.client("admin" if path.startswith("/staff") else None)
    response = client.get(path, query_string=query)
    verdict = site.judge(client, response, query)
    assert not verdict.problems, (response.status_code, verdict.problems)
