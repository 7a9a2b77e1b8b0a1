"""公开: redaction editor → approval → public pages that never show a hidden span; withdrawal."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    Attachment,
    AuditEvent,
    Channel,
    Kind,
    OutboundEmail,
    Publication,
    PublicationStatus,
    Report,
    ReportSection,
    Role,
    Ticket,
    User,
)
from enquiry.rules.uploads import Upload
from tests.app.conftest import english

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
QUESTION = (
    "您好，我是王建国，住在天山区解放北路123号5栋2单元301室。小区垃圾站气味很大，"
    "请问什么时候整改？手机13812345678，邮箱wangjg@example.com，身份证11010519491231002X。"
)
ANSWER = (
    "王建国同志：您反映的垃圾站问题已转交街道办，将于本月完成整改。如有疑问请致电0991-4567890。"
)
SECRETS = ("王建国", "解放北路123号", "13812345678", "wangjg@example.com", "11010519491231002X")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def open_answered(
    app: Flask, *, consent: bool = True, kind: Kind = Kind.QUESTION
) -> tuple[int, str, str]:
    """A citizen's enquiry, answered by staff; returns id, reference and access code."""
    with app.app_context():
        policy = policy_from_config(app.config)
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=kind,
                subject="关于垃圾站气味的问题",
                body=QUESTION,
                citizen_name="王建国",
                citizen_email="wangjg@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
                is_publication_consented=consent,
            ),
            policy=policy,
            actor=audit.Actor.citizen("192.0.2.1"),
            now=NOW,
        )
        ticket = opened.ticket
        staff = db.session.scalar(sa.select(User).order_by(User.id))
        actor = audit.Actor.staff(staff) if staff else audit.Actor.system()
        handling.reply(db.session, ticket, ANSWER, identity=policy.mail, actor=actor, now=LATER)
        db.session.commit()
        return ticket.id, ticket.reference, opened.access_code


def publication_of(app: Flask, ticket_id: int) -> Publication | None:
    with app.app_context():
        found = db.session.scalar(sa.select(Publication).where(Publication.ticket_id == ticket_id))
        if found is not None:
            db.session.expunge(found)
        return found


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=data or {})


def publish(app: Flask, agent: FlaskClient, supervisor: FlaskClient, ticket_id: int) -> int:
    base = f"/staff/tickets/{ticket_id}/publication"
    assert post(agent, f"{base}/prepare").status_code == 303
    assert post(agent, f"{base}/submit").status_code == 303
    assert post(supervisor, f"{base}/approve").status_code == 303
    found = publication_of(app, ticket_id)
    assert found is not None and found.status is PublicationStatus.PUBLISHED
    return found.id


@pytest.fixture
def clients(app: Flask, staff_login: Callable[..., Any]) -> tuple[FlaskClient, FlaskClient]:
    agent = english(app.test_client())
    staff_login(agent, role=Role.AGENT)
    supervisor = english(app.test_client())
    staff_login(supervisor, role=Role.SUPERVISOR)
    return agent, supervisor


def test_the_editor_hides_every_detected_span_by_default(app, clients):
    agent, _supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    post(agent, f"/staff/tickets/{ticket_id}/publication/prepare")
    page = agent.get(f"/staff/tickets/{ticket_id}/publication").get_data(as_text=True)
    preview = page[page.index("publication-preview") :]
    for secret in SECRETS:
        assert secret not in preview
    assert "■■" in preview
    assert 'name="hide"' in page  # the checkbox list works without JavaScript
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert QUESTION in [m.body for m in ticket.messages]  # the original never changes


