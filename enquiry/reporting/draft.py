"""The draft of the whole annual report in the 2021 template's six parts.

Pure: the tables and figures are passed in. Parts 三 and 四 are the tables; the enquiry figures
(咨询, 建议, 投诉: received, answered, answered on time, satisfaction) become sentences in part
一; what only people can write is a `Field`, printed as a clearly marked gap 【待填写：…】 with a
note of what belongs there. The text is the report's own language (Chinese), like the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from enquiry.models import Kind, Rating
from enquiry.reporting import annual, table4
from enquiry.reporting.mailbox import TicketTimes

KIND_NAMES = {Kind.QUESTION: "咨询", Kind.SUGGESTION: "建议", Kind.COMPLAINT: "投诉"}
FIELD_MARK = "【待填写：{label}】"


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Field:
    """A part only people can write: a label, and what belongs there."""

    label: str
    hint: str
    kind: ClassVar[str] = "field"

    @property
    def marker(self) -> str:
        return FIELD_MARK.format(label=self.label)


@dataclass(frozen=True)
class TableThree:
    table: annual.AnnualTable
    kind: ClassVar[str] = "table3"

    @property
    def rows(self) -> list[annual.LayoutRow]:
        return annual.layout(self.table)


@dataclass(frozen=True)
class TableFour:
    table: table4.Table4
    kind: ClassVar[str] = "table4"


Block = Paragraph | Field | TableThree | TableFour


@dataclass(frozen=True)
class Part:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Draft:
    title: str
    intro: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class KindFigures:
    """One kind of enquiry over the year."""

    name: str
    received: int
    answered: int
    on_time: int  # answered by the due date


def kind_figures(tickets: Sequence[TicketTimes]) -> list[KindFigures]:
    """Received, answered and answered on time, for 咨询, 建议 and 投诉."""
    result = []
    for kind, name in KIND_NAMES.items():
        own = [t for t in tickets if t.kind is kind]
        answered = [t for t in own if t.answered_on is not None]
        on_time = [
            t
            for t in own
            if t.answered_on is not None and t.due_on is not None and t.answered_on <= t.due_on
        ]
        result.append(KindFigures(name, len(own), len(answered), len(on_time)))
    return result


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def enquiry_sentences(figures: Sequence[KindFigures], ratings: dict[Rating, int]) -> list[str]:
    """The enquiry figures as sentences of the report."""
    received = sum(f.received for f in figures)
    parts = "，".join(f"{f.name}{f.received}件" for f in figures)
    sentences = [f"全年通过网上信箱和电子邮件共受理群众咨询、建议、投诉{received}件，其中{parts}。"]
    answered = sum(f.answered for f in figures)
    on_time = sum(f.on_time for f in figures)
    detail = "；".join(
        f"{f.name}答复{f.answered}件，按期答复{f.on_time}件，"
        f"按期答复率{_share(f.on_time, f.received)}"
        for f in figures
    )
    sentences.append(
        f"已答复{answered}件，答复率{_share(answered, received)}；按期答复{on_time}件，"
        f"按期答复率{_share(on_time, received)}。分类看，{detail}。"
    )
    rated = sum(ratings.values())
    if rated:
        satisfied = ratings.get(Rating.SATISFIED, 0)
        basic = ratings.get(Rating.BASICALLY_SATISFIED, 0)
        sentences.append(
            f"回访评价{rated}件，其中满意{satisfied}件、基本满意{basic}件、"
            f"不满意{ratings.get(Rating.DISSATISFIED, 0)}件，"
            f"满意率（含基本满意）{_share(satisfied + basic, rated)}。"
        )
    else:
        sentences.append("本年度未收到回访评价。")
    return sentences


def application_sentence(table: annual.AnnualTable, remedies: table4.Table4) -> str:
    new = table.cell(annual.NEW, "total")
    carried = table.cell(annual.CARRIED_IN, "total")
    done = table.cell(annual.TOTAL, "total")
    out = table.cell(annual.CARRIED_OUT, "total")
    review = remedies.group(table4.REVIEW).total
    lawsuits = remedies.group(table4.DIRECT).total + remedies.group(table4.AFTER_REVIEW).total
    return (
        f"本年度新收政府信息公开申请{new}件，上年结转{carried}件，办结{done}件，"
        f"结转下年度继续办理{out}件；涉及政府信息公开的行政复议{review}件、行政诉讼{lawsuits}件"
        "（详见第三、四部分）。"
    )


def build_draft(
    *,
    year: int,
    office: str,
    table3: annual.AnnualTable,
    table_four: table4.Table4,
    tickets: Sequence[TicketTimes],
    ratings: dict[Rating, int],
    today: date,
) -> Draft:
    """Assemble the six parts for the year."""
    overview = (
        Field("总体情况概述", "本机关全年政府信息公开工作的总体情况、主要做法和成效。"),
        Paragraph(application_sentence(table3, table_four)),
        Paragraph("".join(enquiry_sentences(kind_figures(tickets), ratings))),
        Field("主动公开", "主动公开的主要内容、渠道和数量。"),
        Field("政府信息管理", "政府信息管理、公开平台建设、监督保障等情况。"),
    )
    return Draft(
        title=f"{office}{year}年政府信息公开工作年度报告",
        intro=(
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条规定编制，"
            f"所列数据统计期限为{year}年1月1日至{year}年12月31日。"
            f"第三、四部分及第一部分中的申请和留言办理数据由系统于{today.isoformat()}生成，"
            "其余标注“待填写”的内容由人工撰写。"
        ),
        parts=(
            Part("一、总体情况", overview),
            Part(
                "二、主动公开政府信息情况",
                (
                    Field(
                        "第二十条主动公开情况表",
                        "规章、规范性文件、行政许可、行政处罚、"
                        "行政强制、行政事业性收费等本年新制作、新公开、现行有效件数及处理决定数量。",
                    ),
                ),
            ),
            Part("三、收到和处理政府信息公开申请情况", (TableThree(table3),)),
            Part("四、政府信息公开行政复议、行政诉讼情况", (TableFour(table_four),)),
            Part(
                "五、存在的主要问题及改进情况",
                (
                    Field(
                        "存在的主要问题及改进情况",
                        "上年度问题的整改情况、本年度存在的问题和改进措施。",
                    ),
                ),
            ),
            Part(
                "六、其他需要报告的事项",
                (
                    Field(
                        "其他需要报告的事项",
                        "收取信息处理费情况、人大代表建议和政协提案办理情况等。",
                    ),
                ),
            ),
        ),
    )
