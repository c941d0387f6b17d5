"""A figure over time, as the page's chart and table and the CSV show it: one row per period,
one or more columns of numbers; the chart draws the first column."""

from __future__ import annotations

from dataclasses import dataclass

from fedcop.i18n.current import _, written_number

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
        values = [value for _label, value in self.charted]
        if not values:
            return _("No figures.")
        top = max(values)
        peak = next(label for label, value in self.charted if value == top)
        return _(
            "%(what)s: %(total)s in all, at most %(top)s (%(peak)s); %(last)s: %(latest)s.",
            what=self.columns[0],
            total=shown_number(sum(values)),
            top=shown_number(top),
            peak=peak,
            last=self.rows[-1].label,
            latest=shown_number(values[-1]),
        )


def shown_number(value: float) -> str:
    """A figure the reader's way: whole, or to one decimal ("6", "2.5", "2,5" in French)."""
    return written_number(int(value) if value == int(value) else round(value, 1))
