"""Demonstration data for `make run`: departments, the 2013 report, an admin, enquiries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from flask import current_app

from enquiry import audit, reports, tickets
from enquiry.accounts import create_user
from enquiry.models import (
    ApplicantType,
    Channel,
    DeliveryForm,
    Department,
    Kind,
    Role,
    SessionLike,
    utcnow,
)
from enquiry.policy import policy_from_config

DATA = Path(__file__).parent / "data"
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
    progress(f"Enquiries: {load_enquiries(session, sections)}")
    create_user(
        session,
        email=current_app.config["DEMO_ADMIN_EMAIL"],
        display_name="系统管理员",
        password=admin_password,
        role=Role.ADMIN,
        department=departments[0],
    )


# kind, section anchor, subject, message, name, e-mail, locale
ENQUIRIES = [
    (
        Kind.QUESTION,
        "s2-i4",
        "煤改气专题的补贴标准在哪里查询？",
        "报告提到发布了《煤改气》专题栏目。请问居民煤改气的补贴标准和申请流程在哪里可以查到？",
        "王建国",
        "wang.jianguo@example.com",
        "zh_Hans",
    ),
    (
        Kind.SUGGESTION,
        "s2-i3",
        "建议田字路施工信息按周更新",
        "田字路二期施工期间出行不便，建议在交通出行专题中每周公布封闭路段和公交改线信息。",
        "李晓梅",
        "li.xiaomei@example.com",
        "zh_Hans",
    ),
    (
        Kind.QUESTION,
        "s2-i4",
        "垃圾分类试点小区有哪些？",
        "报告提到乌鲁木齐启动垃圾分类试点，请问试点小区名单和分类标准在哪里公开？",
        "买买提·艾力",
        "maimaiti@example.com",
        "zh_Hans",
    ),
    (
        Kind.INFO_APPLICATION,
        "s1-2",
        "申请公开政府信息公开查阅点名单",
        "请提供市、区（县）两级政府信息公开查阅点的地址和开放时间。",
        "新疆某律师事务所",
        "office@lawfirm.example.cn",
        "zh_Hans",
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
    ),
    (
        Kind.COMPLAINT,
        "s3-3",
        "Website contact form did not answer",
        "I wrote to the portal's contact address about housing security twice and got no reply.",
        "Daniel Fischer",
        "d.fischer@example.org",
        "en",
    ),
]


def load_enquiries(session: SessionLike, report_sections: dict[str, int]) -> int:
    """Open the demo enquiries through the same domain verb as the web form."""
    policy = policy_from_config(current_app.config, session=session)
    for kind, anchor, subject, body, name, email, locale in ENQUIRIES:
        is_application = kind is Kind.INFO_APPLICATION
        tickets.open_ticket(
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
            now=utcnow(),
        )
    return len(ENQUIRIES)
