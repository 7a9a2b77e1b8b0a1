"""Send hostile strings to one form or page and collect every broken rule."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import OutboundEmail, Role
from tests.hostile.site import Site
from tests.hostile.targets import COMMON_PARAMS, Page, Post
from tests.hostile_strings import HOSTILE_STRINGS

# Fields that are not kept as text (choices, dates, numbers, tokens, passwords, search terms)
# and each query parameter alone get this shorter list; kept text and all parameters at once
# get the whole list. (A NUL anywhere is refused before any view runs, so one field tries it.)
SHORT = (HOSTILE_STRINGS[0], "' OR '1'='1", "a" * 100_000)
# The part of SHORT used on PostgreSQL.
SHORT_POSTGRES = ("' OR '1'='1", "a" * 100_000)
# Numbers a view might hand to int() or to the database: beyond 64 bits either way, zero,
# negative, white space only, full-width digits, other notations. Every field that is not kept
# as text and every query parameter a page reads gets each of them alone.
NUMBERS = (
    str(2**63),
    str(2**64),
    "1" + "0" * 30,
    str(-(2**63) - 1),
    "-1",
    "0",
    " ",
    "\t",
    "\u3000",
    "１２",
    "1e3",
    "0x1F",
)
# Tables an action may legitimately make smaller.
MAY_SHRINK = {
    "staff.admin_delete_department": {"departments"},
    "staff.admin_delete_rule": {"routing_rules"},
    "staff.delete_holiday_override": {"holiday_overrides"},
    "staff.admin_delete_webhook": {"webhook_endpoints", "webhook_deliveries"},
    "staff.save_draft": {"reply_drafts"},  # a blank text discards the draft
}
numbers = itertools.count(1)


def fill(template: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    return {key: value.format(**values) for key, value in template.items()}


def short_strings(site: Site) -> tuple[str, ...]:
    return SHORT if site.strings is HOSTILE_STRINGS else SHORT_POSTGRES


@dataclass
class FormRun:
    """One form: discover its fields, check a valid post, then each field with each string.

    Kept text fields get each string all at once (one request per string); when that is
    refused, each field is tried alone, so a limit on one field hides nothing on the others.
    A target with a setup gets a fresh ticket after every accepted post.
    """

    site: Site
    endpoint: str
    target: Post
    problems: list[str] = field(default_factory=list)
    _client: FlaskClient | None = None
    _values: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        if self._values is None:
            ids = self.site.ids
            self._values = ids | {
                "ticket_id": ids["ticket_seed"],
                "reference": ids["reference_seed"],
                "code": ids["code_seed"],
                "email": ids.get("login_email", ""),
            }
            if self.target.setup is not None:
                self._values |= self.target.setup(self.site)
        n = next(numbers)
        return self._values | {
            "n": n,
            "date_n": (date(2031, 1, 1) + timedelta(days=n)).isoformat(),
        }

    def client(self) -> FlaskClient:
        if self.target.own_client:
            return self.site.client(self.target.role, fresh=True)
        if self._client is None:
            self._client = self.site.client(self.target.role, fresh=self.target.role is None)
        return self._client

    def post(self, changes: dict[str, str], *, label: str) -> tuple[bool, str]:
        """Post valid values with changes; record problems; return (accepted, body)."""
        values = self.values()
        data = fill(self.target.valid, values) | changes
        client = self.client()
        if self.target.role is None and "{reference}" in self.target.url:
            client.get("/track/{reference}/{code}".format(**values))  # grants the session access
        data.setdefault("csrf_token", self.site.csrf(client))
        if self.endpoint.startswith("public.ask"):
            data.setdefault("form_token", self.site.form_token())
        response = client.post(self.target.url.format(**values), data=data)
        verdict = self.site.judge(client, response, data)
        self.problems.extend(f"{label}: {p} [{response.status_code}]" for p in verdict.problems)
        if verdict.accepted:
            for name, where in self.target.stored.items():
                loose = name in self.target.loose
                normalise = self.target.normalise.get(name, str)
                if name in changes and not self.site.stored(
                    normalise(changes[name]), where, values, loose=loose
                ):
                    self.problems.append(f"{label}: accepted but {name} not stored exactly")
            if self.target.setup is not None:
                self._values = None  # the next post gets a fresh ticket
            if self.target.after is not None:
                self.target.after(self.site)
        return verdict.accepted, response.get_data(as_text=True)

    def discover(self) -> set[str]:
        """The form fields the view reads, found by posting nothing but the tokens."""
        client = self.client()
        values = self.values()
        client.post(self.target.url.format(**values), data={"csrf_token": self.site.csrf(client)})
        self.site.flashes(client)  # read and drop what the empty post flashed
        self._values = None  # the empty post may have been a valid one: start afresh
        return (self.site.looked.form | self.target.valid.keys()) - {"csrf_token"}

    def run(self) -> list[str]:
        before = self.site.counts()
        first_outbox = self._last_outbox_id()
        if self.endpoint == "staff.login":
            with self.site.app.app_context():
                self.site.ids["login_email"] = self.site.new_user(Role.AGENT).email
        fields = self.discover()
        accepted, body = self.post({}, label="valid input")
        if self.target.accepted_baseline and not accepted:
            self.problems.append(f"valid input refused: {refusal_text(body)}")
            return self.problems
        kept = sorted(self.target.stored)
        for value in self.site.strings if kept else ():
            accepted, _ = self.post(dict.fromkeys(kept, value), label=f"all={value[:40]!r}")
            if not accepted and len(kept) > 1:
                for name in kept:
                    self.post({name: value}, label=f"{name}={value[:40]!r}")
        for name in sorted(fields - set(kept)):
            for value in short_strings(self.site):
                self.post({name: value}, label=f"{name}={value[:40]!r}")
            for value in NUMBERS:
                self.post({name: value}, label=f"{name}={value!r}")
        self.post({"csrf_token": SHORT[0]}, label="csrf_token=<script>")
        self.post(dict.fromkeys(fields, "before\x00after"), label="every field with NUL")
        # The form still works afterwards (and settings the strings switched on are reset).
        accepted, body = self.post({}, label="valid input at the end")
        if self.target.accepted_baseline and not accepted:
            self.problems.append(
                f"valid input refused after the hostile ones: {refusal_text(body)}"
            )
        self._check_nothing_lost(before)
        self.problems.extend(self.site.unsafe_outbox(first_outbox))
        return self.problems

    def _last_outbox_id(self) -> int:
        with self.site.app.app_context():
            return int(db.session.scalar(sa.select(sa.func.max(OutboundEmail.id))) or 0)

    def _check_nothing_lost(self, before: dict[str, int]) -> None:
        after = self.site.counts()
        allowed = MAY_SHRINK.get(self.endpoint, set())
        for table, count in before.items():
            if after[table] < count and table not in allowed:
                self.problems.append(f"rows lost from {table}: {count} -> {after[table]}")


@dataclass
class PageRun:
    """One page: every query parameter it reads (and some it does not) with each string.

    All parameters get each string at once; the parameters the page reads also get the short
    list one by one. A page that reads none gets only the short list.
    """

    site: Site
    endpoint: str
    target: Page
    problems: list[str] = field(default_factory=list)

    def run(self) -> list[str]:
        client = self.site.client(self.target.role)
        values = self.site.ids | (self.target.setup(self.site) if self.target.setup else {})
        url = self.target.url.format(**values)
        plain = client.get(url)
        if plain.status_code >= 400:
            self.problems.append(f"the page itself answers {plain.status_code}")
        read = self.site.looked.args | set(self.target.params)
        if self.site.on_postgres() and not read:
            pytest.skip("reads no query parameter: run on SQLite only")
        params = sorted(read | set(COMMON_PARAMS))
        strings = self.site.strings if read else (*short_strings(self.site), "x\x00")
        for value in strings:
            self.get(client, url, dict.fromkeys(params, value), f"all={value[:40]!r}")
        for name in sorted(read):
            for value in (*short_strings(self.site), *NUMBERS):
                self.get(client, url, {name: value}, f"{name}={value[:40]!r}")
        return self.problems

    def get(self, client: FlaskClient, url: str, query: dict[str, str], label: str) -> None:
        response = client.get(url, query_string=query)
        verdict = self.site.judge(client, response, query)
        self.problems.extend(f"{label}: {p} [{response.status_code}]" for p in verdict.problems)


ERROR_TEXT = re.compile(
    r'class="(?:alert[^"]*|invalid-feedback[^"]*|[^"]*error[^"]*)"[^>]*>(.*?)</', re.S
)


def refusal_text(body: str) -> str:
    """The error messages of a refused form first (a page's head says nothing), then the page."""
    messages = [" ".join(m.split()) for m in ERROR_TEXT.findall(body) if m.strip()]
    return f"{' | '.join(messages)[:300]} :: {body[:3000]}"
