"""Search on both databases: Chinese, Uyghur, English, references, ranking, scoping, sync."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import delete, func, inspect, select, text

from enquiry import audit
from enquiry.cli.search import search_cli
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Department, Kind, SearchDocument, Status, Ticket
from enquiry.search import index as search_index
from enquiry.search.tokenizer import Segment

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

# key: (subject, message, citizen name, locale)
ENQUIRIES = {
    "coal": (
        "煤改气专题的补贴标准在哪里查询？",
        "报告提到发布了《煤改气》专题栏目。请问居民煤改气的补贴标准和申请流程在哪里可以查到？",
        "王建国",
        "zh_Hans",
    ),
    "heating": (
        "供暖季空气质量数据",
        "去年冬天小区完成了煤改气，请问今年供暖季的空气质量监测数据在哪里公布？",
        "赵丽",
        "zh_Hans",
    ),
    "road": (
        "建议田字路施工信息按周更新",
        "田字路二期施工期间出行不便，建议在交通出行专题中每周公布封闭路段和公交改线信息。",
        "李晓梅",
        "zh_Hans",
    ),
    "fields": (
        "田间道路硬化",
        "村里的田间道路什么时候硬化？另外图书分类标准在哪里公开？",
        "孙强",
        "zh_Hans",
    ),
    "waste": (
        "垃圾分类试点小区有哪些？",
        "报告提到乌鲁木齐启动垃圾分类试点，请问试点小区名单和分类标准在哪里公开？",
        "买买提·艾力",
        "zh_Hans",
    ),
    "uyghur": (
        "دوكلاتنىڭ ئۇيغۇرچە نۇسخىسى بارمۇ؟",
        "2013-يىللىق ھۆكۈمەت ئۇچۇرلىرىنى ئاشكارىلاش دوكلاتىنىڭ "
        "ئۇيغۇرچە نۇسخىسىنى قەيەردىن تاپقىلى بولىدۇ؟",
        "ئايگۈل·مەمەت",
        "ug",
    ),
    "english": (
        "Website contact form did not answer",
        "I wrote to the portal's contact address about housing security twice and got no reply.",
        "Daniel Fischer",
        "en",
    ),
}


def open_enquiry(app: Flask, key: str) -> Ticket:
    subject, body, name, locale = ENQUIRIES[key]
    opened = tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=Kind.QUESTION,
            subject=subject,
            body=body,
            citizen_name=name,
            citizen_email=f"{key}@example.com",
            channel=Channel.WEB,
            locale=locale,
        ),
        policy=policy_from_config(app.config),
        actor=audit.Actor.citizen("192.0.2.1"),
        now=NOW,
    )
    return opened.ticket


@pytest.fixture
def opened(app: Flask) -> Iterator[dict[str, Ticket]]:
    """Every enquiry above, opened through the domain and committed; inside an app context."""
    with app.app_context():
        found = {key: open_enquiry(app, key) for key in ENQUIRIES}
        db.session.commit()
        yield found


def keys_found(
    opened: dict[str, Ticket], query: str, departments: set[int] | None = None
) -> list[str]:
    by_id = {ticket.id: key for key, ticket in opened.items()}
    hits = search_index.search(db.session, query, visible_department_ids=departments)
    return [by_id[hit.ticket.id] for hit in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("田字路", {"road"}),
        ("田字路二期", {"road"}),
        ("垃圾分类", {"waste"}),
        ("垃圾分类试点", {"waste"}),
        ("垃", {"waste"}),
        ("分类", {"waste", "fields"}),
        ("道路", {"fields"}),
        ("ئۇيغۇرچە", {"uyghur"}),
        ("نۇسخىسىنى", {"uyghur"}),
        ("website", {"english"}),
        ("CONTACT Form", {"english"}),
        ("王建国", {"coal"}),
        ("买买提", {"waste"}),
        ("煤改气 补贴", {"coal"}),
        ("煤改气 垃圾分类", set()),
        ("地铁", set()),
    ],
)
def test_queries_find_exactly_the_right_tickets(
    opened: dict[str, Ticket], query: str, expected: set[str]
) -> None:
    assert set(keys_found(opened, query)) == expected


def test_more_mentions_rank_higher(opened: dict[str, Ticket]) -> None:
    hits = search_index.search(db.session, "煤改气", visible_department_ids=None)
    assert [hit.ticket.id for hit in hits] == [opened["coal"].id, opened["heating"].id]
    assert hits[0].rank > hits[1].rank > 0


def test_a_reference_finds_its_ticket(opened: dict[str, Ticket]) -> None:
    road = opened["road"]
    assert keys_found(opened, road.reference) == ["road"]
    assert keys_found(opened, road.reference.lower()) == ["road"]
    number = road.reference.rsplit("-", 1)[1]
    assert keys_found(opened, number) == ["road"]
    assert keys_found(opened, f"{road.reference} 田字路") == ["road"]


def test_hits_carry_a_highlighted_snippet(opened: dict[str, Ticket]) -> None:
    (hit,) = search_index.search(db.session, "田字路", visible_department_ids=None)
    assert hit.snippet[0] == Segment("建议", False)
    assert Segment("田字路", True) in hit.snippet
    (hit,) = search_index.search(db.session, "公交", visible_department_ids=None)
    assert Segment("公交", True) in hit.snippet  # from the message, not the subject
    (hit,) = search_index.search(db.session, "王建国", visible_department_ids=None)
    assert hit.snippet == [Segment("王建国", True)]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '""',
        "*",
        "OR",
        "AND",
        "NOT",
        "NEAR(",
        "NEAR(煤改 改气, 2)",
        "'; DROP TABLE tickets; --",
        "-",
        "煤改气 -垃圾",
        "document:煤改气",
        "(煤改气",
        "煤改气)",
        "^煤改气",
        "煤改气*",
        "'",
        "\\",
        "😀",
        "!&|<->:*",
        "x" * 10_000,
    ],
)
def test_hostile_queries_never_raise(opened: dict[str, Ticket], query: str) -> None:
    hits = search_index.search(db.session, query, visible_department_ids=None)
    assert isinstance(hits, list)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == len(ENQUIRIES)


def test_a_query_without_tokens_finds_nothing(opened: dict[str, Ticket]) -> None:
    assert search_index.search(db.session, "，。！", visible_department_ids=None) == []


def test_results_are_limited_to_visible_departments(opened: dict[str, Ticket]) -> None:
    housing = Department(code="housing", name_zh="市住房局")
    db.session.add(housing)
    db.session.flush()
    opened["heating"].department = housing
    db.session.commit()
    egov = opened["coal"].department_id
    assert keys_found(opened, "煤改气", {egov}) == ["coal"]
    assert keys_found(opened, "煤改气", {housing.id}) == ["heating"]
    assert keys_found(opened, "煤改气", {egov, housing.id}) == ["coal", "heating"]
    assert keys_found(opened, "煤改气", set()) == []


def test_extra_conditions_narrow_the_results(opened: dict[str, Ticket]) -> None:
    opened["heating"].status = Status.ROUTED
    db.session.commit()
    hits = search_index.search(
        db.session, "煤改气", visible_department_ids=None, where=[Ticket.status == Status.ROUTED]
    )
    assert [hit.ticket.id for hit in hits] == [opened["heating"].id]


def test_the_limit_is_respected(opened: dict[str, Ticket]) -> None:
    assert len(search_index.search(db.session, "在哪里", visible_department_ids=None)) == 4
    assert len(search_index.search(db.session, "在哪里", visible_department_ids=None, limit=2)) == 2


def test_a_follow_up_becomes_searchable(app: Flask, opened: dict[str, Ticket]) -> None:
    assert keys_found(opened, "地铁站") == []
    tickets.add_citizen_follow_up(
        db.session,
        opened["road"],
        body="另外，地铁站出口也被围挡了。",
        attachments=(),
        actor=audit.Actor.citizen(),
        now=NOW,
        policy=policy_from_config(app.config),
    )
    assert keys_found(opened, "地铁站") == ["road"]  # in the same transaction, before commit
    db.session.commit()
    assert keys_found(opened, "地铁站") == ["road"]
    assert keys_found(opened, "田字路") == ["road"]


def test_editing_a_subject_or_message_reindexes(opened: dict[str, Ticket]) -> None:
    road = opened["road"]
    road.subject = "建议公布施工围挡信息"
    road.messages[0].body = "施工期间出行不便。"
    db.session.commit()
    assert keys_found(opened, "田字路") == []
    assert keys_found(opened, "围挡") == ["road"]


def test_a_rolled_back_ticket_leaves_no_document(app: Flask, opened: dict[str, Ticket]) -> None:
    again = open_enquiry(app, "road")
    assert set(keys_found(opened | {"again": again}, "田字路")) == {"road", "again"}
    db.session.rollback()
    assert keys_found(opened, "田字路") == ["road"]


def test_tickets_inserted_directly_are_indexed_and_can_be_deleted(app: Flask) -> None:
    with app.app_context():
        ticket = Ticket(
            reference="WLMQ-2024-000777",
            kind=Kind.QUESTION,
            status=Status.RECEIVED,
            channel=Channel.EMAIL,
            department_id=db.session.scalar(select(Department.id)),
            subject="关于煤改气补贴",
            citizen_name="张三",
            citizen_email="zhang@example.com",
            access_code_hash="0" * 64,
            received_on=date(2024, 5, 6),
        )
        db.session.add(ticket)
        db.session.commit()
        hits = search_index.search(db.session, "煤改气", visible_department_ids=None)
        assert [hit.ticket.reference for hit in hits] == ["WLMQ-2024-000777"]
        db.session.delete(ticket)
        db.session.commit()
        assert search_index.search(db.session, "煤改气", visible_department_ids=None) == []
        assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0


def test_reindex_command_rebuilds_every_document(app: Flask, opened: dict[str, Ticket]) -> None:
    db.session.execute(delete(SearchDocument))
    db.session.commit()
    assert keys_found(opened, "田字路") == []
    if "search" not in app.cli.commands:  # until the lead registers COMMANDS in enquiry/cli.py
        app.cli.add_command(search_cli)
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert f"Indexed {len(ENQUIRIES)} tickets and 0 published answers." in result.output
    db.session.expire_all()
    assert keys_found(opened, "田字路") == ["road"]
    assert keys_found(opened, "煤改气") == ["coal", "heating"]


def search_structures(app: Flask) -> list[tuple[str, str]]:
    """The FTS5 table and triggers (SQLite), or the tsvector column and its index (PostgreSQL)."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE name = 'search_fts'"
                    " OR (type = 'trigger' AND tbl_name = 'search_documents') ORDER BY name"
                )
            )
            return [(name, definition) for name, definition in rows]
        rows = connection.execute(
            text(
                "SELECT column_name, generation_expression FROM information_schema.columns"
                " WHERE table_name = 'search_documents' AND is_generated = 'ALWAYS'"
                " UNION ALL SELECT indexname, indexdef FROM pg_indexes"
                " WHERE tablename = 'search_documents' AND indexname = :name"
            ),
            {"name": search_index.GIN_INDEX},
        )
        return [(name, definition) for name, definition in rows]


