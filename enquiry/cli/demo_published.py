"""Demonstration published answers: a few answered enquiries, redacted, approved and public.

They go through the same verbs as the staff (prepare hides every detected span, submit, a
supervisor approves), so /questions, /report/2013, the feed and the similar-answers box on the
form show something on the first run, and the public copies show what redaction removes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from enquiry import audit
from enquiry.domain import adoption, handling, publishing, tickets
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.models import (
    Adoption,
    Channel,
    Kind,
    SessionLike,
    SuggestionAdoption,
    Ticket,
    User,
    utcnow,
)

# kind, section anchor, subject, question, answer, name, e-mail, locale, days ago received,
# working days later answered (calendar days, roughly), adoption for a suggestion.
PUBLISHED = [
    (
        Kind.QUESTION,
        "s2-i4",
        "居民煤改气补贴如何申请？",
        "您好，我是刘志强，住在沙依巴克区友好北路88号3栋1单元502室。请问居民煤改气的补贴"
        "标准是多少，需要到哪里申请？我的电话13899887766。",
        "刘志强同志：居民煤改气补贴标准及申请流程已在市政府门户网站《煤改气》专题栏目公开。"
        "居民可持户口簿和燃气开户凭证到所在街道办事处申请，补贴在审核后一个月内发放。",
        "刘志强",
        "liu.zhiqiang@example.com",
        "zh_Hans",
        60,
        6,
        None,
    ),
    (
        Kind.QUESTION,
        "s2-i3",
        "田字路二期施工期间公交线路如何调整？",
        "田字路二期开工后我每天坐公交上班，请问哪些公交线路改线了？在哪里可以查到？"
        "联系邮箱 zhao.min@example.com。赵敏",
        "您好！田字路二期施工期间的公交改线信息在市政府门户网站《交通出行》专题中公布，"
        "每周一更新；也可拨打公交服务热线0991-2345678查询。感谢您的关注。",
        "赵敏",
        "zhao.min@example.com",
        "zh_Hans",
        50,
        4,
        None,
    ),
    (
        Kind.SUGGESTION,
        "s2-i4",
        "建议在门户网站增加垃圾分类指南",
        "垃圾分类试点已经启动，但很多居民不清楚如何分类。建议在门户网站垃圾分类专题中增加"
        "图文指南和常见问题解答。陈红 手机 139 1234 5678",
        "陈红女士：感谢您的建议。我们已会同市城市管理部门在《乌鲁木齐启动垃圾分类试点》专题"
        "中增加了垃圾分类图文指南和常见问题解答，并将持续更新。",
        "陈红",
        "chen.hong@example.com",
        "zh_Hans",
        45,
        8,
        Adoption.ADOPTED,
    ),
    (
        Kind.QUESTION,
        "intro",
        "دوكلاتنى قەيەردىن كۆرگىلى بولىدۇ؟",
        "ھۆكۈمەت ئۇچۇرلىرىنى ئاشكارىلاش يىللىق دوكلاتىنى تور بېكەتتىن قەيەردىن تاپقىلى بولىدۇ؟ "
        "تېلېفونۇم 13512345678.",
        "ياخشىمۇسىز! يىللىق دوكلات شەھەرلىك ھۆكۈمەت تور بېكىتىنىڭ «ھۆكۈمەت ئۇچۇرلىرىنى "
        "ئاشكارىلاش» سەھىپىسىدە ئېلان قىلىنغان. كۆڭۈل بۆلگىنىڭىزگە رەھمەت.",
        "ئابدۇرېھىم·تۇرسۇن",
        "abdurehim@example.com",
        "ug",
        40,
        3,
        None,
    ),
]


def load_published(session: SessionLike, report_sections: dict[str, int], admin: User) -> int:
    """Open, answer, close and publish the demo answers; return how many went public."""
    policy = policy_from_config(current_app.config, session=session)
    now = utcnow()
    for row in PUBLISHED:
        kind, anchor, subject, question, answer, name, email, locale, age, took, adopted = row
        opened = tickets.open_ticket(
            session,
            tickets.NewEnquiry(
                kind=kind,
                subject=subject,
                body=question,
                citizen_name=name,
                citizen_email=email,
                channel=Channel.WEB,
                locale=locale,
                report_section_id=report_sections.get(anchor),
                is_publication_consented=True,
            ),
            policy=policy,
            actor=audit.Actor.system(),
            now=now - timedelta(days=age),
        )
        answered = now - timedelta(days=age - took)
        recorded = _answer(session, opened.ticket, answer, admin, policy, answered, adopted)
        _publish(session, opened.ticket, admin, policy, answered + timedelta(days=1), recorded)
    return len(PUBLISHED)


def _answer(
    session: SessionLike,
    ticket: Ticket,
    answer: str,
    admin: User,
    policy: Policy,
    now: datetime,
    adopted: Adoption | None,
) -> SuggestionAdoption | None:
    """Answer and close the enquiry; a suggestion gets its adoption outcome."""
    actor = audit.Actor.staff(admin)
    handling.transfer(session, ticket, ticket.department, "由本办办理", actor=actor, now=now)
    handling.acknowledge(session, ticket, actor=actor, now=now)
    handling.start(session, ticket, actor=actor, now=now)
    handling.reply(session, ticket, answer, identity=policy.mail, actor=actor, now=now)
    recorded = None
    if adopted is not None:
        reason = "已在专题栏目中落实。"
        recorded = adoption.record_adoption(
            session, ticket, None, adopted, reason, actor=actor, now=now
        )
    handling.close(session, ticket, actor=actor, now=now)
    return recorded


def _publish(
    session: SessionLike,
    ticket: Ticket,
    admin: User,
    policy: Policy,
    now: datetime,
    recorded: SuggestionAdoption | None,
) -> None:
    """As the staff would: a redacted copy (every detected span hidden), submitted, approved.

    The demo has one staff account, the administrator, who may approve as a supervisor can.
    """
    marker = str(current_app.config["PUBLICATION_MARKER"])
    actor = audit.Actor.staff(admin)
    copy = publishing.prepare(
        session,
        ticket,
        None,
        calendar=policy.calendar,
        marker=marker,
        actor=actor,
        now=now,
        recorded=recorded,
    )
    publishing.submit(session, copy, needs_approval=True, actor=actor, now=now)
    publishing.approve(session, copy, actor=actor, now=now)
