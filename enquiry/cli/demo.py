"""Demonstration data for `make run`: departments, the 2013 report, an admin, enquiries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app

from enquiry import audit
from enquiry.cli import demo_published
from enquiry.domain import handling, reports, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.admin import replies
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.models import (
    ApplicantType,
    Channel,
    DeliveryForm,
    Department,
    Kind,
    Role,
    SessionLike,
    Ticket,
    User,
    utcnow,
)

DATA = Path(__file__).parents[1] / "data"
SEED_REPORT = DATA / "report-2013.txt"
SEED_SOURCE_URL = "http://www.urumqi.gov.cn"
SEED_PUBLISHED_ON = date(2014, 3, 10)

DEPARTMENTS = [
    # code, Chinese, English, Uyghur, is_default
    (
        "egov",
        "市政府办公厅电子政务办公室",
        "E-Government Office, Municipal Government General Office",
        "شەھەرلىك ھۆكۈمەت ئىشخانىسى ئېلېكترونلۇق ھۆكۈمەت ئىشخانىسى",
        True,
    ),
    (
        "archives",
        "市档案馆",
        "Municipal Archives",
        "شەھەرلىك ئارخىپخانا",
        False,
    ),
    (
        "transport",
        "市交通运输局",
        "Municipal Transport Bureau",
        "شەھەرلىك قاتناش-تىرانسپورت ئىدارىسى",
        False,
    ),
    (
        "housing",
        "市住房保障和房产管理局",
        "Municipal Housing Security and Property Bureau",
        "شەھەرلىك تۇرالغۇ كاپالىتى ۋە ئۆي-مۈلۈك باشقۇرۇش ئىدارىسى",
        False,
    ),
    (
        "environment",
        "市生态环境局",
        "Municipal Ecology and Environment Bureau",
        "شەھەرلىك ئېكولوگىيە ۋە مۇھىت ئىدارىسى",
        False,
    ),
    (
        "finance",
        "市财政局",
        "Municipal Finance Bureau",
        "شەھەرلىك مالىيە ئىدارىسى",
        False,
    ),
]


def load(session: SessionLike, *, admin_password: str, progress: Callable[[str], object]) -> None:
    """Load departments, the seed report and the demo admin."""
    departments = [
        Department(code=code, name_zh=zh, name_en=en, name_ug=ug, is_default=default)
        for code, zh, en, ug, default in DEPARTMENTS
    ]
    session.add_all(departments)
    session.flush()
    progress(f"Departments: {len(departments)}")
    report = reports.import_report(
        session,
        SEED_REPORT.read_text(encoding="utf-8"),
        year=2013,
        source_url=SEED_SOURCE_URL,
        published_on=SEED_PUBLISHED_ON,
    )
    progress(f"Report {report.year}: {len(report.sections)} sections")
    sections = {section.anchor: section.id for section in report.sections}
    admin = create_user(
        session,
        email=current_app.config["DEMO_ADMIN_EMAIL"],
        display_name="系统管理员",
        password=admin_password,
        role=Role.ADMIN,
        department=departments[0],
    )
    progress(f"Enquiries: {load_enquiries(session, sections, admin)}")
    progress(f"Published answers: {demo_published.load_published(session, sections, admin)}")
    progress(f"Canned replies: {load_canned_replies(session, admin)}")


# kind, section anchor, subject, message, name, e-mail, locale, received how many days ago.
# The ages give the demo a ticket already overdue (the worker escalates it on its first pass),
# one nearly due, and an information application that was answered and concluded.
ENQUIRIES = [
    (
        Kind.QUESTION,
        "s2-i4",
        "煤改气专题的补贴标准在哪里查询？",
        "报告提到发布了《煤改气》专题栏目。请问居民煤改气的补贴标准和申请流程在哪里可以查到？",
        "王建国",
        "wang.jianguo@example.com",
        "zh_Hans",
        0,
    ),
    (
        Kind.SUGGESTION,
        "s2-i3",
        "建议田字路施工信息按周更新",
        "田字路二期施工期间出行不便，建议在交通出行专题中每周公布封闭路段和公交改线信息。",
        "李晓梅",
        "li.xiaomei@example.com",
        "zh_Hans",
        3,
    ),
    (
        Kind.QUESTION,
        "s2-i4",
        "垃圾分类试点小区有哪些？",
        "报告提到乌鲁木齐启动垃圾分类试点，请问试点小区名单和分类标准在哪里公开？",
        "买买提·艾力",
        "maimaiti@example.com",
        "zh_Hans",
        14,
    ),
    (
        Kind.INFO_APPLICATION,
        "s1-2",
        "申请公开政府信息公开查阅点名单",
        "请提供市、区（县）两级政府信息公开查阅点的地址和开放时间。",
        "新疆某律师事务所",
        "office@lawfirm.example.cn",
        "zh_Hans",
        30,
    ),
    (
        Kind.QUESTION,
        "intro",
        "دوكلاتنىڭ ئۇيغۇرچە نۇسخىسى بارمۇ؟",
        "2013-يىللىق ھۆكۈمەت ئۇچۇرلىرىنى ئاشكارىلاش دوكلاتىنىڭ "
        "ئۇيغۇرچە نۇسخىسىنى قەيەردىن تاپقىلى بولىدۇ؟",
        "ئايگۈل·مەمەت",
        "aygul@example.com",
        "ug",
        1,
    ),
    (
        Kind.COMPLAINT,
        "s3-3",
        "Website contact form did not answer",
        "I wrote to the portal's contact address about housing security twice and got no reply.",
        "Daniel Fischer",
        "d.fischer@example.org",
        "en",
        18,
    ),
]


def load_enquiries(session: SessionLike, report_sections: dict[str, int], admin: User) -> int:
    """Open the demo enquiries through the same domain verbs as the web form and the staff."""
    policy = policy_from_config(current_app.config, session=session)
    now = utcnow()
    for kind, anchor, subject, body, name, email, locale, age in ENQUIRIES:
        is_application = kind is Kind.INFO_APPLICATION
        opened = tickets.open_ticket(
            session,
            tickets.NewEnquiry(
                kind=kind,
                subject=subject,
                body=body,
                citizen_name=name,
                citizen_email=email,
                channel=Channel.WEB,
                locale=locale,
                report_section_id=report_sections.get(anchor),
                applicant_type=ApplicantType.LEGAL_SERVICES if is_application else None,
                info_description=body if is_application else None,
                delivery_form=DeliveryForm.EMAIL if is_application else None,
            ),
            policy=policy,
            actor=audit.Actor.system(),
            now=now - timedelta(days=age),
        )
        if is_application:
            conclude(session, opened.ticket, admin, policy, now - timedelta(days=age - 10))
    return len(ENQUIRIES)


def conclude(
    session: SessionLike, ticket: Ticket, admin: User, policy: Policy, now: datetime
) -> None:
    """Answer and conclude an application as the office would (予以公开)."""
    actor = audit.Actor.staff(admin)
    handling.transfer(session, ticket, ticket.department, "由本办办理", actor=actor, now=now)
    handling.acknowledge(session, ticket, actor=actor, now=now)
    handling.start(session, ticket, actor=actor, now=now)
    handling.reply(session, ticket, CONCLUDED_ANSWER, identity=policy.mail, actor=actor, now=now)
    handling.close(session, ticket, actor=actor, now=now, outcome="disclosed")


CONCLUDED_ANSWER = (
    "您好！市、区（县）两级政府信息公开查阅点共 9 个，名单、地址和开放时间已在市政府门户网站"
    "“政府信息公开”栏目公开，现随函告知查阅方式。感谢您对政府信息公开工作的关注。"
)


# title, body, locale: a starter set for the composer. No greeting: the reply mail opens with
# "尊敬的…" / "Dear …" itself. Placeholders are filled from the ticket when inserted.
CANNED_REPLIES = [
    (
        "已受理，正在办理",
        "您的来信（编号 {reference}）已收悉，我们正在办理，将于 {due_date} 前答复您。",
        "zh_Hans",
    ),
    (
        "信息已公开：指引查询",
        "您咨询的内容已在市政府门户网站“政府信息公开”栏目（{section}）公开，"
        "可按栏目名称检索查阅。感谢您对政府信息公开工作的关注。",
        "zh_Hans",
    ),
    (
        "已转有关部门",
        "您反映的问题（编号 {reference}）属于其他部门职责，我们已转交有关部门办理，"
        "办理结果将通过本平台告知您。",
        "zh_Hans",
    ),
    (
        "感谢建议",
        "感谢您提出的宝贵建议。我们已将建议转送有关部门研究，并将在今后的工作中认真参考。",
        "zh_Hans",
    ),
    (
        "ئىلتىماس قوبۇل قىلىندى",
        "خېتىڭىز ({reference}) تاپشۇرۇۋېلىندى، بىر تەرەپ قىلىنىۋاتىدۇ. "
        "{due_date} دىن بۇرۇن جاۋاب بېرىمىز.",
        "ug",
    ),
    (
        "ئۇچۇر ئاشكارىلانغان",
        "سىز سورىغان ئۇچۇر شەھەرلىك ھۆكۈمەت تور بېكىتىنىڭ «ھۆكۈمەت ئۇچۇرلىرىنى ئاشكارىلاش» "
        "سەھىپىسىدە ({section}) ئېلان قىلىنغان. كۆڭۈل بۆلگىنىڭىزگە رەھمەت.",
        "ug",
    ),
    (
        "Received, being handled",
        "Your enquiry {reference} has been received and is being handled. "
        "We will answer by {due_date}.",
        "en",
    ),
    (
        "Information already published",
        "The information you asked about is published on the municipal government portal, "
        "under Government Information Disclosure ({section}). Thank you for your interest.",
        "en",
    ),
]


def load_canned_replies(session: SessionLike, admin: User) -> int:
    """Create the starter set of canned replies (every department may use them)."""
    actor, now = audit.Actor.staff(admin), utcnow()
    for title, body, locale in CANNED_REPLIES:
        fields = replies.ReplyFields(title=title, body=body, locale=locale)
        replies.create_reply(session, fields, actor=actor, now=now)
    return len(CANNED_REPLIES)
