"""Bar charts drawn on the server as SVG geometry (the template writes the elements).

The drawing is 320 units wide, the narrowest phone, and scales with the page, so its labels
stay legible at 320 CSS pixels; each chart also has a title, a description with its numbers
in words, and the same numbers in a table beside it.

    +--+-------------------------------+
    |max|          ▆                   |   LEFT: room for the scale's labels
    |  |    ▂  ▄  █  ▃                 |   BOTTOM: room for the period labels,
    | 0+-------------------------------+   every `tick_every` bars
    |   Jan 2026     Apr 2026   ...
"""

from __future__ import annotations

from dataclasses import dataclass

from fedcop.services.health.series import shown_number

WIDTH = 320
HEIGHT = 150
LEFT = 30
RIGHT = 6
TOP = 12
BOTTOM = 22
GAP = 0.2  # the share of each bar's slot left empty


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    # The scale: its top value, where it is drawn, and the baseline.
    top_label: str
    top_y: float
    baseline_y: float
    left: float
    right: float


def bar_chart(points: list[tuple[str, float]], tick_every: int) -> Chart:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    top = max([value for _, value in points] + [0.0])
    scale = plot_height / top if top > 0 else 0.0
    slot = plot_width / max(len(points), 1)
    baseline = TOP + plot_height
    bars = [
        Bar(
            x=round(LEFT + i * slot + slot * GAP / 2, 2),
            y=round(baseline - value * scale, 2),
            width=round(slot * (1 - GAP), 2),
            height=round(value * scale, 2),
            label=label,
            value=value,
        )
        for i, (label, value) in enumerate(points)
    ]
    ticks = [
        Tick(round(LEFT + i * slot + slot / 2, 2), label)
        for i, (label, _value) in enumerate(points)
        if i % tick_every == 0
    ]
    return Chart(WIDTH, HEIGHT, bars, ticks, shown_number(top), TOP, baseline, LEFT, WIDTH - RIGHT)


# Category charts: one row per category, its name above a horizontal bar and the bar's number.
ROW = 30
LABEL_CHARS = 48  # longer names are cut (the table beside the chart has them whole)
VALUE_ROOM = 40


@dataclass(frozen=True)
class CategoryRow:
    label: str
    label_y: float
    bar_y: float
    bar_width: float
    value: str
    value_x: float


@dataclass(frozen=True)
class CategoryChart:
    width: int
    height: int
    left: float
    bar_height: float
    rows: list[CategoryRow]


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def category_chart(points: list[tuple[str, float]]) -> CategoryChart:
    top = max([value for _, value in points] + [0.0])
    room = WIDTH - RIGHT - VALUE_ROOM - 2
    rows = []
    for i, (label, value) in enumerate(points):
        width = round(room * value / top, 2) if top > 0 else 0.0
        rows.append(
            CategoryRow(
                _cut(label), i * ROW + 11, i * ROW + 14, width, shown_number(value), 2 + width + 4
            )
        )
    return CategoryChart(WIDTH, max(len(points), 1) * ROW, 2, 10, rows)
