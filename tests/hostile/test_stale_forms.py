"""Every form that acts on one ticket carries the version of the page it was drawn on: sent
after the citizen wrote again, it is refused with 409 and nothing changes; sent from a page
drawn after that, it acts.

The forms, their valid values and the tickets they need come from the route table
(tests/hostile/targets.py), so this test posts what the hostile suite posts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain import consultations, handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    Channel,
    DeliveryForm,
    Kind,
    OutboundEmail,
    Ticket,
    User,
    utcnow,
)
from enquiry.rules.clock import beijing_today
from tests.hostile.runner import FormRun, fill
from tests.hostile.site import Site, page_forms
from tests.hostile.targets import POSTS, TICKET, Post


def paper_letter(site: Site) -> dict[str, Any]:
    """A paper application without e-mail: its acknowledgement waits to be printed and posted."""
    with site.app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.INFO_APPLICATION,
                subject="申请公开道路维修经费",
                body="请公开2024年道路维修经费。",
                citizen_name="李四",
                citizen_email="",
                citizen_address="乌鲁木齐市解放南路1号",
                channel=Channel.POST,
                locale="zh_Hans",
                applicant_type=ApplicantType.CITIZEN,
                info_description="2024年道路维修经费明细",
                delivery_form=DeliveryForm.EMAIL,
                received_on=beijing_today(utcnow()),
            ),
            policy=policy_from_config(site.app.config, session=db.session),
            actor=audit.Actor.system(),
            now=utcnow(),
        )
        db.session.commit()
        ticket = opened.ticket
        letter = db.session.scalar(
            sa.select(OutboundEmail.id).where(OutboundEmail.ticket_id == ticket.id)
        )
        today = beijing_today(utcnow()).isoformat()
        return {"ticket_id": ticket.id, "letter": letter, "today": today}


def third_party_consulted(site: Site) -> dict[str, Any]:
    """An application whose clock is paused for a third party's opinion."""
    values = site.fresh_ticket(kind=Kind.INFO_APPLICATION, acknowledge=False)
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        admin = db.session.get(User, site.ids["user_admin"])
        assert ticket is not None and admin is not None
        consultation = consultations.consult_third_party(
            db.session,
            ticket,
            "某科技有限公司",
            "是否同意公开合同？",
            policy=policy_from_config(site.app.config, session=db.session),
            actor=audit.Actor.staff(admin),
            now=utcnow(),
        )
        db.session.commit()
        return values | {"consultation": consultation.id}


def answered_suggestion(site: Site) -> dict[str, Any]:
    return site.fresh_ticket(answered=True, kind=Kind.SUGGESTION)


# Forms of the ticket page that the route table reaches otherwise (or leaves out).
OWN_TARGETS = {
    "staff.record_posted": Post(
        TICKET + "/mail/{letter}/posted",
        role="supervisor",
        valid={"posted_on": "{today}"},
        setup=paper_letter,
    ),
    "staff.answer_consultation#third_party": Post(
        "/staff/consultations/{consultation}/answer",
        role="supervisor",
        valid={"answer": "同意公开。", "next": TICKET},
        setup=third_party_consulted,
    ),
    "staff.close#adoption": Post(
        TICKET + "/close",
        role="supervisor",
        valid={"adoption": "adopted", "adoption_reason": "已采纳并纳入明年计划"},
        setup=answered_suggestion,
    ),
}

STALE_FORMS = (
    "staff.extend",
    "staff.remind",
    "staff.request_info",  # 补正, from the composer (its own thread version)
    "staff.pause_consultation",
    "staff.resume_consultation",
    "staff.add_remedy",
    "staff.set_remedy_result",
    "staff.place_hold",
    "staff.lift_hold",
    "staff.prepare_publication",
    "staff.submit_publication",
    "staff.approve_publication",
    "staff.consult_third_party",
    "staff.consult_agency",
    "staff.withdraw_consultation",
    "staff.answer_consultation#third_party",
    "staff.withdraw_ticket",
    "staff.reopen",
    "staff.decide_personal_data",
    "staff.record_posted",
    "staff.close#adoption",
)
PUBLICATION_PAGE = {
    "staff.prepare_publication",
    "staff.submit_publication",
    "staff.approve_publication",
}
# A colleague's note makes them stale: a follow-up would take the answer back to 办理.
SELECTED = re.compile(r'name="ticket_ids" value="(\d+):(\d+\.\d+)"')
NOTED = PUBLICATION_PAGE | {"staff.close#adoption"}
# Drawn only when a pause is refused (the ticket page offers consultations instead): the
# version of the page's other forms is the one it would carry.
NOT_ON_THE_PAGE = {"staff.pause_consultation"}
# The composer's form posts to 答复 and sends 补正 by the same form (its version: reply-seen).
DRAWN_AS = {"staff.request_info": TICKET + "/answer"}
TYPED = {"reason", "note", "question", "answer", "party", "body"}
VERSION_FIELDS = ("version", "reply-seen")


def origin(endpoint: str, values: dict[str, Any]) -> str:
    """The page the form is on."""
    page = TICKET + "/publication" if endpoint in PUBLICATION_PAGE else TICKET
    return page.format(**values)


