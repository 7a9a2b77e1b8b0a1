"""Every route of the app: how to reach it with valid input, or why it is left out.

`POSTS` and `PAGES` are keyed by endpoint. tests/hostile/test_routes.py fails when the app has
a route that is in neither table nor in `EXCLUDED`, so a new form or page is covered (or its
exclusion explained) as soon as it is added.

URLs are format strings over the site's seeded ids plus, for targets with a `setup`, values of
a fresh ticket made for each attempt (actions change a ticket's state, so each hostile string
gets a ticket in the right state). `{n}` is a number unique to the attempt (for unique fields).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from enquiry import audit
from enquiry.config import Defaults
from enquiry.domain import consultations, personal_data, publication_copy, publishing
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries.composer import thread_version
from enquiry.extensions import db
from enquiry.models import (
    ApiToken,
    Channel,
    ConsultationKind,
    Department,
    HolidayOverride,
    Kind,
    LegalHold,
    Notification,
    NotificationKind,
    OutboundEmail,
    OutboxStatus,
    PauseKind,
    Remedy,
    RemedyKind,
    RemedyResult,
    ReplyDraft,
    RoutingRule,
    SatisfactionRating,
    Status,
    Ticket,
    WebhookEndpoint,
    utcnow,
)
from enquiry.models.settings import TOTP_REQUIRED_ROLES, put_setting
from enquiry.public.forms import strip_text
from enquiry.rules import deadlines
from enquiry.rules.clock import beijing_today
from enquiry.rules.holiday_prediction import predicted_holidays
from enquiry.rules.names import normalize_name
from tests.hostile.site import Site

Setup = Callable[[Site], dict[str, Any]]


def fresh(site: Site) -> dict[str, Any]:
    return site.fresh_ticket()


def answered(site: Site) -> dict[str, Any]:
    return site.fresh_ticket(answered=True)


def application(site: Site) -> dict[str, Any]:
    """An application, opened without its acknowledgement: rendering that letter for every
    walked value would cost the suite minutes and is not what these targets test."""
    return site.fresh_ticket(kind=Kind.INFO_APPLICATION, acknowledge=False)


def routed(site: Site) -> dict[str, Any]:
    return site.fresh_ticket(status=Status.ROUTED)


def routed_elsewhere(site: Site) -> dict[str, Any]:
    return site.fresh_ticket(status=Status.ROUTED, department="spare")


def acknowledged(site: Site) -> dict[str, Any]:
    return site.fresh_ticket(status=Status.ACKNOWLEDGED)


def new_rule(site: Site) -> dict[str, Any]:
    return {
        "rule": site.add(RoutingRule(name="临时", keywords="临时", department_id=site.ids["spare"]))
    }


def new_override(site: Site) -> dict[str, Any]:
    override = HolidayOverride(
        region=site.app.config["CALENDAR"],
        day=date(2032, 1, 1) + timedelta(days=next(site.numbers)),
        is_workday=True,
        note="n",
        source="s",
    )
    return {"override": site.add(override)}


def new_token(site: Site) -> dict[str, Any]:
    number = next(site.numbers)
    token = ApiToken(
        name=f"t{number}",
        user_id=site.ids["user_admin"],
        prefix="abcdefgh",
        token_hash=f"{number:064d}",
    )
    return {"token": site.add(token)}


def new_hold(site: Site) -> dict[str, Any]:
    """A fresh ticket under a legal hold, for the lift button."""
    values = site.fresh_ticket()
    values["hold"] = site.add(LegalHold(ticket_id=values["ticket_id"], reason="诉讼"))
    return values


def data_request(site: Site) -> dict[str, Any]:
    """A fresh ticket and a personal data request about it; the request's ticket to decide."""
    values = site.fresh_ticket()
    with site.app.app_context():
        subject = db.session.get(Ticket, values["ticket_id"])
        opened, _row = personal_data.request_change(
            db.session,
            subject,
            action=personal_data.CORRECT,
            correction=personal_data.Correction(name="李四"),
            note="",
            channel=Channel.WEB,
            policy=policy_from_config(site.app.config),
            actor=audit.Actor.citizen(),
            now=utcnow(),
        )
        db.session.commit()
        return {"ticket_id": opened.ticket.id}


def new_department(site: Site) -> dict[str, Any]:
    number = next(site.numbers)
    return {"department": site.add(Department(code=f"x{number}", name_zh="临时局", name_en="T"))}


def new_webhook(site: Site) -> dict[str, Any]:
    endpoint = WebhookEndpoint(
        url="http://127.0.0.1:9/hook",
        events=["ticket.opened"],
        secret="0" * 64,
        allow_private_network=True,
    )
    return {"webhook": site.add(endpoint)}


def failed_mail(site: Site) -> dict[str, Any]:
    """A failed outbox row of a fresh ticket, for the retry button."""
    values = site.fresh_ticket()
    with site.app.app_context():
        row = db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.ticket_id == values["ticket_id"])
        ).first()
        assert row is not None
        row.status, row.last_error = OutboxStatus.FAILED, "550 mailbox unavailable"
        db.session.commit()
        values["outbound"] = row.id
    return values


