"""A seeded app and the checks every hostile request goes through.

The rule every response must follow (see tests/hostile/test_forms.py for the full statement):
never a 5xx; never the injected markup unescaped; either accepted (2xx page, or a redirect with
no error flash) with every stored field kept exactly, or refused with a clear message (a 4xx
whose page carries an alert or a field error, or a redirect that flashes an error or warning).
"""

from __future__ import annotations

import itertools
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask
import sqlalchemy as sa
from flask import Flask, request
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.test import TestResponse

from enquiry import audit, create_app
from enquiry.cli import demo
from enquiry.domain import formtoken, handling, publishing, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import policy_from_config
from enquiry.domain.satisfaction import make_token
from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.mail.mime import Claimed, build_message
from enquiry.models import (
    ApplicantType,
    Base,
    CannedReply,
    Channel,
    DeliveryForm,
    Department,
    HolidayOverride,
    InboundSource,
    Kind,
    Notification,
    NotificationKind,
    OutboundEmail,
    Publication,
    Role,
    RoutingRule,
    Status,
    User,
    WebhookEndpoint,
    utcnow,
)
from enquiry.rules.uploads import Upload
from tests.conftest import reset_postgres
from tests.hostile_strings import HOSTILE_STRINGS, SCRIPT_MARKER
from tests.security_checks import problems_with

PASSWORD = "correct horse battery staple"
MAIL_DIR = Path(__file__).resolve().parent.parent / "data" / "mail"

# Strings whose behaviour depends on the database (encoding, NUL, length, quoting): the
# PostgreSQL run uses these; SQLite gets the whole list.
POSTGRES_STRINGS: tuple[str, ...] = tuple(
    s
    for s in HOSTILE_STRINGS
    if "\x00" in s
    or "\x1b" in s
    or "'" in s
    or "%" in s
    or "\\" in s
    or any(ord(c) > 0xFFFF for c in s)
    or "\r" in s
    or len(s) > 1000
)

