"""Line breaking for Chinese text in the letters: simple kinsoku (禁则).

Closing punctuation (，。、；：！？）」』》 …) never starts a line and opening punctuation
(（「『《“) never ends one: when the next character would be such a mark, the character before it
moves down with it. Runs of Latin letters and digits (a reference, a date) stay whole when they
fit on a line; spaces are break opportunities and vanish at a break. Pure: no fpdf, no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NO_START = frozenset("，。、；：！？）」』》〉】〕〗〙〛’”…‥·ー々〻ゝゞ・,.;:!?)]}%")
NO_END = frozenset("（「『《〈【〔〖〘〚‘“([{")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_UNITS = re.compile(r"[A-Za-z0-9@._\-/+]+| |.", re.DOTALL)

Measure = Callable[[str], float]


def has_cjk(text: str) -> bool:
    """True when the text holds Chinese characters or full-width punctuation."""
    return CJK.search(text) is not None


def _units(text: str, width: float, measure: Measure) -> list[str]:
    units: list[str] = []
    for unit in _UNITS.findall(text):
        if len(unit) > 1 and measure(unit) > width:
            units.extend(unit)  # a run longer than a line is broken anywhere
        else:
            units.append(unit)
    return units


def _paragraph(text: str, width: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    line: list[str] = []
    for unit in _units(text, width, measure):
        if not line and unit == " ":
            continue
        if not line or measure("".join(line) + unit) <= width:
            line.append(unit)
            continue
        if unit == " ":
            lines.append("".join(line).rstrip())
            line = []
            continue
        carried: list[str] = []
        if unit in NO_START:
            while len(line) > 1 and line[-1] in NO_START:
                carried.insert(0, line.pop())
            if len(line) > 1:
                carried.insert(0, line.pop())
        while len(line) > 1 and line[-1] in NO_END:
            carried.insert(0, line.pop())
        lines.append("".join(line).rstrip())
        line = [*carried, unit]
    if line or not lines:
        lines.append("".join(line).rstrip())
    return lines


def break_lines(text: str, width: float, measure: Measure) -> list[str]:
    """Break the text into lines no wider than `width` (as `measure` says), with kinsoku."""
    return [line for part in text.split("\n") for line in _paragraph(part, width, measure)]
