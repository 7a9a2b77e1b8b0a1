"""Every route with a number in its path refuses numbers it cannot hold with a 404, never a 500.

Routes are found in the app's URL map: every `<id:...>` argument (ids and years) is given
numbers beyond 64 bits, zero, negatives, white space and full-width digits, with GET and with
a CSRF-valid POST as the route takes them. No route may use werkzeug's unbounded `<int:...>`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter, Rule

from enquiry import create_app
from enquiry.audit import Actor
from enquiry.bounded import MAX_ID, IdConverter
from enquiry.domain.admin.tokens import create_token
from enquiry.extensions import db
from enquiry.models import OutboundEmail, User, utcnow
from tests.hostile.site import Site

BAD_NUMBERS = (
    str(2**63),
    str(2**64),
    str(10**30),
    str(MAX_ID + 1),
    "-1",
    "0",
    " ",
    "1 ",
    "１２",
    "٣",  # an Arabic-Indic digit: \\d matches it, int() reads it
    "012",
    "1e3",
)
# Which seeded row a valid request names, per argument name.
VALID = {
    "ticket_id": "ticket_seed",
    "department_id": "spare",
    "reply_id": "reply",
    "user_id": "other_user",
    "rule_id": "rule",
    "inbound_id": "inbound",
    "attachment_id": "attachment",
    "override_id": "override",
    "outbound_id": "outbound",
    "webhook_id": "webhook",
    "year": "year",
    "token_id": "token",
    "remedy_id": "remedy",  # POST only: never fetched with a valid value
    "hold_id": "hold",
    "notification_id": "notification",
    "publication_id": "publication",
    "file_id": "published_file",
    "consultation_id": "consultation",  # POST only: never fetched with a valid value
    "rating_id": "rating",  # POST only: never fetched with a valid value
}
# Other path arguments of the numeric routes: always their valid seeded value.
OTHER = {"reference": "reference_seed"}
# Numeric GET routes whose valid request needs more than the admin's session: the download of
# an office file needs a browser that has shown the ticket's code (tests/app/test_letters.py).
NO_VALID_GET = {"public.tracked_file"}
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def url_rules() -> list[Rule]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    return list(app.url_map.iter_rules())


def numeric_rules() -> list[Rule]:
    return [
        rule
        for rule in url_rules()
        if any(isinstance(c, (IdConverter, IntegerConverter)) for c in rule._converters.values())
    ]


def test_no_route_uses_an_unbounded_integer() -> None:
    unbounded = [
        rule.rule
        for rule in url_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]
    assert not unbounded


def test_every_numeric_argument_has_a_valid_value() -> None:
    names = {name for rule in numeric_rules() for name in rule._converters}
    assert names <= set(VALID) | set(OTHER)
    assert len(numeric_rules()) >= 40


def fill(rule: Rule, site: Site, value: str | None) -> str:
    """The rule's URL with every number argument set to value (None: a valid id)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in OTHER:
            return quote(str(site.ids[OTHER[name]]))
        return quote(str(site.ids[VALID[name]]) if value is None else value)

    return ARGUMENT.sub(replace, rule.rule)


@pytest.fixture
def outbound(site: Site) -> None:
    """The seeded tickets' acknowledgements are in the outbox: name one."""
    with site.app.app_context():
        site.ids["outbound"] = db.session.scalar(sa.select(sa.func.max(OutboundEmail.id)))


@pytest.fixture
def token(site: Site) -> None:
    """An API token of the seeded admin, for the /api/v1 routes."""
    with site.app.app_context():
        admin = db.session.get(User, site.ids["user_admin"])
        issued = create_token(db.session, name="t", user=admin, actor=Actor.system(), now=utcnow())
        db.session.commit()
        site.ids["token"] = issued.token.id
        site.ids["token_secret"] = issued.secret


@pytest.mark.parametrize("rule", numeric_rules(), ids=lambda rule: f"{rule.endpoint}")
def test_bad_numbers_in_the_path_are_404(
    site: Site, rule: Rule, outbound: None, token: None
) -> None:
    client = site.client("admin")
    is_api = rule.endpoint.startswith("api.")
    headers = {"Authorization": f"Bearer {site.ids['token_secret']}"} if is_api else {}
    clear = '"not_found"' if is_api else "does not exist"  # the API answers JSON
    problems = []
    for method in sorted((rule.methods or set()) & {"GET", "POST"}):
        for value in BAD_NUMBERS:
            data = {"csrf_token": site.csrf(client)} if method == "POST" else None
            url = fill(rule, site, value)
            response = client.open(url, method=method, data=data, headers=headers)
            if response.status_code != 404:
                problems.append(f"{method} {value!r}: {response.status_code}")
            elif clear not in response.get_data(as_text=True):
                problems.append(f"{method} {value!r}: 404 without the clear message")
        if method == "GET" and rule.endpoint not in NO_VALID_GET:
            valid = client.get(fill(rule, site, None), headers=headers)
            assert valid.status_code < 400, (rule.rule, valid.status_code)
    site.flashes(client)
    assert not problems, problems