def no_totp_required(site: Site) -> None:
    """Strings in the check boxes switch the one-time password on: switch it off again."""
    with site.app.app_context():
        put_setting(db.session, TOTP_REQUIRED_ROLES, [], now=utcnow())
        db.session.commit()


def paused(site: Site) -> dict[str, Any]:
    values = site.fresh_ticket(kind=Kind.INFO_APPLICATION)
    client = site.client("supervisor")
    response = client.post(
        f"/staff/tickets/{values['ticket_id']}/consultation/pause",
        data={"note": "征求第三方意见", "csrf_token": site.csrf(client)},
    )
    assert response.status_code in {302, 303}, response.status_code
    return values


def application_today(site: Site) -> dict[str, Any]:
    """An application received today, and today's date (a review is filed on or after it)."""
    values = application(site)
    today = beijing_today(utcnow())
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        assert ticket is not None
        ticket.received_on = today  # after office hours it would count from the next workday
        db.session.commit()
    return values | {"today": today.isoformat()}


def with_remedy(site: Site) -> dict[str, Any]:
    """An application with a pending review, for recording its result."""
    values = application_today(site)
    review = Remedy(
        ticket_id=values["ticket_id"],
        kind=RemedyKind.REVIEW,
        filed_on=beijing_today(utcnow()),
        body="市人民政府",
        result=RemedyResult.PENDING,
    )
    return values | {"remedy": site.add(review)}


def own_notification(site: Site) -> dict[str, Any]:
    """A notification of the admin client's own user (another user's is a 404)."""
    site.client("admin")
    with site.app.app_context():
        notification = Notification(
            user_id=site.ids["client_user_admin"],
            ticket_id=site.ids["ticket_seed"],
            kind=NotificationKind.MENTION,
            created_at=utcnow(),
        )
        db.session.add(notification)
        db.session.commit()
        return {"notification": notification.id}


def closed(site: Site) -> dict[str, Any]:
    values = site.fresh_ticket(answered=True)
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        assert ticket is not None
        ticket.status, ticket.closed_at = Status.CLOSED, utcnow()
        db.session.commit()
    return values


def consented(site: Site) -> dict[str, Any]:
    """An answered enquiry whose citizen agreed to publication."""
    values = site.fresh_ticket(answered=True)
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        assert ticket is not None
        ticket.is_publication_consented = True
        db.session.commit()
    return values


def publication_at(stage: str) -> Setup:
    """A consented answered enquiry with its copy prepared, saved, submitted or published."""

    def setup(site: Site) -> dict[str, Any]:
        values = consented(site)
        with site.app.app_context():
            ticket = db.session.get(Ticket, values["ticket_id"])
            policy = policy_from_config(site.app.config, session=db.session)
            admin = audit.Actor.system()
            now = utcnow()
            copy = publishing.prepare(
                db.session,
                ticket,
                None,
                calendar=policy.calendar,
                marker="■■",
                actor=admin,
                now=now,
            )
            if stage != "prepared":
                choices = publishing.Choices(title="答复", attachment_ids=frozenset())
                publishing.save(db.session, copy, choices, marker="■■", actor=admin, now=now)
            if stage in {"submitted", "published"}:
                publishing.submit(
                    db.session, copy, needs_approval=stage == "submitted", actor=admin, now=now
                )
            db.session.commit()
        return values

    return setup


def rated(site: Site) -> dict[str, Any]:
    """An answered enquiry the citizen has rated, without a comment yet."""
    values = site.fresh_ticket(answered=True)
    client = site.app.test_client()
    data = {"rating": "satisfied", "comment": "", "website": "", "csrf_token": site.csrf(client)}
    client.post("/rate/{token}".format(**values), data=data)
    return values


def rating_of(site: Site) -> dict[str, Any]:
    """A fresh rating of an answered enquiry of the office, and today's date (for the call)."""
    values = rated(site)
    with site.app.app_context():
        rating = db.session.scalar(
            sa.select(SatisfactionRating).where(SatisfactionRating.ticket_id == values["ticket_id"])
        )
        assert rating is not None
        values["rating"] = rating.id
    return values | {"today": beijing_today(utcnow()).isoformat()}


def composing(site: Site) -> dict[str, Any]:
    """A fresh enquiry and the thread version its composer was drawn with (reply-seen)."""
    values = site.fresh_ticket()
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        assert ticket is not None
        return values | {"seen": thread_version(db.session, ticket)}


def drafted(site: Site) -> dict[str, Any]:
    """A fresh enquiry with a draft of the supervisor client's user (a blank text discards it)."""
    values = site.fresh_ticket()
    site.client("supervisor")
    with site.app.app_context():
        draft = ReplyDraft(
            ticket_id=values["ticket_id"],
            user_id=site.ids["client_user_supervisor"],
            body="草稿",
            updated_at=utcnow(),
        )
        db.session.add(draft)
        db.session.commit()
        return values | {"draft": draft.id}


