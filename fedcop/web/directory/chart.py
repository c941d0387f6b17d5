"""A community's spread over organisations or sectors as bars: what the chart and its table show.

Pure arithmetic, so the template only places numbers: each bar's length is its share of the
largest group (the longest bar fills the width), and its percentage is of all members.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedcop.i18n.current import _
from fedcop.store.people.spread import Share

# SVG units: the chart is 300 wide; each row has a label line above its bar.
WIDTH = 300
ROW_HEIGHT = 34
MAX_LABEL = 42


@dataclass(frozen=True)
class Bar:
    label: str  # full label, for the table
    short_label: str  # cut to fit the chart
    members: int
    percent: int  # of all members, rounded
    length: float  # SVG units
    y: int  # top of the row, SVG units
    stated: bool = True  # a label members stated (not "Not stated" or "Others")


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    total: int

    @property
    def description(self) -> str:
        """The chart in one sentence, for its <desc> (screen readers read this, not the bars)."""
        return "; ".join(f"{bar.label}: {bar.members} ({bar.percent}%)" for bar in self.bars)


def chart(shares: list[Share], others: int, total: int) -> Chart:
    # (label, members, stated): what members stated, then the rest, then those who said nothing
    rows = [(share.label, share.members, True) for share in shares if share.label]
    if others:
        rows.append((_("Others"), others, False))
    rows += [(_("Not stated"), share.members, False) for share in shares if not share.label]
    largest = max((members for _label, members, _stated in rows), default=0)
    bars = [
        Bar(
            label=label,
            short_label=label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…",
            members=members,
            percent=round(100 * members / total) if total else 0,
            length=round(WIDTH * 0.8 * members / largest, 1) if largest else 0.0,
            y=index * ROW_HEIGHT,
            stated=stated,
        )
        for index, (label, members, stated) in enumerate(rows)
    ]
    return Chart(bars, max(len(bars) * ROW_HEIGHT, ROW_HEIGHT), total)