def test_staff_restore_a_span_add_an_extra_but_never_an_email(app, clients):
    agent, _supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    base = f"/staff/tickets/{ticket_id}/publication"
    post(agent, f"{base}/prepare")
    page = agent.get(base).get_data(as_text=True)
    keys = {
        text: key
        for key, text in re.findall(
            r'name="hide" id="hide-\d+" value="([^"]+)"[^>]*>.*?<bdi>([^<]+)</bdi>', page, re.S
        )
    }
    email_key = next(k for t, k in keys.items() if "@" in t)
    kept = [k for t, k in keys.items() if "解放北路" not in t]
    response = post(
        agent,
        f"{base}/save",
        {
            "title": "垃圾站气味问题",
            "hide": [k for k in kept if k != email_key],
            "extras": "街道办",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    found = publication_of(app, ticket_id)
    assert "解放北路123号" in found.question  # restored by staff
    assert "wangjg@example.com" not in found.question  # an e-mail address is never restored
    assert "街道办" not in found.answer  # hidden by exact string
    assert found.title == "垃圾站气味问题"


def test_approval_then_public_pages_never_show_hidden_spans(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    base = f"/staff/tickets/{ticket_id}/publication"
    post(agent, f"{base}/prepare")
    post(agent, f"{base}/submit")
    assert post(agent, f"{base}/approve").status_code == 403  # agents cannot approve
    assert publication_of(app, ticket_id).status is PublicationStatus.PENDING
    assert client.get("/questions").get_data(as_text=True).count("垃圾站") == 0
    post(supervisor, f"{base}/approve")
    found = publication_of(app, ticket_id)
    assert found.status is PublicationStatus.PUBLISHED
    pages = [
        client.get(url)
        for url in (
            f"/questions/{found.id}",
            "/questions",
            "/questions?q=垃圾站",
            "/questions?kind=question",
        )
    ]
    assert all(page.status_code == 200 for page in pages)
    assert "垃圾站" in pages[2].get_data(as_text=True)
    for page in pages:
        text = page.get_data(as_text=True)
        for secret in SECRETS:
            assert secret not in text
        assert not EMAIL_RE.search(text.replace("@example.test", ""))
    with app.app_context():
        actions = list(
            db.session.scalars(
                sa.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
            )
        )
    assert {"publication.prepare", "publication.submit", "publication.publish"} <= set(actions)


def with_report_section(app: Flask, ticket_id: int) -> int:
    """Put the ticket under a section of a 2025 report; return the section's id."""
    with app.app_context():
        report = Report(year=2025, title="2025年政府信息公开工作年度报告")
        section = ReportSection(
            anchor="s1", number="一、", level=1, position=1, heading="总体情况", body="正文"
        )
        report.sections.append(section)
        db.session.add(report)
        db.session.flush()
        db.session.get(Ticket, ticket_id).report_section_id = section.id
        db.session.commit()
        return section.id


def test_no_public_page_feed_or_sitemap_shows_a_hidden_span(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    section_id = with_report_section(app, ticket_id)
    publication_id = publish(app, agent, supervisor, ticket_id)
    urls = [
        f"/questions/{publication_id}",
        "/questions",
        "/questions?q=垃圾站",
        f"/questions?section={section_id}",
        "/questions/feed.atom",
        "/sitemap.xml",
        "/report/2025",
        "/questions/similar?subject=垃圾站的气味",
        "/statistics?year=2026",
        "/statistics.csv?year=2026",
        "/open-data",
    ]
    texts = {url: client.get(url) for url in urls}
    assert all(response.status_code == 200 for response in texts.values())
    bundle = client.get("/open-data.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        files = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}
    assert f"/questions/{publication_id}" in texts["/questions?q=垃圾站"].get_data(as_text=True)
    for where, text in [
        *((url, r.get_data(as_text=True)) for url, r in texts.items()),
        *files.items(),
    ]:
        for secret in SECRETS:
            assert secret not in text, (where, secret)
        assert not EMAIL_RE.search(text), where
    report = client.get("/report/2025").get_data(as_text=True)
    assert "1 published answer" in report and f"/questions/{publication_id}" in report
    feed = client.get("/questions/feed.atom")
    assert feed.content_type.startswith("application/atom+xml")
    assert f"/questions/{publication_id}</id>" in feed.get_data(as_text=True)
    assert f"/questions/{publication_id}</loc>" in client.get("/sitemap.xml").get_data(as_text=True)


def test_only_consented_answered_tickets_can_be_prepared(app, clients):
    agent, _supervisor = clients
    ticket_id, _ref, _code = open_answered(app, consent=False)
    response = post(agent, f"/staff/tickets/{ticket_id}/publication/prepare")
    assert response.status_code == 409
    assert publication_of(app, ticket_id) is None
    assert "has not consented" in response.get_data(as_text=True)


def test_the_citizen_withdraws_consent_and_the_answer_goes_offline(app, clients, client):
    agent, supervisor = clients
    ticket_id, reference, code = open_answered(app)
    publication_id = publish(app, agent, supervisor, ticket_id)
    assert client.get(f"/questions/{publication_id}").status_code == 200
    client.get(f"/track/{reference}/{code}")
    tracked = client.get(f"/track/{reference}").get_data(as_text=True)
    assert "Withdraw my consent" in tracked
    response = client.post(f"/track/{reference}/withdraw-consent")
    assert response.status_code == 303
    assert client.get(f"/questions/{publication_id}").status_code == 404
    assert publication_of(app, ticket_id).status is PublicationStatus.WITHDRAWN
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).is_publication_consented is False
        alerts = db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.template == "consent_withdrawn")
        ).all()
        assert alerts  # the staff are told
    base = f"/staff/tickets/{ticket_id}/publication"
    assert post(agent, f"{base}/prepare").status_code == 409  # consent withdrawn: no new copy
    assert publication_of(app, ticket_id).status is PublicationStatus.WITHDRAWN


def test_waived_approval_publishes_on_submit(make_app, staff_login):
    app = make_app(PUBLICATION_REQUIRES_APPROVAL=False)
    agent = english(app.test_client())
    staff_login(agent, role=Role.AGENT)
    ticket_id, _ref, _code = open_answered(app)
    base = f"/staff/tickets/{ticket_id}/publication"
    post(agent, f"{base}/prepare")
    post(agent, f"{base}/submit")
    assert publication_of(app, ticket_id).status is PublicationStatus.PUBLISHED


def test_a_suggestion_needs_its_adoption_outcome(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app, kind=Kind.SUGGESTION)
    base = f"/staff/tickets/{ticket_id}/publication"
    post(agent, f"{base}/prepare")
    assert post(agent, f"{base}/save", {"title": "建议"}).status_code == 400
    response = post(
        agent,
        f"{base}/save",
        {"title": "建议", "adoption": "partly_adopted", "adoption_reason": "预算有限"},
    )
    assert response.status_code == 303
    post(agent, f"{base}/submit")
    post(supervisor, f"{base}/approve")
    found = publication_of(app, ticket_id)
    page = client.get(f"/questions/{found.id}").get_data(as_text=True)
    assert "Partly adopted" in page and "预算有限" in page


def test_similar_answers_while_typing_and_helpful_counted_once(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    publication_id = publish(app, agent, supervisor, ticket_id)
    ask = client.get("/ask").get_data(as_text=True)
    assert 'id="similar-answers"' in ask and "js/similar.js" in ask
    fragment = client.get("/questions/similar?subject=垃圾站的气味").get_data(as_text=True)
    assert f"/questions/{publication_id}" in fragment
    assert "may already answer" in fragment
    assert client.get("/questions/similar?subject=护照办理").get_data(as_text=True).strip() == ""
    headers = {"X-Requested-With": "fetch"}
    assert client.post(f"/questions/{publication_id}/helpful", headers=headers).status_code == 204
    assert client.post(f"/questions/{publication_id}/helpful").status_code == 303
    assert publication_of(app, ticket_id).helpful_count == 1
    assert client.post("/questions/999999/helpful").status_code == 404


def test_statistics_withhold_small_groups_and_open_data_holds_only_public_text(
    app, clients, client
):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    publication_id = publish(app, agent, supervisor, ticket_id)
    page = client.get("/statistics?year=2026")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "fewer than 5" in text
    csv_text = client.get("/statistics.csv?year=2026").get_data(as_text=True)
    assert "<5" in csv_text  # one enquiry in November: withheld
    assert "received,all,0,0,0,0,0,0,0,0,0,0,<5,0" in csv_text
    assert 'id="chart-median-answer"' in text
    assert "median_working_days_to_answer,month,,,,,,,,,,,<5,\r\n" in csv_text
    assert client.get("/statistics?year=abc").status_code == 200
    assert client.get("/open-data").status_code == 200
    response = client.get("/open-data.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = set(archive.namelist())
        assert names == {
            "README.md",
            "published_answers.csv",
            "published_answers.json",
            "monthly_statistics.csv",
            "monthly_statistics.json",
        }
        answers = json.loads(archive.read("published_answers.json"))
        assert [a["id"] for a in answers] == [publication_id]
        assert "Licence: CC BY 4.0" in archive.read("README.md").decode()
        assert (
            "`median_working_days_to_answer`, series `month`" in archive.read("README.md").decode()
        )
        monthly = archive.read("monthly_statistics.csv").decode("utf-8-sig").splitlines()
        assert monthly[0] == "year,figure,series,1,2,3,4,5,6,7,8,9,10,11,12"
        assert "2026,median_working_days_to_answer,month,,,,,,,,,,,<5," in monthly
        for name in names:
            content = archive.read(name).decode("utf-8-sig")
            for secret in SECRETS:
                assert secret not in content, (name, secret)
            assert not EMAIL_RE.search(content), name


def test_statistics_give_the_median_working_days_of_a_month_with_five_answers(app, client):
    for _ in range(5):
        open_answered(app)
    page = client.get("/statistics?year=2026").get_data(as_text=True)
    assert 'id="chart-median-answer"' in page
    csv_text = client.get("/statistics.csv?year=2026").get_data(as_text=True)
    assert "median_working_days_to_answer,month,,,,,,,,,,,2.0,\r\n" in csv_text
    with zipfile.ZipFile(io.BytesIO(client.get("/open-data.zip").data)) as archive:
        monthly = archive.read("monthly_statistics.csv").decode("utf-8-sig").splitlines()
    assert "2026,median_working_days_to_answer,month,,,,,,,,,,,2.0," in monthly


def test_open_data_holds_every_published_answer_however_many_batches_it_takes(
    app, clients, client, monkeypatch
):
    """The package is read in batches, never cut at a fixed count: three answers in batches of
    two all reach it."""
    from enquiry.domain.queries import publications as published

    monkeypatch.setattr(published, "BATCH", 2)
    monkeypatch.setattr(published, "PUBLISHED_SCAN_MAX", 2)  # the old cut would lose one
    agent, supervisor = clients
    ids = [publish(app, agent, supervisor, open_answered(app)[0]) for _ in range(3)]
    with zipfile.ZipFile(io.BytesIO(client.get("/open-data.zip").data)) as archive:
        answers = json.loads(archive.read("published_answers.json"))
    assert sorted(a["id"] for a in answers) == sorted(ids)
    assert len(answers) == 3


def test_adoption_recorded_when_closing_a_suggestion_reaches_the_copy_and_figures(
    app, clients, client
):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app, kind=Kind.SUGGESTION)
    bad = supervisor.post(f"/staff/tickets/{ticket_id}/close", data={"adoption": "maybe"})
    assert bad.status_code == 400
    response = supervisor.post(
        f"/staff/tickets/{ticket_id}/close",
        data={"adoption": "partly_adopted", "adoption_reason": "预算有限，分步实施"},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[-2000:]
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).status.value == "closed"
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
        ).all()
    assert "suggestion.adoption" in actions
    publish(app, agent, supervisor, ticket_id)
    found = publication_of(app, ticket_id)
    assert found.adoption.value == "partly_adopted"
    assert found.adoption_reason == "预算有限，分步实施"
    csv_text = client.get("/statistics.csv?year=2026").get_data(as_text=True)
    assert "adoption_partly_adopted" in csv_text


def test_closing_a_suggestion_without_an_adoption_still_works(app, clients):
    _agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app, kind=Kind.SUGGESTION)
    response = supervisor.post(f"/staff/tickets/{ticket_id}/close", data={})
    assert response.status_code in (302, 303)


def test_attachments_are_published_only_when_chosen_one_by_one(app, clients, client):
    agent, supervisor = clients
    ticket_id, _ref, _code = open_answered(app)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        staff = db.session.scalar(sa.select(User).where(User.role == Role.AGENT))
        policy = policy_from_config(app.config)
        files = [
            Upload("通知.txt", "text/plain", "整改通知".encode()),
            Upload("x.txt", "text/plain", b"x"),
        ]
        handling.reply(
            db.session,
            ticket,
            "附件为整改通知。",
            identity=policy.mail,
            actor=audit.Actor.staff(staff),
            now=LATER,
            attachments=files,
        )
        db.session.commit()
        chosen = db.session.scalar(
            sa.select(Attachment.id).where(Attachment.filename == "通知.txt")
        )
    base = f"/staff/tickets/{ticket_id}/publication"
    post(agent, f"{base}/prepare")
    post(agent, f"{base}/save", {"title": "整改", "attachments": [str(chosen)]})
    post(agent, f"{base}/submit")
    post(supervisor, f"{base}/approve")
    found = publication_of(app, ticket_id)
    page = client.get(f"/questions/{found.id}").get_data(as_text=True)
    assert "通知.txt" in page and "x.txt" not in page
    download = client.get(f"/questions/{found.id}/attachments/{chosen}")
    assert download.status_code == 200 and download.data == "整改通知".encode()
    assert client.get(f"/questions/{found.id}/attachments/{chosen + 1}").status_code == 404