def paused_application(site: Site) -> dict[str, Any]:
    """An application whose clock already stands still, as while another consultation runs.

    Consulting a third party on a running clock pauses it and sends the applicant a formal
    letter, rendered as a PDF inside the request; on a paused clock the consultation is
    recorded just the same (party, question, thread event, audit) without the letter, which
    keeps the walk within its time budget. Letters are tested in tests/app/test_letters.py.
    """
    values = application(site)
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        assert ticket is not None
        ticket.paused_on, ticket.pause_kind = ticket.received_on, PauseKind.CONSULTATION
        db.session.commit()
    return values


def agency_consulted(site: Site) -> dict[str, Any]:
    """An application of the office on which the spare department is consulted (会商)."""
    values = application(site)
    with site.app.app_context():
        ticket = db.session.get(Ticket, values["ticket_id"])
        spare = db.session.get(Department, site.ids["spare"])
        assert ticket is not None and spare is not None
        consultation = consultations.consult_agency(
            db.session,
            ticket,
            spare,
            "是否同意公开？",
            policy=policy_from_config(site.app.config, session=db.session),
            actor=audit.Actor.system(),
            now=utcnow(),
        )
        assert consultation.kind is ConsultationKind.AGENCY
        db.session.commit()
        return values | {"consultation": consultation.id}


def public_title(text: str) -> str:
    """The editor's documented normalisation of a public title (`publishing.save`): white space
    folded to single spaces, then the personal data it names hidden behind the marker (the
    enquirer's name 张三 is known), as the public copy keeps it."""
    title = " ".join(text.split())
    texts = {"title": title, "question": "", "answer": ""}
    asker = SimpleNamespace(citizen_name="张三")
    found = publication_copy.detect(asker, texts, ())  # type: ignore[arg-type]
    return publication_copy.build(texts, found, [], Defaults.PUBLICATION_MARKER)["title"]


# The first year the installed calendar data lacks: a notice may be entered (again) for it. It
# lists the days the prediction already has off, so entering it moves no due date of the
# tickets other targets use.
NOTICE_YEAR = deadlines.verified_years()[1] + 1
NOTICE = f"# 国务院办公厅关于{NOTICE_YEAR}年部分节假日安排的通知\n" + "".join(
    f"{day.isoformat()} 休 节假日\n" for day in sorted(predicted_holidays(NOTICE_YEAR))
)


@dataclass(frozen=True)
class Post:
    """A form: where it posts, as whom, valid values for its fields, what it must store."""

    url: str
    role: str | None = "admin"
    valid: dict[str, str] = field(default_factory=dict)
    stored: dict[str, str] = field(default_factory=dict)  # field -> table.column[:json][@id]
    loose: frozenset[str] = frozenset()  # one-line or list fields: white space may be folded
    # Fields with a documented normalisation: what is stored must be exactly this of the input.
    normalise: dict[str, Callable[[str], str]] = field(default_factory=dict)
    setup: Setup | None = None
    own_client: bool = False  # the action may sign the user out or change their password
    accepted_baseline: bool = True  # valid values are accepted (False: always refused here)
    after: Callable[[Site], None] | None = None  # undo what an accepted post switched on


@dataclass(frozen=True)
class Page:
    """A GET page and the query parameters it reads beyond those found by looking."""

    url: str
    role: str | None = "admin"
    params: tuple[str, ...] = ()
    setup: Setup | None = None


ASK_VALID = {
    "kind": "question",
    "subject": "关于年报",
    "message": "请问年报第二部分的数据来源是什么？",
    "name": "张三",
    "email": "zhang.san@example.com",
    "phone": "",
    "section": "",
    "applicant_type": "",
    "info_description": "",
    "delivery_form": "",
    "website": "",
}
FOLLOW_UP = {"message": "补充说明：我想了解更多。"}
TICKET = "/staff/tickets/{ticket_id}"
NEXT_PARAM = ("next",)

