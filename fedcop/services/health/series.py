"""A figure over time, as the page's chart and table and the CSV show it: one row per period,
one or more columns of numbers; the chart draws the first column."""

from __future__ import annotations

from dataclasses import dataclass

Number = int | float | None


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Series:
    # Its name in URLs: /c/NAME/manage/health.csv?metric=KEY
    key: str
    title: str
    # One sentence: what is counted, and how (the chart's description for screen readers).
    description: str
    # "Month" or "Week", and the columns' headings.
    period: str
    columns: tuple[str, ...]
    rows: list[Row]

    @property
    def charted(self) -> list[tuple[str, float]]:
        return [(row.label, float(row.values[0] or 0)) for row in self.rows]

    @property
    def summary(self) -> str:
        """The chart's numbers in words, for its text alternative."""
        values = [value for _, value in self.charted]
        if not values:
            return "No figures."
        top = max(values)
        peak = next(label for label, value in self.charted if value == top)
        total = sum(values)
        return (
            f"{self.columns[0]}: {_shown(total)} in all, at most {_shown(top)} ({peak}); "
            f"{self.rows[-1].label}: {_shown(values[-1])}."
        )


def _shown(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
