"""Geometry for small server-rendered SVG charts: bars and lines, with their data tables.

Pure: numbers in, shapes out. `templates/macros/charts.html` draws the shapes as they are, so
the page needs no JavaScript and no style attributes (the CSP forbids them): colours come from
CSS classes. Every chart carries its data as a table too, for screen readers and for checking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from enquiry.reporting.chart_shapes import (
    BOTTOM,
    HEIGHT,
    LABEL_WIDTH,
    LEFT,
    RIGHT,
    SERIES_CLASSES,
    TOP,
    WIDTH,
    Chart,
    DataTable,
    Gridline,
    Label,
    LegendEntry,
    Line,
    Marker,
    Number,
    Rect,
)


def format_number(value: Number | None) -> str:
    """Show a count as an integer and anything else with at most one decimal; None as –."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def scale(maximum: Number, steps: int = 4) -> tuple[float, float]:
    """Return a round top of the axis at or above maximum, and the step between gridlines."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if float(maximum).is_integer() and step < 1:
        step = 1.0
    return step * math.ceil(maximum / step), float(step)


def _ticks(top: float, step: float) -> list[float]:
    count = round(top / step)
    return [step * i for i in range(count + 1)]


def _series_css(index: int) -> str:
    return f"chart-series-{index % SERIES_CLASSES}"


def _value_gridlines(top: float, step: float) -> tuple[Gridline, ...]:
    """Horizontal gridlines of a vertical value axis."""
    plot_height = HEIGHT - TOP - BOTTOM
    lines = []
    for value in _ticks(top, step):
        y = HEIGHT - BOTTOM - plot_height * value / top
        lines.append(
            Gridline(LEFT, y, WIDTH - RIGHT, y, format_number(value), LEFT - 6, y + 4, "end")
        )
    return tuple(lines)


def _slots(count: int) -> tuple[float, list[float]]:
    """Return the width of a category's slot and the slots' centres along the x axis."""
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return slot, [LEFT + slot * (i + 0.5) for i in range(count)]


def _category_labels(names: Sequence[str], centres: Sequence[float]) -> tuple[Label, ...]:
    return tuple(
        Label(x, HEIGHT - BOTTOM + 18, name) for name, x in zip(names, centres, strict=True)
    )


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    values: Sequence[Number],
    *,
    value_heading: str,
    category_heading: str,
) -> Chart:
    """A vertical bar per category (e.g. per month)."""
    top, step = scale(max(values, default=0))
    slot, centres = _slots(len(categories))
    plot_height = HEIGHT - TOP - BOTTOM
    rects = []
    for name, value, x in zip(categories, values, centres, strict=True):
        height = plot_height * value / top
        rects.append(
            Rect(
                x - slot * 0.35,
                HEIGHT - BOTTOM - height,
                slot * 0.7,
                height,
                "chart-bar",
                f"{name}: {format_number(value)}",
            )
        )
    table = DataTable(
        title,
        (category_heading, value_heading),
        tuple((name, format_number(v)) for name, v in zip(categories, values, strict=True)),
    )
    return Chart(
        chart_id,
        title,
        desc,
        table,
        gridlines=_value_gridlines(top, step),
        labels=_category_labels(categories, centres),
        rects=tuple(rects),
    )


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number | None]]],
    *,
    category_heading: str,
) -> Chart:
    """A line per series over the categories; a missing value (None) breaks the line."""
    known = [v for _, values in series for v in values if v is not None]
    top, step = scale(max(known, default=0))
    _, centres = _slots(len(categories))
    plot_height = HEIGHT - TOP - BOTTOM
    lines, markers = [], []
    for index, (name, values) in enumerate(series):
        css = _series_css(index)
        segment: list[str] = []
        for category, value, x in zip(categories, values, centres, strict=True):
            if value is None:
                lines.extend(_finish(segment, css))
                segment = []
                continue
            y = HEIGHT - BOTTOM - plot_height * value / top
            segment.append(f"{x:.1f},{y:.1f}")
            markers.append(Marker(x, y, css, f"{name}, {category}: {format_number(value)}"))
        lines.extend(_finish(segment, css))
    rows = tuple(
        (category, *(format_number(values[i]) for _, values in series))
        for i, category in enumerate(categories)
    )
    table = DataTable(title, (category_heading, *(name for name, _ in series)), rows)
    return Chart(
        chart_id,
        title,
        desc,
        table,
        gridlines=_value_gridlines(top, step),
        labels=_category_labels(categories, centres),
        lines=tuple(lines),
        markers=tuple(markers),
        legend=tuple(LegendEntry(name, _series_css(i)) for i, (name, _) in enumerate(series)),
    )


def _finish(segment: list[str], css: str) -> list[Line]:
    return [Line(" ".join(segment), css)] if segment else []


def hbar_chart(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    values: Sequence[Number],
    *,
    value_heading: str,
    category_heading: str,
    classes: Sequence[str] = (),
) -> Chart:
    """A horizontal bar per category, for long names (departments, ratings).

    classes gives each bar its CSS class (e.g. good / bad); by default the series colours.
    """
    row_height = 28
    height = TOP + BOTTOM + row_height * max(len(categories), 1)
    left, plot_width = LABEL_WIDTH, WIDTH - LABEL_WIDTH - RIGHT
    top, step = scale(max(values, default=0))
    gridlines = tuple(
        Gridline(
            left + plot_width * v / top,
            TOP,
            left + plot_width * v / top,
            height - BOTTOM,
            format_number(v),
            left + plot_width * v / top,
            height - BOTTOM + 16,
            "middle",
        )
        for v in _ticks(top, step)
    )
    rects, labels = [], []
    for i, (name, value) in enumerate(zip(categories, values, strict=True)):
        y = TOP + row_height * i
        rects.append(
            Rect(
                left,
                y + 4,
                plot_width * value / top,
                row_height - 8,
                classes[i] if i < len(classes) else _series_css(i),
                f"{name}: {format_number(value)}",
            )
        )
        labels.append(Label(left - 8, y + row_height / 2 + 4, name, "end"))
    table = DataTable(
        title,
        (category_heading, value_heading),
        tuple((name, format_number(v)) for name, v in zip(categories, values, strict=True)),
    )
    return Chart(
        chart_id,
        title,
        desc,
        table,
        height=height,
        gridlines=gridlines,
        labels=tuple(labels),
        rects=tuple(rects),
    )