POSTS: dict[str, Post] = {
    "public.ask": Post(
        "/ask",
        role=None,
        valid=ASK_VALID,
        stored={
            "subject": "tickets.subject",
            "message": "messages.body",
            "name": "tickets.citizen_name",
        },
        normalise={"name": lambda text: normalize_name(strip_text(text))},
    ),
    "public.ask#application": Post(
        "/ask",
        role=None,
        valid=ASK_VALID
        | {"kind": "info_application", "applicant_type": "citizen", "delivery_form": "email"}
        | {"info_description": "请提供查阅点名单"},
        stored={"info_description": "tickets.info_description"},
    ),
    "public.track": Post("/track", role=None, valid={"reference": "{reference}", "code": "{code}"}),
    "public.tracked": Post(
        "/track/{reference}", role=None, valid=FOLLOW_UP, stored={"message": "messages.body"}
    ),
    "public.rate": Post(
        "/rate/{token}",
        role=None,
        valid={"rating": "satisfied", "comment": "很好", "website": ""},
        stored={"comment": "satisfaction_ratings.comment"},
        setup=answered,
    ),
    "staff.login": Post(
        "/staff/login",
        role=None,
        valid={"email": "{email}", "password": "correct horse battery staple", "next": ""},
        own_client=True,
    ),
    "staff.login_totp": Post("/staff/login/totp", role=None, valid={"code": "123456"}),
    "staff.logout": Post("/staff/logout", own_client=True),
    "staff.change_password": Post(
        "/staff/account/password",
        valid={
            "current_password": "correct horse battery staple",
            "new_password": "a much longer new passphrase",
            "confirm_password": "a much longer new passphrase",
        },
        own_client=True,
    ),
    "staff.enrol_totp": Post(
        "/staff/account/totp", valid={"code": "000000"}, own_client=True, accepted_baseline=False
    ),
    "staff.cancel_totp": Post("/staff/account/totp/cancel", own_client=True),
    "staff.notification_settings": Post("/staff/account/notifications", valid={"mode": "digest"}),
    "staff.read_notification": Post(
        "/staff/notifications/{notification}/read", setup=own_notification
    ),
    "staff.read_all_notifications": Post("/staff/notifications/read-all"),
    "staff.security_settings": Post("/staff/admin/security", valid={}, after=no_totp_required),
    "staff.reply": Post(
        TICKET + "/reply",
        role="supervisor",
        valid={"reply-body": "您好，数据来源于统计局。", "reply-canned": ""},
        stored={"reply-body": "messages.body"},
        setup=fresh,
    ),
    "staff.request_info": Post(
        TICKET + "/request-info",
        role="supervisor",
        valid={"reply-body": "请补充您的联系方式。", "reply-canned": ""},
        stored={"reply-body": "messages.body"},
        setup=acknowledged,
    ),
    "staff.use_canned": Post(
        TICKET + "/canned",
        role="supervisor",
        valid={"reply-canned": "{reply}", "reply-body": "已写的内容"},
    ),
    "staff.add_note": Post(
        TICKET + "/note",
        role="supervisor",
        valid={"note-body": "内部备注"},
        stored={"note-body": "messages.body"},
    ),
    "staff.transfer": Post(
        TICKET + "/transfer",
        role="supervisor",
        valid={"transfer-department": "{spare}", "transfer-note": "请处理"},
        stored={"transfer-note": "audit_events.detail:note"},
        setup=fresh,
    ),
    "staff.return_ticket": Post(
        TICKET + "/return",
        role="supervisor@spare",
        valid={"return-reason": "不属于本部门"},
        stored={"return-reason": "audit_events.detail:reason"},
        setup=routed_elsewhere,
    ),
    "staff.refuse": Post(
        TICKET + "/refuse",
        role="supervisor",
        valid={"refuse-reason": "重复提交"},
        stored={"refuse-reason": "messages.body"},
        setup=fresh,
    ),
    "staff.mark_spam": Post(
        TICKET + "/spam",
        role="supervisor",
        valid={"spam-reason": "广告"},
        stored={"spam-reason": "audit_events.detail:reason"},
        setup=fresh,
    ),
    "staff.merge": Post(
        TICKET + "/merge",
        role="supervisor",
        valid={"merge-target": "{reference_seed}"},
        setup=fresh,
    ),
    "staff.assign": Post(
        TICKET + "/assign", role="supervisor", valid={"assign-assignee": ""}, setup=fresh
    ),
    "public.helpful": Post("/questions/{publication}/helpful", role=None),
    "public.withdraw_consent": Post(
        "/track/{reference}/withdraw-consent", role=None, setup=consented
    ),
    "public.rate_comment": Post(
        "/rate/{token}/comment",
        role=None,
        valid={"comment": "很好"},
        stored={"comment": "satisfaction_ratings.comment"},
        setup=rated,
    ),
    "staff.presence": Post(TICKET + "/presence", role="supervisor"),
    "staff.reopen": Post(TICKET + "/reopen", role="supervisor", setup=closed),
    "staff.prepare_publication": Post(TICKET + "/publication/prepare", setup=consented),
    "staff.submit_publication": Post(TICKET + "/publication/submit", setup=publication_at("saved")),
    "staff.approve_publication": Post(
        TICKET + "/publication/approve", setup=publication_at("submitted")
    ),
    "staff.unpublish_publication": Post(
        TICKET + "/publication/unpublish",
        valid={"reason": "公民撤回"},
        setup=publication_at("published"),
    ),
    "staff.acknowledge": Post(TICKET + "/acknowledge", role="supervisor", setup=routed),
    "staff.start": Post(TICKET + "/start", role="supervisor", setup=acknowledged),
    "staff.close": Post(TICKET + "/close", role="supervisor", valid={}, setup=answered),
    "staff.extend": Post(
        TICKET + "/extend",
        role="supervisor",
        valid={"days": "5", "reason": "需要协调多个部门"},
        stored={"reason": "tickets.extension_reason"},
        setup=application,
    ),
    "staff.pause_consultation": Post(
        TICKET + "/consultation/pause",
        role="supervisor",
        valid={"note": "征求第三方意见"},
        stored={"note": "audit_events.detail:note"},
        setup=application,
    ),
    "staff.resume_consultation": Post(
        TICKET + "/consultation/resume", role="supervisor", setup=paused
    ),
    "staff.remind": Post(
        TICKET + "/remind",
        role="supervisor",
        valid={"note": "请尽快办理"},
        stored={"note": "audit_events.detail:note"},
        setup=fresh,
    ),
    "staff.add_remedy": Post(
        TICKET + "/remedies",
        role="supervisor",
        valid={
            "remedy-kind": "review",
            "remedy-filed_on": "{today}",
            "remedy-body": "市人民政府",
            "remedy-route": "",
        },
        stored={"remedy-body": "remedies.body"},
        loose=frozenset({"remedy-body"}),
        setup=application_today,
    ),
    "staff.set_remedy_result": Post(
        TICKET + "/remedies/{remedy}",
        role="supervisor",
        valid={"result-result": "upheld", "result-concluded_on": "{today}"},
        setup=with_remedy,
    ),
    "staff.bulk": Post(
        "/staff/bulk",
        role="supervisor",
        valid={
            "ticket_ids": "{ticket_id}",
            "action": "transfer",
            "department": "{spare}",
            "note": "批量转办",
            "assignee": "",
            "next": "/staff/inbox",
        },
        stored={"note": "audit_events.detail:note"},
        setup=fresh,
    ),
    "staff.admin_create_user": Post(
        "/staff/admin/users/new",
        valid={
            "email": "new{n}@enquiry.test",
            "display_name": "新同事",
            "role": "agent",
            "department": "{office}",
            "password": "a long enough password",
        },
        stored={"display_name": "users.display_name"},
    ),
    "staff.admin_edit_user": Post(
        "/staff/admin/users/{other_user}",
        valid={"display_name": "改名", "role": "agent", "department": "{office}"},
        stored={"display_name": "users.display_name@other_user"},
    ),
    "staff.admin_deactivate_user": Post("/staff/admin/users/{other_user}/deactivate"),
    "staff.admin_reactivate_user": Post("/staff/admin/users/{other_user}/reactivate"),
    "staff.admin_unlock_user": Post("/staff/admin/users/{other_user}/unlock"),
    "staff.admin_reset_user_totp": Post("/staff/admin/users/{other_user}/reset-totp"),
    "staff.admin_create_department": Post(
        "/staff/admin/departments/new",
        valid={
            "code": "d{n}",
            "name_zh": "新局{n}",
            "name_en": "New {n}",
            "name_ug": "",
            "email": "",
        },
        stored={f"name_{x}": f"departments.name_{x}" for x in ("zh", "en", "ug")},
    ),
    "staff.admin_edit_department": Post(
        "/staff/admin/departments/{spare}",
        valid={"name_zh": "备用局", "name_en": "Spare Bureau", "name_ug": "", "email": ""},
        stored={f"name_{x}": f"departments.name_{x}@spare" for x in ("zh", "en", "ug")},
    ),
    "staff.admin_make_default_department": Post("/staff/admin/departments/{office}/make-default"),
    "staff.admin_deactivate_department": Post("/staff/admin/departments/{spare}/deactivate"),
    "staff.admin_reactivate_department": Post("/staff/admin/departments/{spare}/reactivate"),
    "staff.admin_delete_department": Post(
        "/staff/admin/departments/{department}/delete", setup=new_department
    ),
    "staff.admin_create_rule": Post(
        "/staff/admin/rules/new",
        valid={
            "name": "规则",
            "priority": "100",
            "kind": "",
            "section": "",
            "keywords": "住房",
            "sender_domain": "",
            "department": "{spare}",
            "is_active": "y",
        },
        stored={"name": "routing_rules.name", "keywords": "routing_rules.keywords"},
        loose=frozenset({"keywords"}),
    ),
    "staff.admin_edit_rule": Post(
        "/staff/admin/rules/{rule}",
        valid={
            "name": "住房",
            "priority": "50",
            "kind": "",
            "section": "",
            "keywords": "住房",
            "sender_domain": "",
            "department": "{spare}",
            "is_active": "y",
        },
        stored={"name": "routing_rules.name@rule", "keywords": "routing_rules.keywords@rule"},
        loose=frozenset({"keywords"}),
    ),
    "staff.admin_delete_rule": Post("/staff/admin/rules/{rule}/delete", setup=new_rule),
    "staff.admin_create_reply": Post(
        "/staff/admin/replies/new",
        valid={"title": "标题", "body": "正文", "locale": "zh_Hans", "department": ""},
        stored={"title": "canned_replies.title", "body": "canned_replies.body"},
    ),
    "staff.admin_edit_reply": Post(
        "/staff/admin/replies/{reply}",
        valid={"title": "感谢来信", "body": "您好", "locale": "zh_Hans", "department": ""},
        stored={"title": "canned_replies.title@reply", "body": "canned_replies.body@reply"},
    ),
    "staff.admin_deactivate_reply": Post("/staff/admin/replies/{reply}/deactivate"),
    "staff.admin_reactivate_reply": Post("/staff/admin/replies/{reply}/reactivate"),
    "staff.add_holiday_override": Post(
        "/staff/admin/calendar",
        valid={"day": "{date_n}", "kind": "rest", "note": "调休", "source": "国务院通知"},
        stored={"note": "holiday_overrides.note", "source": "holiday_overrides.source"},
        loose=frozenset({"note", "source"}),
    ),
    "staff.delete_holiday_override": Post(
        "/staff/admin/calendar/{override}/delete", setup=new_override
    ),
    "staff.admin_verify_audit": Post("/staff/admin/audit/verify"),
    "staff.admin_create_token": Post(
        "/staff/admin/tokens",
        valid={"name": "12345热线", "user": "{user_agent}"},
        stored={"name": "api_tokens.name"},
    ),
    "staff.admin_revoke_token": Post("/staff/admin/tokens/{token}/revoke", setup=new_token),
    "staff.admin_create_webhook": Post(
        "/staff/admin/webhooks/new",
        # A loopback address literal: accepted without a DNS look-up, never contacted.
        valid={
            "url": "http://127.0.0.1:9/hook/{n}",
            "events": "ticket.opened",
            "allow_private_network": "y",
        },
        stored={"url": "webhook_endpoints.url"},
    ),
    "staff.admin_ping_webhook": Post("/staff/admin/webhooks/{webhook}/ping", setup=new_webhook),
    "staff.admin_disable_webhook": Post(
        "/staff/admin/webhooks/{webhook}/disable", setup=new_webhook
    ),
    "staff.admin_enable_webhook": Post("/staff/admin/webhooks/{webhook}/enable", setup=new_webhook),
    "staff.admin_delete_webhook": Post("/staff/admin/webhooks/{webhook}/delete", setup=new_webhook),
    "staff.outbox_retry": Post(
        "/staff/outbox/{outbound}/retry",
        role="supervisor",
        valid={"next": "/staff/outbox"},
        setup=failed_mail,
    ),
    "staff.admin_save_retention": Post(
        "/staff/admin/retention",
        valid={
            "question": "1095",
            "suggestion": "1095",
            "complaint": "1095",
            "other": "1095",
            "info_application": "1825",
            "personal_data": "1095",
            "spam": "30",
            "mail": "30",
            "overrides": "",
        },
    ),
    "staff.place_hold": Post(
        TICKET + "/hold",
        role="supervisor",
        valid={"hold-reason": "行政复议", "hold-until_on": ""},
        stored={"hold-reason": "legal_holds.reason"},
        setup=fresh,
    ),
    "staff.lift_hold": Post("/staff/admin/holds/{hold}/lift", role="supervisor", setup=new_hold),
    "public.personal_data_request": Post(
        "/track/{reference}/personal-data",
        role=None,
        valid={"action": "correct", "name": "李四", "email": "", "phone": "", "note": ""},
        setup=fresh,
    ),
    "staff.decide_personal_data": Post(
        TICKET + "/personal-data/decide",
        valid={"decision": "reject", "note": "核实"},
        setup=data_request,
    ),
    "staff.record_personal_data_request": Post(
        TICKET + "/personal-data/record",
        valid={"pdr-action": "correct", "pdr-name": "李四", "pdr-email": "", "pdr-phone": ""},
        setup=fresh,
    ),
    "staff.answer": Post(
        TICKET + "/answer",
        role="supervisor",
        valid={
            "reply-body": "您好，数据来源于统计局。",
            "reply-canned": "",
            "reply-limit": "",
            "reply-seen": "{seen}",
            "close": "",
        },
        stored={"reply-body": "messages.body"},
        setup=composing,
    ),
    "staff.save_draft": Post(
        TICKET + "/draft",
        role="supervisor",
        valid={"reply-body": "写了一半的答复", "reply-seen": ""},
        stored={"reply-body": "reply_drafts.body@draft"},
        setup=drafted,
    ),
    "staff.insert_answer": Post(TICKET + "/insert-answer/{publication}", role="supervisor"),
    "staff.answer_cluster": Post(
        "/staff/clusters/answer",
        role="supervisor",
        valid={"section": "none", "ticket": "{ticket_id}", "body": "您好，统一答复如下。"},
        stored={"body": "messages.body"},
        setup=fresh,
    ),
    "staff.save_publication": Post(
        TICKET + "/publication/save",
        valid={
            "title": "关于年报的答复",
            "extras": "",
            "adoption": "",
            "adoption_reason": "",
        },
        stored={"title": "publications.title"},
        normalise={"title": public_title},
        setup=publication_at("saved"),
    ),
    "staff.consult_third_party": Post(
        TICKET + "/consultations/third-party",
        role="supervisor",
        valid={"party": "某科技有限公司", "sent_on": "", "question": "是否同意公开合同？"},
        stored={"party": "consultations.party", "question": "consultations.question"},
        setup=paused_application,
    ),
    "staff.consult_agency": Post(
        TICKET + "/consultations/agency",
        role="supervisor",
        valid={"department": "{spare}", "question": "请提出会商意见。"},
        stored={"question": "consultations.question"},
        setup=application,
    ),
    "staff.answer_consultation": Post(
        "/staff/consultations/{consultation}/answer",
        role="supervisor@spare",
        valid={"answer": "同意公开。", "next": "/staff/consultations"},
        stored={"answer": "consultations.answer@consultation"},
        setup=agency_consulted,
    ),
    "staff.withdraw_ticket": Post(
        TICKET + "/withdraw",
        role="supervisor",
        valid={"note": "申请人来电撤回申请"},
        stored={"note": "audit_events.detail:note"},
        setup=fresh,
    ),
    "staff.withdraw_consultation": Post(
        "/staff/consultations/{consultation}/withdraw",
        role="supervisor",
        valid={"note": "申请人已撤回申请"},  # kept inside a thread line: walked, not compared
        setup=agency_consulted,
    ),
    "staff.rating_follow_up": Post(
        "/staff/ratings/{rating}/follow-up",
        role="supervisor",
        valid={"called_on": "{today}", "called_by": "王科长", "result": "市民表示满意"},
        stored={
            "called_by": "satisfaction_ratings.follow_up_by@rating",
            "result": "satisfaction_ratings.follow_up_result@rating",
        },
        setup=rating_of,
    ),
    "staff.rating_misrated": Post(
        "/staff/ratings/{rating}/misrated",
        role="supervisor",
        valid={"reason": "市民误点了不满意"},
        stored={"reason": "satisfaction_ratings.misrated_reason@rating"},
        setup=rating_of,
    ),
    "staff.record_paper_application": Post(
        "/staff/tickets/paper",
        valid={
            "channel": "post",
            "received_on": "{today}",
            "kind": "question",  # an application would render its acknowledgement letter
            "subject": "关于年报",
            "message": "来信：请问年报第二部分的数据来源是什么？",
            "applicant_type": "",
            "info_description": "",
            "delivery_form": "",
            "name": "张三",
            "email": "zhang.san@example.com",
            "phone": "",
        },
        stored={
            "subject": "tickets.subject",
            "message": "messages.body",
            "name": "tickets.citizen_name",
        },
        normalise={"name": lambda text: normalize_name(strip_text(text))},
        setup=lambda site: {"today": beijing_today(utcnow()).isoformat()},
    ),
    "staff.enter_calendar_notice": Post(
        "/staff/admin/calendar/notice",
        valid={"year": str(NOTICE_YEAR), "source": "国办发明电", "text": NOTICE},
        stored={
            "source": "calendar_notices.source",
            "text": "calendar_notices.text",
        },
        loose=frozenset({"source"}),
    ),
    "staff.mailroom_reprocess": Post(
        "/staff/mailroom/{inbound}/reprocess", accepted_baseline=False
    ),
}

