"""Every form that acts on one ticket carries the version of the page it was drawn on: sent
after the citizen wrote again, it is refused with 409 and nothing changes; sent from a page
drawn after that, it acts.

The forms, their valid values and the tickets they need come from the route table
(tests/hostile/targets.py), so this test posts what the hostile suite posts.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Ticket, User, utcnow
from tests.hostile.runner import FormRun, fill
from tests.hostile.site import Site, page_forms
from tests.hostile.targets import POSTS, TICKET

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
    "staff.withdraw_ticket",
    "staff.reopen",
    "staff.decide_personal_data",
)
PUBLICATION_PAGE = {
    "staff.prepare_publication",
    "staff.submit_publication",
    "staff.approve_publication",
}
# Drawn only when a pause is refused (the ticket page offers consultations instead): the
# version of the page's other forms is the one it would carry.
NOT_ON_THE_PAGE = {"staff.pause_consultation"}
# The composer's form posts to 答复 and sends 补正 by the same form (its version: reply-seen).
DRAWN_AS = {"staff.request_info": TICKET + "/answer"}
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
        if endpoint in PUBLICATION_PAGE:
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
    target = POSTS[endpoint]
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

    fresh = form_on_page(client, page, action, endpoint)
    assert fresh != stale
    again = client.post(action, data=data | fresh)
    assert again.status_code in (302, 303), again.get_data(as_text=True)[:3000]
    assert not [m for kind, m in site.flashes(client) if kind in {"error", "warning", "danger"}]
    assert site.counts() != before[0]  # it acted