def test_migrations_and_create_all_build_the_same_index(app: Flask, database_url: str) -> None:
    from_models = search_structures(app)
    assert len(from_models) == (4 if database_url.startswith("sqlite") else 2)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        if database_url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            Department.metadata.drop_all(db.engine)
            assert not inspect(db.engine).get_table_names()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert search_structures(app) == from_models


def test_search_works_on_a_migrated_database(make_app: Callable[..., Flask]) -> None:
    app = make_app(create_schema=False)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.flush()
        ticket = open_enquiry(app, "waste")
        db.session.commit()
        hits = search_index.search(db.session, "垃圾分类", visible_department_ids=None)
        assert [hit.ticket.id for hit in hits] == [ticket.id]
        assert search_index.search(db.session, "田字路", visible_department_ids=None) == []


def test_the_demo_enquiries_are_found_by_a_chinese_word(make_app: Callable[..., Flask]) -> None:
    app = make_app(DEMO_ADMIN_PASSWORD="a demo password for tests")
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        for query, subject in [
            ("煤改气", "煤改气专题的补贴标准在哪里查询？"),
            ("田字路", "建议田字路施工信息按周更新"),
            ("垃圾分类", "垃圾分类试点小区有哪些？"),
        ]:
            hits = search_index.search(db.session, query, visible_department_ids=None)
            assert subject in [hit.ticket.subject for hit in hits]  # published answers too
            for hit in hits:
                texts = [hit.ticket.subject, *(m.body for m in hit.ticket.messages)]
                assert any(query in text for text in texts), hit.ticket.subject


def test_only_the_newest_visible_matches_are_ranked(opened: dict[str, Ticket]) -> None:
    matching = sorted(
        (
            hit.ticket
            for hit in search_index.search(db.session, "在哪里", visible_department_ids=None)
        ),
        key=lambda ticket: ticket.id,
    )
    assert len(matching) == 4
    newest_two = {ticket.id for ticket in matching[-2:]}
    hits = search_index.search(db.session, "在哪里", visible_department_ids=None, candidates=2)
    assert {hit.ticket.id for hit in hits} == newest_two

    # The newest matches of other departments do not hide older ones the user may see.
    housing = Department(code="housing", name_zh="市住房局")
    db.session.add(housing)
    for ticket in matching[-2:]:
        ticket.department = housing
    db.session.commit()
    egov = matching[0].department_id
    hits = search_index.search(db.session, "在哪里", visible_department_ids={egov}, candidates=1)
    assert [hit.ticket.id for hit in hits] == [matching[1].id]