PAGES: dict[str, Page] = {
    "public.index": Page("/", role=None, params=NEXT_PARAM),
    "public.ask": Page("/ask", role=None),
    "public.submitted": Page("/ask/submitted", role=None),
    "public.reports": Page("/report", role=None),
    "public.report": Page("/report/{year}", role=None),
    "public.set_language": Page("/language/en", role=None, params=NEXT_PARAM),
    "public.track": Page("/track", role=None),
    "public.track_link": Page("/track/{reference_seed}/{code_seed}", role=None),
    "public.tracked": Page("/track/{reference_seed}", role=None),
    "public.personal_data_request": Page("/track/{reference_seed}/personal-data", role=None),
    "public.my_data": Page("/track/{reference_seed}/my-data.zip", role=None),
    "public.rate": Page("/rate/{token}", role=None, setup=answered),
    "public.questions": Page("/questions", role=None),
    "public.question": Page("/questions/{publication}", role=None),
    "public.question_attachment": Page(
        "/questions/{publication}/attachments/{published_file}", role=None
    ),
    "public.questions_feed": Page("/questions/feed.atom", role=None),
    "public.similar_answers": Page("/questions/similar", role=None),
    "public.sitemap": Page("/sitemap.xml", role=None),
    "public.statistics": Page("/statistics", role=None, params=("year",)),
    "public.statistics_csv": Page("/statistics.csv", role=None, params=("year",)),
    "public.open_data_page": Page("/open-data", role=None),
    "public.open_data_zip": Page("/open-data.zip", role=None),
    "staff.calendar_notice": Page("/staff/admin/calendar/notice"),
    "staff.consultations": Page("/staff/consultations"),
    "staff.paper_application": Page("/staff/tickets/paper"),
    "staff.live_counts": Page("/staff/live"),
    "staff.publication": Page("/staff/tickets/{publication_ticket}/publication"),
    "staff.publications": Page("/staff/publications"),
    "staff.cluster": Page("/staff/clusters"),
    "staff.login": Page("/staff/login", role=None),
    "staff.login_totp": Page("/staff/login/totp", role=None),
    "staff.inbox": Page("/staff/inbox", params=("page",)),
    "staff.search": Page("/staff/search", params=("page", "after")),
    "staff.ticket": Page(TICKET.replace("{ticket_id}", "{ticket_seed}")),
    "staff.attachment": Page("/staff/attachments/{attachment}"),
    "staff.account": Page("/staff/account"),
    "staff.notifications": Page("/staff/notifications"),
    "staff.inbox_list": Page("/staff/inbox/list", params=("page",)),
    "staff.change_password": Page("/staff/account/password"),
    "staff.enrol_totp": Page("/staff/account/totp"),
    "staff.security_settings": Page("/staff/admin/security"),
    "staff.admin": Page("/staff/admin"),
    "staff.admin_audit": Page("/staff/admin/audit"),
    "staff.admin_users": Page("/staff/admin/users"),
    "staff.admin_create_user": Page("/staff/admin/users/new"),
    "staff.admin_edit_user": Page("/staff/admin/users/{other_user}"),
    "staff.admin_departments": Page("/staff/admin/departments"),
    "staff.admin_create_department": Page("/staff/admin/departments/new"),
    "staff.admin_edit_department": Page("/staff/admin/departments/{spare}"),
    "staff.admin_rules": Page("/staff/admin/rules"),
    "staff.admin_create_rule": Page("/staff/admin/rules/new"),
    "staff.admin_edit_rule": Page("/staff/admin/rules/{rule}"),
    "staff.admin_test_rules": Page("/staff/admin/rules/test"),
    "staff.admin_replies": Page("/staff/admin/replies"),
    "staff.admin_tokens": Page("/staff/admin/tokens"),
    "staff.admin_create_reply": Page("/staff/admin/replies/new"),
    "staff.admin_edit_reply": Page("/staff/admin/replies/{reply}"),
    "staff.calendar": Page("/staff/admin/calendar"),
    "staff.admin_webhooks": Page("/staff/admin/webhooks"),
    "staff.admin_create_webhook": Page("/staff/admin/webhooks/new"),
    "staff.admin_webhook": Page("/staff/admin/webhooks/{webhook}"),
    "staff.dashboard": Page("/staff/dashboard"),
    "staff.dashboard_csv": Page("/staff/dashboard.csv"),
    "staff.supervision": Page("/staff/supervision"),
    "staff.mailroom": Page("/staff/mailroom"),
    "staff.outbox": Page("/staff/outbox", params=("status", "before")),
    "staff.mailroom_detail": Page("/staff/mailroom/{inbound}"),
    "staff.mailroom_download": Page("/staff/mailroom/{inbound}/raw"),
    "staff.annual_report": Page("/staff/reports/annual/{year}"),
    "staff.annual_report_latest": Page("/staff/reports/annual"),
    "staff.annual_report_csv": Page("/staff/reports/annual/{year}.csv"),
    "staff.annual_report_xlsx": Page("/staff/reports/annual/{year}.xlsx"),
    "staff.table4_csv": Page("/staff/reports/annual/{year}/table4.csv"),
    "staff.table4_xlsx": Page("/staff/reports/annual/{year}/table4.xlsx"),
    "staff.annual_draft": Page("/staff/reports/annual/{year}/draft"),
    "staff.annual_draft_docx": Page("/staff/reports/annual/{year}/draft.docx"),
    "staff.admin_retention": Page("/staff/admin/retention"),
    "staff.admin_retention_plan_csv": Page("/staff/admin/retention/plan.csv"),
    "staff.admin_personal_data": Page("/staff/admin/personal-data"),
    "staff.admin_holds": Page("/staff/admin/holds"),
}

