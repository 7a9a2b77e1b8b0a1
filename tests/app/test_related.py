"""Staff reuse: similar open tickets, inserting a published answer, answering a cluster."""

from __future__ import annotations

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Kind, OutboundEmail, Role, Status, Ticket
from tests.app.conftest import english
from tests.app.test_publishing import NOW, open_answered, publish


def open_ticket(app, subject, body, name):
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject=subject,
                body=body,
                citizen_name=name,
                citizen_email=f"{len(name)}{abs(hash(name)) % 997}@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=NOW,
        )
        db.session.commit()
        return opened.ticket.id


def similar_listed(page: str) -> str:
    return page.split('class="small mb-2 related-tickets"', 1)[1].split("</ul>", 1)[0]


def test_ticket_page_lists_similar_tickets_and_inserts_a_published_answer(app, staff_login):
    agent = english(app.test_client())
    staff_login(agent, role=Role.AGENT)
    supervisor = english(app.test_client())
    staff_login(supervisor, role=Role.SUPERVISOR)
    answered_id, _ref, _code = open_answered(app)
    publication_id = publish(app, agent, supervisor, answered_id)
    first = open_ticket(app, "垃圾站气味太大", "小区垃圾站的气味很大，何时整改？", "李明华")
    second = open_ticket(app, "垃圾站气味问题", "垃圾站气味影响居民生活。", "赵小红")
    answered = open_ticket(app, "垃圾站气味严重", "垃圾站气味很大。", "钱多多")
    spam = open_ticket(app, "垃圾站气味广告", "垃圾站气味，点此链接。", "孙一")
    with app.app_context():
        db.session.get(Ticket, answered).status = Status.ANSWERED
        db.session.get(Ticket, spam).status = Status.SPAM
        db.session.commit()
    page = supervisor.get(f"/staff/tickets/{first}").get_data(as_text=True)
    listed = similar_listed(page)
    assert f'/staff/tickets/{second}"' in listed  # a similar open ticket
    assert f'/staff/tickets/{answered}"' not in listed and f'/staff/tickets/{spam}"' not in listed
    # The list is kept between page views while nothing is audited; a new ticket is audited.
    third = open_ticket(app, "垃圾站气味扰民", "垃圾站气味扰民，请处理。", "周五")
    again = supervisor.get(f"/staff/tickets/{first}").get_data(as_text=True)
    assert f'/staff/tickets/{third}"' in similar_listed(again)
    assert f"/insert-answer/{publication_id}" in page
    filled = supervisor.post(f"/staff/tickets/{first}/insert-answer/{publication_id}")
    assert filled.status_code == 200
    assert "已转交街道办" in filled.get_data(as_text=True)  # in the composer, not sent
    with app.app_context():
        assert db.session.get(Ticket, first).status is not Status.ANSWERED
    # Taking the answer off the public pages is audited: the panel no longer offers it.
    unpublished = supervisor.post(f"/staff/tickets/{answered_id}/publication/unpublish")
    assert unpublished.status_code == 303
    page = supervisor.get(f"/staff/tickets/{first}").get_data(as_text=True)
    assert f"/insert-answer/{publication_id}" not in page


def test_a_cluster_is_answered_personally_and_each_ticket_closes(app, staff_login):
    supervisor = english(app.test_client())
    staff_login(supervisor, role=Role.SUPERVISOR)
    ids = [
        open_ticket(app, "公交线路调整", "52路什么时候恢复？", "王建国"),
        open_ticket(app, "公交52路", "52路停运了吗？", "陈晓燕"),
    ]
    page = supervisor.get("/staff/clusters?section=none").get_data(as_text=True)
    assert all(f'value="{i}"' in page for i in ids)
    assert (
        supervisor.post("/staff/clusters/answer", data={"section": "none", "body": "x"}).status_code
        == 400
    )
    response = supervisor.post(
        "/staff/clusters/answer",
        data={"section": "none", "ticket": [str(i) for i in ids], "body": "52路已于本月恢复运营。"},
    )
    assert response.status_code == 303
    with app.app_context():
        for ticket_id in ids:
            ticket = db.session.get(Ticket, ticket_id)
            assert ticket.status is Status.CLOSED
            mails = db.session.scalars(
                sa.select(OutboundEmail).where(
                    OutboundEmail.ticket_id == ticket_id, OutboundEmail.template == "reply"
                )
            ).all()
            assert len(mails) == 1
            assert ticket.citizen_name in mails[0].body_text  # their own greeting
            assert ticket.reference in mails[0].subject
            assert "/rate/" in mails[0].body_text


def test_clusters_respect_the_department_scope(app, staff_login, make_department):
    make_department("housing")
    outsider = english(app.test_client())
    staff_login(outsider, role=Role.SUPERVISOR, department="housing")
    ticket_id = open_ticket(app, "公交线路调整", "52路什么时候恢复？", "王建国")
    assert f'value="{ticket_id}"' not in outsider.get("/staff/clusters").get_data(as_text=True)
    outsider.post("/staff/clusters/answer", data={"ticket": [str(ticket_id)], "body": "答复"})
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).status is not Status.CLOSED
