"""Splitting a report by its own numbering, on the seed report and on small texts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from enquiry.rules.report_split import (
    HEADING_MAX,
    EmptyReportError,
    SplitReport,
    chinese_numeral,
    published_on,
    short_heading,
    split_report,
)

SEED = Path(__file__).resolve().parents[2] / "enquiry" / "data" / "report-2013.txt"
JUNK = ("附件下载", "相关链接", "【字体", "浏览次数", "发布时间")


@pytest.fixture(scope="module")
def seed() -> SplitReport:
    return split_report(SEED.read_text(encoding="utf-8"))


def by_anchor(report: SplitReport) -> dict[str, tuple[str, int, str]]:
    return {s.anchor: (s.number, s.level, s.heading) for s in report.sections}


def test_seed_title_and_publication_date(seed: SplitReport) -> None:
    assert seed.title == "乌鲁木齐市人民政府机关2013年度政府信息公开工作报告"
    assert seed.published_on == date(2014, 3, 10)


def test_seed_sections_in_order_with_stable_anchors(seed: SplitReport) -> None:
    assert [s.anchor for s in seed.sections] == [
        "intro",
        "s1",
        "s1-1",
        "s1-2",
        "s1-3",
        "s2",
        "s2-i1",
        "s2-i2",
        "s2-i3",
        "s2-i4",
        "s3",
        "s3-1",
        "s3-2",
        "s3-3",
        "closing",
    ]


def test_seed_numbers_levels_and_headings(seed: SplitReport) -> None:
    sections = by_anchor(seed)
    assert sections["intro"] == ("", 1, "前言")
    assert sections["s1"] == ("一、", 1, "概述")
    assert sections["s1-1"] == ("(一)", 2, "加强领导,健全机构")
    assert sections["s1-2"] == ("(二)", 2, "进一步完善信息公开制度")
    assert sections["s1-3"] == ("(三)", 2, "不断扩大信息公开范围")
    assert sections["s2"] == ("二、", 1, "主动公开政府信息情况")
    first_point = "以实施政府网站信息安全等级保护和网站群升级改造项目为契机"
    assert sections["s2-i1"] == ("一是", 2, first_point)
    assert sections["s2-i2"] == ("二是", 2, "开展了政府网站群后台维护及信息公开培训工作")
    assert sections["s3"] == ("三、", 1, "工作存在的主要问题和改进措施")
    # A first sentence too long for a heading stays whole in the body.
    assert sections["s3-1"] == ("(一)", 2, "进一步健全和完善政府信息公开制度")
    assert sections["closing"] == ("", 1, "结束语")
    assert all(len(s.heading) <= HEADING_MAX for s in seed.sections)


def test_seed_bodies(seed: SplitReport) -> None:
    sections = {s.anchor: s for s in seed.sections}
    assert sections["intro"].paragraphs[0].startswith("根据《中华人民共和国政府信息公开条例》")
    assert len(sections["intro"].paragraphs) == 1
    assert sections["s1"].paragraphs[0].startswith("政府信息公开是转变政府职能")
    assert sections["s1-1"].paragraphs[0].startswith("按照国务院、自治区的安排部署")
    assert sections["s2"].paragraphs == ()
    # An enumerated point keeps its whole paragraph; the unnumbered one after it belongs to it.
    assert sections["s2-i1"].paragraphs[0].startswith("以实施政府网站信息安全等级保护")
    assert len(sections["s2-i4"].paragraphs) == 2
    assert sections["s2-i4"].paragraphs[1].startswith("发布了《回眸2012》")
    assert sections["s3"].paragraphs[0].startswith("2013年乌鲁木齐市政府信息公开工作虽然")
    assert sections["s3-1"].paragraphs == (
        "进一步健全和完善政府信息公开制度,规范公开内容,提高公开质量,"
        "促进政府信息公开工作的制度化和规范化。",
    )
    closing = sections["closing"].paragraphs
    assert len(closing) == 3
    assert closing[0].startswith("本报告内容主要为")
    assert closing[-1] == "以上报告,欢迎社会各界对我们的工作提出建议和意见。"
    assert sections["closing"].body == "\n\n".join(closing)


def test_seed_has_no_junk_and_no_lost_text(seed: SplitReport) -> None:
    text = "\n".join(p for s in seed.sections for p in s.paragraphs)
    for junk in JUNK:
        assert junk not in text
    assert all(p == p.strip() and p for s in seed.sections for p in s.paragraphs)
    assert "人事任免等信息2.42万余条" in text


def test_full_width_and_ascii_parentheses() -> None:
    report = split_report(
        "标题\n一、总体情况\n（一）全角括号。正文一。\n(二)半角括号。正文二。\n（ 三 ）带空格。\n"
    )
    assert by_anchor(report) == {
        "s1": ("一、", 1, "总体情况"),
        "s1-1": ("（一）", 2, "全角括号"),
        "s1-2": ("(二)", 2, "半角括号"),
        "s1-3": ("（ 三 ）", 2, "带空格"),
    }
    assert report.sections[1].paragraphs == ("正文一。",)


NUMERALS = {"一": 1, "十": 10, "十一": 11, "十二": 12, "二十": 20, "二十三": 23, "九十九": 99}
NUMERALS |= {"一百": 100, "一百零五": 105, "一百二十": 120}


@pytest.mark.parametrize(("numeral", "value"), NUMERALS.items())
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert chinese_numeral(numeral) == value


def test_numerals_beyond_ten_make_anchors() -> None:
    parts = "\n".join(f"{n}、第{n}部分" for n in "一二三四五六七八九十")
    text = f"标题\n{parts}\n十一、第十一部分\n（十二）小节。\n十二是要点,说明。\n二十、第二十部分\n"
    anchors = [s.anchor for s in split_report(text).sections]
    assert anchors[-4:] == ["s11", "s11-12", "s11-12-i12", "s20"]


def test_points_nest_under_sub_parts_and_levels_follow_depth() -> None:
    text = "标题\n一、部分\n（一）小节。正文。\n一是第一个要点,内容。\n二是第二个要点,内容。\n"
    sections = by_anchor(split_report(text))
    assert sections["s1-1-i1"] == ("一是", 3, "第一个要点")
    assert sections["s1-1-i2"] == ("二是", 3, "第二个要点")


def test_repeated_numbers_get_unique_anchors() -> None:
    text = "标题\n一、甲\n一、乙\n"
    assert [s.anchor for s in split_report(text).sections] == ["s1", "s1-r2"]


def test_numbering_without_top_level_parts() -> None:
    text = "标题\n导语。\n(一)第一项。内容。\n一是要点,内容。\n"
    sections = by_anchor(split_report(text))
    assert list(sections) == ["intro", "s0-1", "s0-1-i1"]
    assert sections["s0-1"][1] == 1
    assert sections["s0-1-i1"][1] == 2


def test_text_without_numbering_is_one_section() -> None:
    text = "\ufeff  某某报告  \r\n\r\n第一段。\r\n\r\n第二段。\r\n附件下载:\r\n链接\r\n"
    report = split_report(text)
    assert report.title == "某某报告"
    assert report.published_on is None
    assert len(report.sections) == 1
    assert report.sections[0].anchor == "intro"
    assert report.sections[0].paragraphs == ("第一段。", "第二段。")


def test_bare_last_part_keeps_its_paragraphs() -> None:
    report = split_report("标题\n一、其他\n第一段。\n第二段。\n")
    assert [s.anchor for s in report.sections] == ["s1"]
    assert report.sections[0].body == "第一段。\n\n第二段。"


def test_empty_text_is_an_error() -> None:
    with pytest.raises(EmptyReportError):
        split_report(" \n\u3000\n")


def test_short_heading_keeps_quotes_whole_and_truncates() -> None:
    assert short_heading("以“发布、服务,互动”为定位,其他") == "以“发布、服务,互动”为定位"
    assert short_heading("同时,加强培训,提高能力") == "同时,加强培训"
    assert short_heading("信息1,083条,其他") == "信息1,083条"
    long = short_heading("很" * 60)
    assert len(long) == HEADING_MAX
    assert long.endswith("…")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间:2014-03-10 浏览次数", date(2014, 3, 10)),
        ("发布日期：2015年1月5日", date(2015, 1, 5)),
        ("发布时间:2014-13-40", None),
        ("没有日期", None),
    ],
)
def test_published_on(text: str, expected: date | None) -> None:
    assert published_on(text) == expected