# Query parameters every page is also given: a page must ignore or refuse what it does not read.
COMMON_PARAMS = ("lang", "next", "page", "sort", "after", "before", "q")

EXCLUDED: dict[str, str] = {
    "staff.record_posted": "reads only a date (DateField) and the CSRF token, on a mail kept"
    " for post; bad, future and too-early dates are refused in tests/app/test_post_and_withdraw.py",
    "public.withdraw": "one button on the tracking page: reads no field but the CSRF token;"
    " behaviour and its refusals in tests/app/test_post_and_withdraw.py",
    "staff.evidence_bundle": "answers a ZIP (binary) and reads no field but the CSRF token;"
    " access, CSRF and contents in tests/app/test_evidence_bundle.py, bad ids in test_id_routes",
    "public.tracked_file": "a download (binary) for a browser that has shown the ticket's code;"
    " it reads no query parameter; access in tests/app/test_letters.py, bad ids in test_id_routes",
    "static": "serves files from static/ by path; Werkzeug's safe_join refuses traversal",
    **{
        f"api.{name}": "JSON API with bearer tokens, not forms: hostile bodies and query strings"
        " are refused by pydantic (422 naming the field), see tests/app/test_api_*.py"
        for name in (
            "openapi",
            "tickets",
            "ticket",
            "create_ticket",
            "messages",
            "reply",
            "note",
            "acknowledge",
            "start",
            "transfer",
            "request_info",
            "close",
            "refuse",
            "mark_spam",
            "departments",
            "report_sections",
            "dashboard_figures",
            "annual_figures",
            "ticket_outcomes",
        )
    },
}
