"""Demonstration data for `make run`: departments, the 2013 report, an admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from flask import current_app

from enquiry import reports
from enquiry.accounts import create_user
from enquiry.models import Department, Role, SessionLike

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
    create_user(
        session,
        email=current_app.config["DEMO_ADMIN_EMAIL"],
        display_name="系统管理员",
        password=admin_password,
        role=Role.ADMIN,
        department=departments[0],
    )