# Unescaped markup that would run if the injected text reached the page as HTML.
DANGEROUS = re.compile(
    r"<script>alert\(|<img src=x onerror=|<svg/onload=|<iframe srcdoc=|"
    r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""",
    re.IGNORECASE,
)
CLEAR_ERROR = re.compile(r'role="alert"|invalid-feedback|class="text-body-secondary">\(4\d\d\)')


class RecordingArgs(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query or form data that remembers which keys the view looked up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.looked_up: set[str] = set()

    def __contains__(self, key: object) -> bool:
        self.looked_up.add(str(key))
        return super().__contains__(key)

    def __getitem__(self, key: Any) -> Any:
        self.looked_up.add(str(key))
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        self.looked_up.add(str(key))
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> Any:
        self.looked_up.add(str(key))
        return super().getlist(key, type)


class RecordingRequest(flask.Request):
    parameter_storage_class = RecordingArgs


@dataclass
class Looked:
    """The keys the last request's view read from the query string and the form."""

    args: set[str] = field(default_factory=set)
    form: set[str] = field(default_factory=set)


class FormParser(HTMLParser):
    """The forms of a page: action, method and the value each named control would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get")})
            self.forms[-1]["fields"] = {}
            return
        if not self.forms or not a.get("name"):
            if tag == "option" and self._select and self.forms:
                self._option(a)
            return
        fields = self.forms[-1]["fields"]
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a or (kind == "radio" and name not in fields):
                    fields[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            fields.setdefault(name, None)
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def _option(self, a: dict[str, str]) -> None:
        fields = self.forms[-1]["fields"]
        assert self._select is not None
        if fields.get(self._select) is None or "selected" in a:
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            # HTML drops one newline right after <textarea>.
            fields[self._textarea] = fields[self._textarea].removeprefix("\r").removeprefix("\n")
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def page_forms(html: str) -> list[dict[str, Any]]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def candidates(sent: str) -> set[str]:
    """What a stored value may be: exactly what was sent, or trimmed / NFC-normalised."""
    nfc = unicodedata.normalize("NFC", sent)
    values = {sent, sent.strip(), nfc, nfc.strip()}
    return values | {v.replace("\r\n", "\n") for v in values}


@dataclass
class Verdict:
    """How a response was judged; problems is empty when it follows the rules."""

    accepted: bool
    problems: list[str]


@dataclass(repr=False)
class Site:
    """The seeded app, its ids, and the checks (its repr stays short for Hypothesis)."""

    app: Flask
    tmp: Path
    strings: tuple[str, ...]
    ids: dict[str, Any] = field(default_factory=dict)
    looked: Looked = field(default_factory=Looked)
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _clients: dict[str, FlaskClient] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Site {self.app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis pretty-prints dataclasses field by field

    # -- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, url: str, tmp: Path) -> Site:
        app = create_app(
            {
                "TESTING": True,
                "PROPAGATE_EXCEPTIONS": False,  # a crash is a 500 to judge, not a test error
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "hostile-secret-key-not-for-production",
                "WTF_CSRF_ENABLED": True,
                "RATELIMIT_ENABLED": False,
                "FORM_MIN_SECONDS": 0,
                "SERVER_NAME": "enquiry.test",
                "PUBLIC_BASE_URL": "http://enquiry.test",
                "MAIL_CATCHER": False,
                "STAFF_IDLE_MINUTES": 24 * 60,
            }
        )
        app.request_class = RecordingRequest
        if url.startswith("postgresql"):
            reset_postgres(app)
        with app.app_context():
            Base.metadata.create_all(db.engine)
        strings = HOSTILE_STRINGS if url.startswith("sqlite") else POSTGRES_STRINGS
        site = cls(app=app, tmp=tmp, strings=strings)

        @app.after_request
        def remember(response: flask.Response) -> flask.Response:
            site.looked = Looked(set(request.args.looked_up), set(request.form.looked_up))
            return response

        with app.app_context():
            site._seed()
        return site

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def _seed(self) -> None:
        session = db.session
        demo.load(session, admin_password=PASSWORD, progress=lambda _: None)
        session.commit()
        office = session.scalar(sa.select(Department).where(Department.is_default))
        assert office is not None
        spare = Department(code="spare", name_zh="备用局", name_en="Spare Bureau")
        session.add(spare)
        session.flush()
        self.ids["office"], self.ids["spare"] = office.id, spare.id
        for role in Role:
            self.ids[f"user_{role.value}"] = self.new_user(role).id
        self.ids["other_user"] = self.new_user(Role.AGENT).id
        session.add(CannedReply(title="感谢来信", body="您好，{reference} 已收到。"))
        session.add(
            RoutingRule(name="住房", keywords="住房\n保障房", department_id=spare.id, priority=50)
        )
        session.add(
            HolidayOverride(
                region=self.app.config["CALENDAR"],
                day=date(2030, 1, 2),
                is_workday=False,
                note="n",
                source="s",
            )
        )
        session.commit()
        self.ids["reply"] = session.scalar(sa.select(sa.func.max(CannedReply.id)))
        self.ids["rule"] = session.scalar(sa.select(sa.func.max(RoutingRule.id)))
        self.ids["override"] = session.scalar(sa.select(sa.func.max(HolidayOverride.id)))
        webhook = WebhookEndpoint(
            url="http://127.0.0.1:9/hook",
            events=["ticket.rated"],
            secret="0" * 64,
            allow_private_network=True,
        )
        session.add(webhook)
        session.flush()
        self.ids["webhook"] = webhook.id
        raw = (MAIL_DIR / "intake-gbk-new.eml").read_bytes()
        settings = IntakeSettings.from_config(self.app.config, session=session)
        result = ingest(session, raw, source=InboundSource.PIPE, now=utcnow(), settings=settings)
        self.ids["inbound"] = result.inbound_email_id
        opened = self.open_ticket(attachment=True)
        self.ids["ticket_seed"] = opened.ticket.id
        self.ids["reference_seed"] = opened.ticket.reference
        self.ids["code_seed"] = opened.access_code
        self.ids["attachment"] = opened.ticket.messages[0].attachments[0].id
        self.ids["year"] = 2013
        notification = Notification(  # one of the admin's, about the seeded ticket
            user_id=self.ids["user_admin"],
            ticket_id=opened.ticket.id,
            kind=NotificationKind.MENTION,
            created_at=utcnow(),
        )
        session.add(notification)
        session.flush()
        self.ids["notification"] = notification.id
        self.ids["publication"], self.ids["published_file"] = self.publish_answer()
        self.ids["publication_ticket"] = session.scalar(
            sa.select(Publication.ticket_id).where(Publication.id == self.ids["publication"])
        )
        session.commit()

    def publish_answer(self) -> tuple[int, int]:
        """A consented enquiry answered with a file, published with it: (publication, file)."""
        opened = self.open_ticket()
        ticket = opened.ticket
        ticket.is_publication_consented = True
        policy = policy_from_config(self.app.config, session=db.session)
        admin = audit.Actor.staff(db.session.get(User, self.ids["user_admin"]), None)
        now = utcnow()
        files = (Upload("答复.txt", "text/plain", "答复附件".encode()),)
        reply = handling.reply(
            db.session,
            ticket,
            "答复",
            identity=policy.mail,
            actor=admin,
            now=now,
            attachments=files,
        )
        copy = publishing.prepare(
            db.session, ticket, None, calendar=policy.calendar, marker="■■", actor=admin, now=now
        )
        chosen = frozenset({reply.attachments[0].id})
        choices = publishing.Choices(title="答复", attachment_ids=chosen)
        publishing.save(db.session, copy, choices, marker="■■", actor=admin, now=now)
        publishing.submit(db.session, copy, needs_approval=False, actor=admin, now=now)
        return copy.id, reply.attachments[0].id

    # -- factories (inside an app context) ------------------------------------------------
    def new_user(self, role: Role, department: int | None = None) -> User:
        number = next(self.numbers)
        user = create_user(
            db.session,
            email=f"hostile{number}@enquiry.test",
            display_name=f"职员 {number}",
            password=PASSWORD,
            role=role,
            department=db.session.get(Department, department or self.ids.get("office") or 1),
        )
        db.session.commit()
        return user

    def add(self, row: Any) -> int:
        """Insert a row and return its id."""
        with self.app.app_context():
            db.session.add(row)
            db.session.commit()
            return int(row.id)

    def open_ticket(
        self, *, kind: Kind = Kind.QUESTION, attachment: bool = False, acknowledge: bool = True
    ) -> Any:
        policy = policy_from_config(self.app.config, session=db.session)
        files = (Upload("说明.txt", "text/plain", "附件内容".encode()),) if attachment else ()
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=kind,
                subject="关于年报的问题",
                body="请问年报第二部分的数据来源是什么？",
                citizen_name="张三",
                citizen_email="zhang.san@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
                attachments=files,
                **(
                    {
                        "applicant_type": ApplicantType.CITIZEN,
                        "info_description": "数据来源",
                        "delivery_form": DeliveryForm.EMAIL,
                    }
                    if kind is Kind.INFO_APPLICATION
                    else {}
                ),
            ),
            policy=policy,
            actor=audit.Actor.system(),
            now=utcnow(),
            acknowledge=acknowledge,
        )
        db.session.commit()
        return opened

    def fresh_ticket(
        self,
        *,
        answered: bool = False,
        kind: Kind = Kind.QUESTION,
        status: Status | None = None,
        department: str | None = None,
        acknowledge: bool = True,
    ) -> dict[str, Any]:
        """A new ticket (answered: with a staff reply) and what URLs need to name it.

        acknowledge=False queues no acknowledgement: an application's renders its formal
        letter (a PDF, about half a second), which a target needing many fresh applications
        can do without.
        """
        with self.app.app_context():
            opened = self.open_ticket(kind=kind, acknowledge=acknowledge)
            ticket = opened.ticket
            if status is not None:
                ticket.status = status  # a test shortcut to the state an action needs
            if department is not None:
                ticket.department_id = self.ids[department]
            db.session.commit()
            values = {
                "ticket_id": ticket.id,
                "reference": ticket.reference,
                "code": opened.access_code,
            }
            if answered:
                identity = policy_from_config(self.app.config).mail
                actor = audit.Actor.staff(db.session.get(User, self.ids["user_admin"]), None)
                message = handling.reply(
                    db.session, ticket, "答复内容", identity=identity, actor=actor, now=utcnow()
                )
                db.session.commit()
                values["token"] = make_token(identity.secret, message)
            return values

    # -- clients --------------------------------------------------------------------------
    def client(self, role: str | None = None, *, fresh: bool = False) -> FlaskClient:
        """A client, signed in as a user of role (a new user when fresh), in English."""
        key = role or "public"
        role, _, department = (role or "").partition("@")
        if not fresh and key in self._clients:
            return self._clients[key]
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role:
            with self.app.app_context():
                # Throwaway users go to the spare department, so office-wide mail stays small.
                department = department or ("spare" if fresh else "")
                user = self.new_user(Role(role), self.ids[department] if department else None)
                email = user.email
                if not fresh:
                    self.ids[f"client_user_{key}"] = user.id
            token = self.csrf(client)
            response = client.post(
                "/staff/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        if not fresh:
            self._clients[key] = client
        return client

    def csrf(self, client: FlaskClient) -> str:
        """A valid CSRF token for this client's session (as Flask-WTF makes it)."""
        with client.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.app.config["SECRET_KEY"], salt="wtf-csrf-token")
        return str(serializer.dumps(raw))

    def form_token(self) -> str:
        return formtoken.issue(self.app.config["SECRET_KEY"], datetime.now(UTC))

    # -- judging ----------------------------------------------------------------------------
    def on_postgres(self) -> bool:
        return self.strings is not HOSTILE_STRINGS

    def judge(self, client: FlaskClient, response: TestResponse, sent: dict[str, str]) -> Verdict:
        """Apply the suite's rule to one response; see the module docstring."""
        problems: list[str] = []
        body = response.get_data().decode("utf-8", "replace")  # downloads may be binary
        status = response.status_code
        if status >= 500:
            problems.append(f"server error {status}")
        if DANGEROUS.search(body):
            snippet = DANGEROUS.search(body)
            assert snippet
            start = max(snippet.start() - 80, 0)
            problems.append(f"unescaped markup: {body[start : snippet.end() + 80]!r}")
        if SCRIPT_MARKER in response.headers.get("Location", "") and response.headers[
            "Location"
        ].lower().startswith("javascript:"):
            problems.append("redirect to a javascript: URL")
        location = response.headers.get("Location", "")
        if location and urlsplit(location).netloc not in {"", "enquiry.test"}:
            problems.append(f"redirect off the site: {location[:200]!r}")
        for name, value in response.headers.items():
            if "\n" in value or "\r" in value:
                problems.append(f"line break in response header {name}")
        secure = bool(self.app.config["SESSION_COOKIE_SECURE"])
        problems.extend(problems_with(response, secure_cookies=secure))
        accepted = status < 400
        if 300 <= status < 400:
            flashes = self.flashes(client)
            accepted = not any(category in {"error", "warning"} for category, _ in flashes)
        elif 400 <= status < 500 and not CLEAR_ERROR.search(body):
            problems.append(f"{status} without a clear message")
        return Verdict(accepted=accepted and status < 500, problems=problems)

    def flashes(self, client: FlaskClient) -> list[tuple[str, str]]:
        with client.session_transaction() as session:
            return list(session.pop("_flashes", []))

    def stored(
        self, value: str, where: str, values: dict[str, Any], *, loose: bool = False
    ) -> bool:
        """Whether table.column of the newest rows (or of the row @key names) holds value.

        Exactly, or trimmed / NFC-normalised / with CR LF as LF (see ``candidates``).
        """
        wanted = candidates(value)
        place, _, key = where.partition("@")
        place, _, json_key = place.partition(":")
        table_name, column_name = place.split(".")
        table = Base.metadata.tables[table_name]
        column = table.c[column_name]
        (primary,) = table.primary_key.columns
        query = sa.select(column)
        if key:
            query = query.where(primary == values[key])
        else:
            query = query.order_by(primary.desc()).limit(5)
        if not "".join(wanted).strip():
            wanted |= {None, ""}  # nothing but white space: stored as nothing
        with self.app.app_context():
            found = list(db.session.scalars(query))
        if key and not found:
            return None in wanted  # the row is gone: right only for nothing but white space
        if json_key:
            found = [row.get(json_key) for row in found if isinstance(row, dict)]
        if loose:  # a one-line or list field may fold runs of white space, line breaks included
            folded = {" ".join(v.split()) for v in wanted if v is not None}
            return any(isinstance(f, str) and " ".join(f.split()) in folded for f in found)
        return any(value in wanted for value in found)

    def counts(self) -> dict[str, int]:
        with self.app.app_context():
            return {
                table.name: int(
                    db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                )
                for table in Base.metadata.sorted_tables
            }

    def unsafe_outbox(self, after_id: int = 0) -> list[str]:
        """Outbox rows whose headers carry line breaks or that cannot be built safely."""
        problems = []
        built: set[tuple[Any, ...]] = set()
        with self.app.app_context():
            for row in db.session.scalars(
                sa.select(OutboundEmail).where(OutboundEmail.id > after_id)
            ):
                for name in ("to_addr", "subject", "reply_to", "message_id", "in_reply_to"):
                    value = getattr(row, name) or ""
                    if re.search(r"[\r\n\x00]", value):
                        problems.append(f"outbox #{row.id} {name}={value[:80]!r}")
                key = (row.subject, row.reply_to, row.in_reply_to, row.references)
                if key in built:
                    continue  # the same mail to another recipient: built once is enough
                built.add(key)
                claimed = Claimed(
                    **{
                        name: getattr(row, name)
                        for name in Claimed.__dataclass_fields__
                        if hasattr(row, name)
                    }
                )
                try:
                    raw = build_message(claimed, "office@enquiry.test").as_bytes()
                except Exception as error:
                    problems.append(f"outbox #{row.id} cannot be built: {error!r}")
                    continue
                head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].lower()
                if b"\nbcc:" in head or b"\nset-cookie" in head:
                    problems.append(f"outbox #{row.id} has an injected header")
        return problems


def first_lines(problems: list[str], limit: int = 25) -> str:
    shown = "\n".join(p[:400] for p in problems[:limit])
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return shown + more


def only_text(values: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in values.items() if isinstance(v, str)}


Factory = Callable[[Site], dict[str, Any]]
