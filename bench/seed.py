"""Seed a benchmark database with N realistic tickets, fast, as the app would have written them.

The schema comes from the migrations (`flask db upgrade`); departments, the 2013 report and
staff from the app's own functions. Tickets are then written with bulk inserts, in chunks,
following the domain verbs step by step (open, transfer, acknowledge, start, note, request
information, answer, citizen follow-up, close with an outcome, refuse, spam): the same
statuses, thread messages, audit events (a valid hash chain), outbox rows rendered from the
real mail templates, inbound e-mails with their raw bytes for the e-mail channel, attachments,
satisfaction ratings and search documents made by the app's tokenizer. Each ticket's story is
cut off at "now", so recent tickets are new or in progress and some older ones are overdue.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from markupsafe import escape

from bench import appconfig
from bench.corpus import Writer
from bench.progress import Progress

CHUNK = 2000
YEAR_SHARE = {  # kind -> share of tickets
    "question": 0.34,
    "suggestion": 0.18,
    "complaint": 0.13,
    "info_application": 0.30,
    "other": 0.05,
}
APPLICATION_OUTCOMES = [  # code, weight
    ("disclosed", 40),
    ("partial", 12),
    ("refused.state_secret", 1),
    ("refused.third_party", 3),
    ("refused.process_information", 3),
    ("unavailable.not_held", 14),
    ("unavailable.needs_creation", 3),
    ("unavailable.unclear", 2),
    ("not_handled.petition", 3),
    ("not_handled.published", 8),
    ("other.withdrawn", 3),
]
STAFF_PER_DEPARTMENT = (("supervisor", 1), ("agent", 3))
ROUTING_RULES = [  # name, keywords, department code
    ("交通出行", "公交\n道路\n停车", "transport"),
    ("住房保障", "住房\n棚户区\n物业\n征收", "housing"),
    ("生态环境", "大气\n垃圾\n煤改气\n供暖", "environment"),
    ("财政资金", "预算\n三公\n专项资金", "finance"),
]
LONG_THREAD_MESSAGES = 50


@dataclass
class Batch:
    """Rows of one chunk, by table, in insertion order."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)


@dataclass
class Story:
    """One ticket being written: its row, its thread so far, the time of its last step."""

    row: dict[str, Any]
    topic: tuple[str, str]
    department: Any
    at: datetime
    bodies: list[str]
    assignee: Any = None
    last_reply_id: int | None = None
    outbound_ids: list[str] = field(default_factory=list)