def form_on_page(client: FlaskClient, page: str, action: str, endpoint: str) -> dict[str, str]:
    """The hidden version fields of the form posting to `action` on the page, as drawn."""
    response = client.get(page)
    assert response.status_code == 200
    forms = page_forms(response.get_data(as_text=True))
    drawn = DRAWN_AS.get(endpoint, action).format(ticket_id=action.split("/")[3])
    mine = [form for form in forms if form["action"] == drawn]
    if endpoint in NOT_ON_THE_PAGE:
        mine = [form for form in forms if "version" in form["fields"]]
    assert mine, f"no form posting to {action} on {page}"
    fields = {k: v for k, v in mine[0]["fields"].items() if k in VERSION_FIELDS and v}
    assert fields, f"the form posting to {action} carries no version"
    return fields


def someone_writes(site: Site, ticket_id: int, endpoint: str) -> str:
    """The citizen follows up (a colleague notes, where a follow-up would reopen the answer
    being published); return what they wrote."""
    with site.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        if endpoint in NOTED:
            colleague = audit.Actor.staff(db.session.get(User, site.ids["user_admin"]))
            body = "请勿公开：涉及第三方信息。"
            handling.add_note(db.session, ticket, body, actor=colleague, now=utcnow())
        else:
            body = "补充：我的问题还包括第三部分。"
            tickets.add_citizen_follow_up(
                db.session,
                ticket,
                body=body,
                attachments=(),
                actor=audit.Actor(label="citizen"),
                now=utcnow(),
                policy=policy_from_config(site.app.config, session=db.session),
            )
        db.session.commit()
        return body


def ticket_row(site: Site, ticket_id: int) -> dict[str, Any]:
    with site.app.app_context():
        table = Ticket.__table__
        row = db.session.execute(sa.select(table).where(table.c.id == ticket_id)).one()
        return dict(row._mapping)


@pytest.mark.parametrize("endpoint", STALE_FORMS)
def test_a_form_from_a_stale_page_is_refused_and_from_a_fresh_page_acts(
    site: Site, endpoint: str
) -> None:
    target = OWN_TARGETS.get(endpoint) or POSTS[endpoint]
    run = FormRun(site, endpoint, target)
    values, client = run.values(), run.client()
    action, page = target.url.format(**values), origin(endpoint, values)
    data = fill(target.valid, values) | {"csrf_token": site.csrf(client)}
    stale = form_on_page(client, page, action, endpoint)
    written = someone_writes(site, values["ticket_id"], endpoint)
    before = site.counts(), ticket_row(site, values["ticket_id"])

    response = client.post(action, data=data | stale)
    body = response.get_data(as_text=True)
    assert response.status_code == 409, body[:3000]
    assert written in body and "message-newer" in body  # the newer message shown, marked
    assert (site.counts(), ticket_row(site, values["ticket_id"])) == before
    typed = [v for k, v in data.items() if k.rpartition("-")[2].rpartition("_")[2] in TYPED]
    assert all(f"{text}</textarea>" in body for text in typed)  # nothing typed is lost

    fresh = form_on_page(client, page, action, endpoint)
    assert fresh != stale
    again = client.post(action, data=data | fresh)
    assert again.status_code in (302, 303), again.get_data(as_text=True)[:3000]
    assert not [m for kind, m in site.flashes(client) if kind in {"error", "warning", "danger"}]
    assert site.counts() != before[0]  # it acted


def test_a_bulk_action_from_a_stale_inbox_acts_on_none_and_names_the_changed(site: Site) -> None:
    client = site.client("supervisor")
    first, second = site.fresh_ticket()["ticket_id"], site.fresh_ticket()["ticket_id"]
    shown = dict(SELECTED.findall(client.get("/staff/inbox?sort=newest").get_data(as_text=True)))
    assert {str(first), str(second)} <= shown.keys()  # each row carries its version
    someone_writes(site, second, "staff.bulk")
    before = site.counts(), ticket_row(site, first), ticket_row(site, second)
    data = {
        "csrf_token": site.csrf(client),
        "action": "assign",
        "assignee": str(site.ids["client_user_supervisor"]),
        "next": "/staff/inbox",
    }
    rows = [f"{first}:{shown[str(first)]}", f"{second}:{shown[str(second)]}"]

    response = client.post("/staff/bulk", data=data | {"ticket_ids": rows})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    with site.app.app_context():
        changed = db.session.get(Ticket, second)
        untouched = db.session.get(Ticket, first)
        assert changed is not None and untouched is not None
        refusal = body[body.index("bulk-refused") :]
        refusal = refusal[: refusal.index("</div>")]
        assert changed.reference in refusal and untouched.reference not in refusal
    assert (site.counts(), ticket_row(site, first), ticket_row(site, second)) == before

    shown = dict(SELECTED.findall(client.get("/staff/inbox?sort=newest").get_data(as_text=True)))
    rows = [f"{first}:{shown[str(first)]}", f"{second}:{shown[str(second)]}"]
    assert client.post("/staff/bulk", data=data | {"ticket_ids": rows}).status_code == 303
    assignee = site.ids["client_user_supervisor"]
    assert ticket_row(site, first)["assignee_id"] == ticket_row(site, second)["assignee_id"]
    assert ticket_row(site, first)["assignee_id"] == assignee
