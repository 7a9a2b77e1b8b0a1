"""The shapes of a small SVG chart, as `templates/macros/charts.html` draws them, and its size.

Pure data: `enquiry.reporting.charts` computes them from numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 260
TOP, RIGHT, BOTTOM, LEFT = 12, 16, 40, 48
LABEL_WIDTH = 170  # room for category names in horizontal bar charts
SERIES_CLASSES = 6  # chart-series-0 ... chart-series-5 in app.css

Number = int | float


@dataclass(frozen=True)
class Gridline:
    """A gridline with its value label."""

    x1: float
    y1: float
    x2: float
    y2: float
    text: str
    text_x: float
    text_y: float
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # shown as a tooltip


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y ..." for a polyline
    css: str


@dataclass(frozen=True)
class Marker:
    cx: float
    cy: float
    css: str
    title: str


@dataclass(frozen=True)
class LegendEntry:
    name: str
    css: str


@dataclass(frozen=True)
class DataTable:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """Everything the macro draws for one chart."""

    id: str
    title: str
    desc: str
    table: DataTable
    width: int = WIDTH
    height: int = HEIGHT
    gridlines: tuple[Gridline, ...] = ()
    labels: tuple[Label, ...] = ()
    rects: tuple[Rect, ...] = ()
    lines: tuple[Line, ...] = ()
    markers: tuple[Marker, ...] = ()
    legend: tuple[LegendEntry, ...] = field(default=())

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"