class Seeder:
    """Writes tickets into the database of an app; call `run(n)`."""

    def __init__(self, app: Any, *, seed: int, now: datetime, year: int) -> None:
        from enquiry.domain.policy import policy_from_config
        from enquiry.rules import deadlines, routing

        self.app, self.now, self.year = app, now, year
        self.random = random.Random(seed)  # noqa: S311  (data, not secrets)
        self.writer = Writer(seed + 1)
        self.deadlines, self.routing = deadlines, routing
        from enquiry.extensions import db

        self.db = db
        self.policy = policy_from_config(app.config, session=db.session)
        self.render_cache: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self.due_cache: dict[tuple[date, int], Any] = {}
        self.receipt_cache: dict[tuple[date, bool], date] = {}
        self.codes: list[dict[str, str]] = []
        self.long_threads: list[str] = []
        self.counts: Counter[str] = Counter()

    # --- set-up --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Departments, report, staff and routing rules: through the app's own functions."""
        from enquiry.cli import demo
        from enquiry.domain import reports
        from enquiry.domain.accounts.passwords import create_user
        from enquiry.models import Department, Role, RoutingRule, User

        session = self.db.session
        departments = [
            Department(code=code, name_zh=zh, name_en=en, name_ug=ug, is_default=default)
            for code, zh, en, ug, default in demo.DEPARTMENTS
        ]
        session.add_all(departments)
        session.flush()
        reports.import_report(
            session,
            demo.SEED_REPORT.read_text(encoding="utf-8"),
            year=2013,
            source_url=demo.SEED_SOURCE_URL,
            published_on=demo.SEED_PUBLISHED_ON,
        )
        create_user(
            session,
            email=appconfig.ADMIN_EMAIL,
            display_name="系统管理员",
            password=appconfig.PASSWORD,
            role=Role.ADMIN,
            department=departments[0],
        )
        # Every user gets the admin's password hash: one Argon2 hash instead of 25 slow ones.
        password_hash = session.scalar(sa.select(User.password_hash))
        names = iter(self.writer.person("question")[0] for _ in range(100))
        for department in departments:
            for role, count in STAFF_PER_DEPARTMENT:
                for number in range(1, count + 1):
                    session.add(
                        User(
                            email=f"{role}{number}.{department.code}@enquiry.localhost",
                            display_name=next(names),
                            password_hash=password_hash,
                            role=Role(role),
                            department=department,
                        )
                    )
        by_code = {d.code: d for d in departments}
        for priority, (name, keywords, code) in enumerate(ROUTING_RULES, start=10):
            session.add(
                RoutingRule(
                    name=name, priority=priority, keywords=keywords, department=by_code[code]
                )
            )
        session.commit()

    def load_reference_data(self) -> None:
        from enquiry.models import AuditEvent, ReferenceCounter, ReportSection, RoutingRule, User

        session = self.db.session
        self.departments = list(session.scalars(sa.select(self._department_model())))
        self.default = next(d for d in self.departments if d.is_default)
        self.staff: dict[int, list[Any]] = defaultdict(list)
        for user in session.scalars(sa.select(User).where(User.role != "admin")):
            self.staff[user.department_id].append(user)
        self.sections = list(session.scalars(sa.select(ReportSection.id)))
        self.rules = [self.routing.rule_view(r) for r in session.scalars(sa.select(RoutingRule))]
        self.prev_hash = session.scalar(
            sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ) or ("0" * 64)
        counter = session.get(ReferenceCounter, (self.policy.reference_prefix, self.year))
        self.number = counter.last_number if counter else 0
        self.ids = {
            table: (session.scalar(sa.text(f"SELECT max(id) FROM {table}")) or 0)  # noqa: S608
            for table in (
                "tickets",
                "messages",
                "attachments",
                "audit_events",
                "outbound_emails",
                "inbound_emails",
                "satisfaction_ratings",
            )
        }
        self.blobs = self._attachment_blobs()

    @staticmethod
    def _department_model() -> Any:
        from enquiry.models import Department

        return Department

    def _attachment_blobs(self) -> list[tuple[str, str, str, bytes]]:
        """A few files (PDF, PNG, text) shared by many tickets, as content-addressed blobs."""
        files = []
        for n in range(12):
            pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(
                self.random.randrange(256) for _ in range(3000)
            )
            files.append((f"现场照片{n}.pdf", "application/pdf", pdf))
            png = b"\x89PNG\r\n\x1a\n" + bytes(self.random.randrange(256) for _ in range(2000))
            files.append((f"截图{n}.png", "image/png", png))
        return [(hashlib.sha256(data).hexdigest(), name, kind, data) for name, kind, data in files]

    # --- ids, times, audit ----------------------------------------------------------------

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def later(self, at: datetime, low_hours: float, high_hours: float) -> datetime:
        return at + timedelta(hours=self.random.uniform(low_hours, high_hours))

    def audit(
        self,
        batch: Batch,
        story: Story,
        action: str,
        detail: dict[str, Any],
        *,
        user: Any = None,
        citizen_addr: str | None = None,
        system: bool = False,
    ) -> None:
        from enquiry.audit import event_hash

        if user is not None:
            label, actor_id, addr = user.email, user.id, f"10.20.{user.id % 250}.{user.id}"
        else:
            label, actor_id, addr = ("system" if system else "citizen"), None, citizen_addr
        fields = {
            "ticket_id": story.row["id"],
            "actor_id": actor_id,
            "actor_label": label,
            "action": action,
            "detail": detail,
            "remote_addr": addr,
            "created_at": story.at.isoformat(),
        }
        digest = event_hash(self.prev_hash, fields)
        batch.add(
            "audit_events",
            {
                "id": self.next_id("audit_events"),
                **fields,
                "created_at": story.at,
                "prev_hash": self.prev_hash,
                "hash": digest,
            },
        )
        self.prev_hash = digest

    def message(
        self,
        batch: Batch,
        story: Story,
        kind: str,
        body: str,
        *,
        author: Any = None,
        channel: str | None = "web",
        email_message_id: str | None = None,
        inbound_email_id: int | None = None,
        attach: bool = False,
    ) -> int:
        message_id = self.next_id("messages")
        batch.add(
            "messages",
            {
                "id": message_id,
                "ticket_id": story.row["id"],
                "kind": kind,
                "channel": channel,
                "author_id": author.id if author is not None else None,
                "body": body,
                "email_message_id": email_message_id,
                "inbound_email_id": inbound_email_id,
                "is_flagged": False,
                "flag_reason": None,
                "created_at": story.at,
            },
        )
        if kind in {"citizen", "reply", "note"}:
            story.bodies.append(body)
        if attach:
            digest, name, content_type, data = self.random.choice(self.blobs)
            batch.add(
                "attachments",
                {
                    "id": self.next_id("attachments"),
                    "message_id": message_id,
                    "blob_sha256": digest,
                    "filename": name,
                    "content_type": content_type,
                    "size": len(data),
                },
            )
        return message_id

    # --- mail -----------------------------------------------------------------------------

    def outbound(
        self, batch: Batch, story: Story, template: str, context: dict[str, Any], *, automatic: bool
    ) -> None:
        from enquiry.mail import outbound

        row = story.row
        subject, text, html = self.render(template, row, context)
        identity = self.policy.mail
        message_id = outbound.make_message_id(identity, row["reference"])
        in_reply_to = None if template == "acknowledgement" else self.latest_message_id(story)
        sent = story.at + timedelta(seconds=self.random.uniform(2, 30))
        is_sent = sent <= self.now
        batch.add(
            "outbound_emails",
            {
                "id": self.next_id("outbound_emails"),
                "ticket_id": row["id"],
                "template": template,
                "to_addr": row["citizen_email"],
                "subject": subject,
                "body_text": text,
                "body_html": html,
                "message_id": message_id,
                "in_reply_to": in_reply_to,
                "references": in_reply_to,
                "reply_to": outbound.reply_address(identity, row["reference"]),
                "is_automatic": automatic,
                "status": "sent" if is_sent else "pending",
                "attempts": 1 if is_sent else 0,
                "next_attempt_at": story.at,
                "lease_until": None,
                "last_error": None,
                "created_at": story.at,
                "sent_at": sent if is_sent else None,
            },
        )
        story.outbound_ids.append(message_id)

    def latest_message_id(self, story: Story) -> str | None:
        """As outbound.latest_message_id: the citizen's last Message-ID, else our last one."""
        theirs = story.row.get("_citizen_message_id")
        if theirs:
            return f"<{theirs}>"
        return story.outbound_ids[-1] if story.outbound_ids else None

    def render(
        self, template: str, row: dict[str, Any], context: dict[str, Any]
    ) -> tuple[str, str, str]:
        """Render a mail pair; cached with placeholders per template, locale and due date.

        The first render of each cache key is compared with a real render of the same ticket,
        so a template that transforms a value (and would break the placeholders) is caught.
        """
        from enquiry.mail import outbound

        values = {
            "@@REF@@": row["reference"],
            "@@SUBJECT@@": row["subject"],
            "@@NAME@@": row["citizen_name"],
            "@@CODE@@": context.get("access_code", ""),
            "@@BODY@@": context["message"].body if "message" in context else "",
            "@@TOKEN@@": context.get("rating_token", ""),
        }
        key = (template, row["locale"], row["due_on"])
        cached = self.render_cache.get(key)
        if cached is None:
            placeholder = self._context(row, context, {k: k for k in values})
            cached = outbound.render_pair(template, row["locale"], placeholder)
            checked = (template, row["locale"])
            if checked not in self.render_cache:
                real = outbound.render_pair(
                    template, row["locale"], self._context(row, context, values)
                )
                if self._fill(cached, values) != real:
                    raise RuntimeError(f"mail template {template} does not take placeholders")
                self.render_cache[checked] = cached
            self.render_cache[key] = cached
        return self._fill(cached, values)

    def _context(
        self, row: dict[str, Any], context: dict[str, Any], values: dict[str, str]
    ) -> dict[str, Any]:
        from enquiry.domain.satisfaction import RatingLink
        from enquiry.mail import outbound
        from enquiry.models import Rating

        fields = {k: v for k, v in row.items() if not k.startswith("_")}
        fields.update(
            reference=values["@@REF@@"],
            subject=values["@@SUBJECT@@"],
            citizen_name=values["@@NAME@@"],
        )
        ticket = SimpleNamespace(**fields)
        base = self.policy.mail.base_url.rstrip("/")
        full = {
            "ticket": ticket,
            "marker": outbound.BODY_MARKER.format(reference=values["@@REF@@"]),
            "base_url": base,
        }
        if "access_code" in context:
            full["access_code"] = values["@@CODE@@"]
        if "message" in context:
            full["message"] = SimpleNamespace(body=values["@@BODY@@"])
        if "rating_token" in context:
            full["rating_links"] = [
                RatingLink(r, f"{base}/rate/{values['@@TOKEN@@']}?rating={r.value}") for r in Rating
            ]
        return full

    @staticmethod
    def _fill(rendered: tuple[str, str, str], values: dict[str, str]) -> tuple[str, str, str]:
        subject, text, html = rendered
        for key, value in values.items():
            subject = subject.replace(key, value)
            text = text.replace(key, value)
            html = html.replace(key, str(escape(value)))
        return subject[:200], text, html

    def inbound(self, batch: Batch, story: Story, body: str, reply: bool) -> tuple[str, int]:
        """The raw e-mail a message came in, stored as the intake would; return its ids."""
        row = story.row
        local = hashlib.sha1(f"{row['id']}.{story.at}".encode()).hexdigest()[:20]  # noqa: S324
        domain = row["citizen_email"].rsplit("@", 1)[-1]
        message_id = f"{local}@{domain}"
        subject = f"Re: [{row['reference']}] {row['subject']}" if reply else row["subject"]
        stamp = story.at.strftime("%a, %d %b %Y %H:%M:%S +0000")
        headers = [
            f"From: {row['citizen_email']}",
            f"To: {self.policy.mail.sender}",
            f"Subject: =?UTF-8?B?{_b64(subject)}?=",
            f"Date: {stamp}",
            f"Message-ID: <{message_id}>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ]
        if reply and story.outbound_ids:
            headers.append(f"In-Reply-To: {story.outbound_ids[-1]}")
        raw = ("\r\n".join(headers) + "\r\n\r\n" + _b64(body, wrap=True)).encode()
        digest = hashlib.sha256(raw).hexdigest()
        batch.add(
            "blobs", {"sha256": digest, "size": len(raw), "data": raw, "created_at": story.at}
        )
        inbound_id = self.next_id("inbound_emails")
        batch.add(
            "inbound_emails",
            {
                "id": inbound_id,
                "raw_sha256": digest,
                "size": len(raw),
                "source": "imap",
                "message_id": message_id,
                "from_addr": row["citizen_email"],
                "subject": subject[:300],
                "outcome": "appended" if reply else "created",
                "ticket_id": row["id"],
                "detail": None,
                "received_at": story.at,
                "processed_at": story.at + timedelta(seconds=1),
            },
        )
        row["_citizen_message_id"] = message_id
        return message_id, inbound_id

    # --- the story of one ticket -----------------------------------------------------------

    def open(self, batch: Batch, created_at: datetime) -> Story:
        from enquiry.models import Kind
        from enquiry.rules import references

        r, writer = self.random, self.writer
        kind = r.choices(list(YEAR_SHARE), weights=list(YEAR_SHARE.values()))[0]
        topic = writer.topic()
        name, email = writer.person(kind)
        subject, body = writer.subject(kind, topic), writer.body(kind, topic)
        channel = "email" if r.random() < 0.3 else "web"
        locale = r.choices(("zh_Hans", "ug", "en"), weights=(90, 6, 4))[0]
        section = r.choice(self.sections) if channel == "web" and r.random() < 0.6 else None
        facts = self.routing.Facts(
            kind=Kind(kind),
            report_section_id=section,
            text=f"{subject}\n{body}",
            sender_email=email,
        )
        rule = self.routing.first_match(self.rules, facts)
        department = self._department(rule.department_id) if rule else self.default
        received_on = self.receipt_date(created_at)
        due = self._due(received_on, self.policy.deadline_days[Kind(kind)])
        code = references.generate_access_code()
        self.number += 1
        is_application = kind == "info_application"
        row = {
            "id": self.next_id("tickets"),
            "reference": references.format_reference(
                self.policy.reference_prefix, self.year, self.number
            ),
            "kind": kind,
            "status": "received",
            "channel": channel,
            "department_id": department.id,
            "assignee_id": None,
            "report_section_id": section,
            "routing_rule_id": rule.id if rule else None,
            "merged_into_id": None,
            "subject": subject,
            "citizen_name": name,
            "citizen_email": email,
            "citizen_phone": f"13{r.randrange(10**9):09d}" if r.random() < 0.4 else None,
            "locale": locale,
            "is_publication_consented": r.random() < 0.3,
            "applicant_type": self._applicant_type(name) if is_application else None,
            "info_description": body if is_application else None,
            "delivery_form": r.choice(("email", "paper", "onsite")) if is_application else None,
            "access_code_hash": references.hash_code(code),
            "received_on": received_on,
            "due_on": due.day,
            "is_calendar_verified": due.is_verified,
            "paused_on": None,
            "pause_kind": None,
            "extension_days": 0,
            "extension_reason": None,
            "extension_approved_by_id": None,
            "extended_at": None,
            "escalated_at": None,
            "first_response_at": None,
            "answered_at": None,
            "outcome": None,
            "created_at": created_at,
            "updated_at": created_at,
            "closed_at": None,
        }
        story = Story(row=row, topic=topic, department=department, at=created_at, bodies=[])
        if len(self.codes) < 5000 and r.random() < 0.2:
            self.codes.append({"reference": row["reference"], "code": code})
        email_id = inbound_id = None
        if channel == "email":
            email_id, inbound_id = self.inbound(batch, story, body, reply=False)
        self.message(
            batch,
            story,
            "citizen",
            body,
            channel=channel,
            email_message_id=email_id,
            inbound_email_id=inbound_id,
            attach=r.random() < 0.08,
        )
        self.audit(
            batch,
            story,
            "ticket.opened",
            {
                "reference": row["reference"],
                "kind": kind,
                "channel": channel,
                "department": department.code,
                "routing_rule": row["routing_rule_id"],
                "due_on": due.day.isoformat() if due.day else None,
            },
            citizen_addr=self._citizen_addr() if channel == "web" else None,
        )
        automatic = channel == "email"
        self.outbound(batch, story, "acknowledgement", {"access_code": code}, automatic=automatic)
        return story

    def _department(self, department_id: int) -> Any:
        return next(d for d in self.departments if d.id == department_id)

    def receipt_date(self, at: datetime) -> date:
        """deadlines.legal_receipt_date, cached: it depends on the day and office closing."""
        local = at.astimezone(self.deadlines.BEIJING)
        key = (local.date(), local.time() < self.policy.office_hours.end)
        if key not in self.receipt_cache:
            self.receipt_cache[key] = self.deadlines.legal_receipt_date(
                at, self.policy.calendar, self.policy.office_hours
            )
        return self.receipt_cache[key]

    def _due(self, received_on: date, days: int) -> Any:
        key = (received_on, days)
        if key not in self.due_cache:
            self.due_cache[key] = self.deadlines.due_date(received_on, days, self.policy.calendar)
        return self.due_cache[key]

    def _applicant_type(self, name: str) -> str:
        if "公司" in name:
            return "business"
        if "律师" in name:
            return "legal_services"
        if "学院" in name:
            return "research"
        if "协会" in name or "居委会" in name:
            return "public_interest"
        return "citizen"

    def _citizen_addr(self) -> str:
        r = self.random
        first = r.choice((36, 61, 110, 175, 222))
        return f"{first}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def step(self, story: Story, low_hours: float, high_hours: float) -> bool:
        """Advance the story's clock; False when that would pass 'now' (the story stops)."""
        at = self.later(story.at, low_hours, high_hours)
        if at > self.now:
            return False
        story.at = at
        story.row["updated_at"] = at
        return True

    def transition(
        self, batch: Batch, story: Story, action: str, to: str, user: Any, **detail: Any
    ) -> None:
        row = story.row
        before, row["status"] = row["status"], to
        row["closed_at"] = story.at if to == "closed" else None
        self.audit(batch, story, f"ticket.{action}", {"status": [before, to], **detail}, user=user)

    def handle(self, batch: Batch, story: Story) -> None:
        """Carry the ticket through its life until 'now' stops it."""
        r, row = self.random, story.row
        office = self.staff[self.default.id]
        fate = r.random()
        if fate < 0.02 and self.step(story, 1, 30):
            user = r.choice(office)
            self.transition(batch, story, "mark_spam", "spam", user, reason="广告信息")
            self.message(
                batch, story, "event", "标记为垃圾信息：广告信息", author=user, channel=None
            )
            return
        if fate < 0.045 and self.step(story, 2, 48):
            reason = "该事项不属于政府信息公开范围，请通过12345热线反映。"
            user = r.choice(office)
            self.message(batch, story, "reply", reason, author=user)
            self.transition(batch, story, "refuse", "refused", user, reason=reason)
            self.outbound(
                batch, story, "refusal", {"message": SimpleNamespace(body=reason)}, automatic=False
            )
            return
        # 分办 / 转办: the office sends it on, to the department a rule chose, to another one,
        # or to itself (a transfer to the same department is allowed while it is received).
        if not self.step(story, 0.5, 30):
            return
        target = story.department
        if target.id == self.default.id and r.random() < 0.55:
            target = r.choice([d for d in self.departments if not d.is_default])
        note = self.writer.transfer_note(story.topic)
        user = r.choice(office)
        self.transition(
            batch,
            story,
            "transfer",
            "routed",
            user,
            department=[story.department.code, target.code],
            note=note,
        )
        row["department_id"], story.department = target.id, target
        row["assignee_id"] = None
        self.message(
            batch, story, "event", f"转办至 {target.name_zh}：{note}", author=user, channel=None
        )
        self.work(batch, story)

    def work(self, batch: Batch, story: Story) -> None:
        r, row = self.random, story.row
        people = self.staff[story.department.id]
        if not self.step(story, 1, 40):
            return
        story.assignee = r.choice(people)
        self.transition(batch, story, "acknowledge", "acknowledged", story.assignee)
        row["assignee_id"] = story.assignee.id
        stalled = r.random() < 0.04  # never answered: overdue once the due date passes
        if stalled or not self.step(story, 0.2, 20):
            return
        self.transition(batch, story, "start", "in_progress", story.assignee)
        if r.random() < 0.3 and self.step(story, 0.5, 24):
            message_id = self.message(
                batch,
                story,
                "note",
                self.writer.note(story.topic, story.department.name_zh),
                author=story.assignee,
                channel=None,
            )
            self.audit(batch, story, "ticket.note", {"message": message_id}, user=story.assignee)
        if r.random() < 0.04 and not self.request_info(batch, story):
            return
        lateness = 1.6 if r.random() < 0.1 else 0.8
        hours = self.policy.deadline_days[_kind(row)] * 24 * lateness
        if not self.step(story, 2, hours):
            return
        self.answer(batch, story)
        self.conclude(batch, story)

    def request_info(self, batch: Batch, story: Story) -> bool:
        """补正; return True when the citizen answered (the story goes on)."""
        if not self.step(story, 2, 72):
            return False
        row, user = story.row, story.assignee
        body = "请补充提供身份证明材料和申请信息的具体名称、文号，以便我们检索。"
        message_id = self.message(batch, story, "reply", body, author=user)
        self.transition(batch, story, "request_info", "awaiting_citizen", user, message=message_id)
        row["first_response_at"] = row["first_response_at"] or story.at
        row["paused_on"], row["pause_kind"] = self.deadlines_today(story.at), "correction"
        self.outbound(
            batch, story, "request_info", {"message": SimpleNamespace(body=body)}, automatic=False
        )
        if self.random.random() < 0.3 or not self.step(story, 4, 200):
            return False
        self.follow_up(batch, story, "已补充材料，请查收附件。", attach=True)
        self.restart_clock(batch, story)
        return True

    def restart_clock(self, batch: Batch, story: Story) -> None:
        """As clock.restart_after_correction: a fresh period from the answer's receipt."""
        row = story.row
        received = self.receipt_date(story.at)
        days = self.policy.deadline_days[_kind(row)]
        due = self._due(received, days)
        before = row["due_on"]
        row["due_on"], row["is_calendar_verified"] = due.day, due.is_verified
        row["paused_on"] = row["pause_kind"] = row["escalated_at"] = None
        text = (
            f"补正材料已收到（{received.isoformat()}），答复期限重新计算："
            f"{days} 个工作日，至 {due.day.isoformat()}"
        )
        self.message(batch, story, "event", text, channel=None)
        self.audit(
            batch,
            story,
            "ticket.clock_restarted",
            {
                "received_on": received.isoformat(),
                "due_on": [before.isoformat() if before else None, due.day.isoformat()],
                "is_calendar_verified": due.is_verified,
            },
        )

    def deadlines_today(self, at: datetime) -> date:
        return at.astimezone(self.deadlines.BEIJING).date()

    def answer(self, batch: Batch, story: Story) -> None:
        from enquiry.domain.satisfaction import make_token

        row, user = story.row, story.assignee
        body = self.writer.reply(story.topic, story.department.name_zh)
        message_id = self.message(
            batch, story, "reply", body, author=user, attach=self.random.random() < 0.05
        )
        self.transition(batch, story, "answer", "answered", user, message=message_id)
        row["first_response_at"] = row["first_response_at"] or story.at
        row["answered_at"] = story.at
        row["paused_on"] = row["pause_kind"] = None
        story.last_reply_id = message_id
        token = make_token(
            self.policy.mail.secret, SimpleNamespace(ticket_id=row["id"], id=message_id)
        )
        self.outbound(
            batch,
            story,
            "reply",
            {"message": SimpleNamespace(body=body), "rating_token": token},
            automatic=False,
        )

    def follow_up(self, batch: Batch, story: Story, body: str, attach: bool = False) -> None:
        row = story.row
        before = row["status"]
        after = {
            "awaiting_citizen": "in_progress",
            "answered": "in_progress",
            "closed": "in_progress",
        }.get(before, before)
        email_id = inbound_id = None
        if row["channel"] == "email":
            email_id, inbound_id = self.inbound(batch, story, body, reply=True)
        message_id = self.message(
            batch,
            story,
            "citizen",
            body,
            channel=row["channel"],
            email_message_id=email_id,
            inbound_email_id=inbound_id,
            attach=attach,
        )
        row["status"] = after
        row["closed_at"] = None
        self.audit(
            batch,
            story,
            "ticket.citizen_follow_up",
            {"message_id": message_id, "status": [before, after]},
            citizen_addr=self._citizen_addr() if row["channel"] == "web" else None,
        )

    def conclude(self, batch: Batch, story: Story) -> None:
        r, row = self.random, story.row
        if r.random() < 0.08 and self.step(story, 2, 96):
            self.follow_up(batch, story, self.writer.follow_up(story.topic))
            if not self.step(story, 2, 72):
                return
            self.answer(batch, story)
        if not self.step(story, 4, 120):
            return
        outcome = None
        if row["kind"] == "info_application":
            codes, weights = zip(*APPLICATION_OUTCOMES, strict=True)
            outcome = r.choices(codes, weights=weights)[0]
        detail = {"outcome": outcome} if outcome else {}
        self.transition(batch, story, "close", "closed", story.assignee, **detail)
        row["outcome"] = outcome
        if story.last_reply_id and r.random() < 0.3 and self.step(story, 1, 72):
            batch.add(
                "satisfaction_ratings",
                {
                    "id": self.next_id("satisfaction_ratings"),
                    "ticket_id": row["id"],
                    "message_id": story.last_reply_id,
                    "rating": r.choices(
                        ("satisfied", "basically_satisfied", "dissatisfied"), weights=(70, 20, 10)
                    )[0],
                    "comment": "答复很及时，谢谢。" if r.random() < 0.3 else None,
                    "created_at": story.at,
                },
            )

    def long_thread(self, batch: Batch, story: Story) -> None:
        """A ticket with LONG_THREAD_MESSAGES messages: a long exchange, still in progress."""
        row = story.row
        user = self.random.choice(self.staff[story.department.id])
        story.assignee = user
        self.transition(
            batch,
            story,
            "transfer",
            "routed",
            user,
            department=[story.department.code, story.department.code],
            note="请签收办理。",
        )
        self.transition(batch, story, "acknowledge", "acknowledged", user)
        row["assignee_id"] = user.id
        self.transition(batch, story, "start", "in_progress", user)
        while len(story.bodies) < LONG_THREAD_MESSAGES - 1:
            story.at += timedelta(minutes=self.random.randint(5, 600))
            self.answer(batch, story)
            story.at += timedelta(minutes=self.random.randint(5, 600))
            self.follow_up(batch, story, self.writer.follow_up(story.topic))
        self.long_threads.append(row["reference"])

    def search_document(self, batch: Batch, story: Story) -> None:
        from enquiry.search import tokenizer as search

        row = story.row
        document = search.document_for(
            row["reference"],
            row["subject"],
            row["citizen_name"],
            [row["info_description"] or "", *story.bodies],
        )
        batch.add(
            "search_documents",
            {"ticket_id": row["id"], "document": document, "updated_at": story.at},
        )

    # --- the run ----------------------------------------------------------------------------

    def timestamps(self, n: int) -> list[datetime]:
        """n creation times over the year so far (Beijing), busier on working hours."""
        start = datetime(self.year, 1, 1, tzinfo=self.deadlines.BEIJING).astimezone(UTC)
        end = self.now - timedelta(minutes=5)
        span = (end - start).total_seconds()
        times = []
        for _ in range(n):
            moment = start + timedelta(seconds=self.random.uniform(0, span))
            local_hour = (moment.hour + 8) % 24
            if (local_hour < 9 or local_hour > 21) and self.random.random() < 0.6:
                moment -= timedelta(hours=self.random.uniform(0, 10))
                moment = max(moment, start)
            times.append(moment)
        return sorted(times)

    def run(self, n: int, long_threads: int, progress: Progress) -> None:
        times = self.timestamps(n)
        long_every = max(1, n // max(1, long_threads)) if long_threads else 0
        engine = self.db.engine
        for first in range(0, n, CHUNK):
            batch = Batch()
            for index in range(first, min(first + CHUNK, n)):
                story = self.open(batch, times[index])
                if (
                    long_every
                    and index % long_every == long_every // 2
                    and len(self.long_threads) < long_threads
                ):
                    self.long_thread(batch, story)
                else:
                    self.handle(batch, story)
                self.counts[story.row["status"]] += 1
                self.search_document(batch, story)
                batch.add("tickets", story.row)
            with engine.begin() as connection:
                self.insert(connection, batch)
            progress.advance(min(CHUNK, n - first))
        with engine.begin() as connection:
            self.finish(connection)

    def insert(self, connection: sa.Connection, batch: Batch) -> None:
        from enquiry.models import Base

        tables = Base.metadata.tables
        rows = batch.rows
        new_blobs = {row["sha256"]: row for row in rows.get("blobs", [])}
        fresh = [
            digest for digest, *_ in self.blobs if digest not in getattr(self, "_stored", set())
        ]
        for digest, _name, _kind, data in self.blobs:
            if digest in fresh:
                new_blobs[digest] = {
                    "sha256": digest,
                    "size": len(data),
                    "data": data,
                    "created_at": self.now,
                }
        self._stored = {digest for digest, *_ in self.blobs}
        if new_blobs:
            connection.execute(tables["blobs"].insert(), list(new_blobs.values()))
        for name in (
            "tickets",
            "inbound_emails",
            "messages",
            "attachments",
            "audit_events",
            "outbound_emails",
            "satisfaction_ratings",
            "search_documents",
        ):
            if rows.get(name):
                table = tables[name]
                columns = set(table.c.keys())
                clean = [{k: v for k, v in row.items() if k in columns} for row in rows[name]]
                connection.execute(table.insert(), clean)

    def finish(self, connection: sa.Connection) -> None:
        """Reference counter, sequences, the full-text index's statistics."""
        from enquiry.models import ReferenceCounter
        from enquiry.search import index as search_index

        table = ReferenceCounter.__table__
        connection.execute(sa.delete(table).where(table.c.year == self.year))
        connection.execute(
            table.insert(),
            {"prefix": self.policy.reference_prefix, "year": self.year, "last_number": self.number},
        )
        if connection.dialect.name == "postgresql":
            for name in self.ids:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
        search_index.optimize(connection)


def _kind(row: dict[str, Any]) -> Any:
    from enquiry.models import Kind

    return Kind(row["kind"])


def _b64(text: str, wrap: bool = False) -> str:
    import base64

    encoded = base64.b64encode(text.encode()).decode()
    if not wrap:
        return encoded
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + "\r\n"


def seed(
    database: str, *, tickets: int, long_threads: int, seed_value: int, keep: bool
) -> dict[str, Any]:
    """Create (or, with keep, add to) a benchmark database; return what was made."""
    uri = appconfig.database_uri(database)
    appconfig.ensure_database(uri)
    if not keep:
        appconfig.wipe(uri)
    app = appconfig.make_app(uri)
    started = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        from enquiry.extensions import db, init_migrate

        init_migrate(app)

        if not keep:
            upgrade()
        now = datetime.now(UTC)
        seeder = Seeder(app, seed=seed_value, now=now, year=now.astimezone(_beijing()).year)
        if not keep:
            seeder.prepare()
        seeder.load_reference_data()
        with Progress("tickets", tickets) as progress:
            seeder.run(tickets, long_threads, progress)
        with db.engine.begin() as c:  # the chain head names the newest seeded event
            c.exec_driver_sql(
                "UPDATE audit_chain_head SET "
                "hash = (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), "
                "length = (SELECT count(*) FROM audit_events) "
                "WHERE id = 1 AND EXISTS (SELECT 1 FROM audit_events)"
            )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as c:
                c.exec_driver_sql("ANALYZE")
        summary = {
            "database": uri,
            "tickets": tickets,
            "seconds": round(time.perf_counter() - started, 1),
            "statuses": dict(seeder.counts),
            "rows": {
                name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))  # noqa: S608
                for name in (
                    "tickets",
                    "messages",
                    "attachments",
                    "audit_events",
                    "outbound_emails",
                    "inbound_emails",
                    "search_documents",
                    "satisfaction_ratings",
                )
            },
            "long_threads": seeder.long_threads,
        }
    sidecar = sidecar_path(uri)
    old = json.loads(sidecar.read_text()) if keep and sidecar.exists() else {}
    codes = (old.get("codes", []) + seeder.codes)[:5000]
    sidecar.write_text(
        json.dumps(
            {"codes": codes, "long_threads": old.get("long_threads", []) + seeder.long_threads},
            ensure_ascii=False,
        )
    )
    return summary


def sidecar_path(uri: str) -> Path:
    """Where the seeder keeps retrieval codes and the long threads' references for the runner."""
    name = (
        "pg"
        if appconfig.dialect_of(uri) == "postgresql"
        else Path(sa.make_url(uri).database or "db").stem
    )
    return appconfig.DATA / f"{name}.seed.json"


def _beijing() -> Any:
    from enquiry.rules.deadlines import BEIJING

    return BEIJING
