"""The ranking table, defined once: the page renders it and the CSV and Excel exports write it,
so an export holds exactly the rows, columns and values the user sees."""

import csv
import io
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .selectors import MetricsResult, MetricsRow

MISSING = "—"


@dataclass(frozen=True)
class Column:
    name: str  # a MetricsRow attribute
    header: str | Promise  # gettext_lazy: translated when shown
    kind: str  # "text", "count", "rate" or "hours"
    # For rates: the counts the rate is made of, shown on hover and in the tiles.
    numerator: str = ""
    denominator: str = ""


COLUMNS = (
    Column("label", gettext_lazy("Group"), "text"),
    Column("intake", gettext_lazy("Intake"), "count"),
    Column("response_rate", gettext_lazy("Response rate"), "rate", "responded_in_time", "response_due"),
    Column("on_time_rate", gettext_lazy("On-time resolution rate"), "rate", "on_time", "due"),
    Column("resolution_rate", gettext_lazy("Resolution rate"), "rate", "accepted_resolved", "accepted"),
    Column(
        "satisfaction_rate",
        gettext_lazy("Satisfaction rate"),
        "rate",
        "satisfied_or_basically",
        "rated",
    ),
    Column("rework_rate", gettext_lazy("Rework rate"), "rate", "reopened", "resolved"),
    Column("avg_hours", gettext_lazy("Average handling time (hours)"), "hours"),
    Column("avg_working_hours", gettext_lazy("Average handling time (working hours)"), "hours"),
    Column("repeat_rate", gettext_lazy("Repeat complaint rate"), "rate", "repeats", "intake"),
)


RANK = Column("rank", gettext_lazy("Rank"), "count")


def value_of(row: MetricsRow, name: str):
    if name == "satisfied_or_basically":
        return row.satisfied + row.basically_satisfied
    return getattr(row, name)


def display(column: Column, value) -> str:
    if value is None:
        return MISSING
    if column.kind == "rate":
        return f"{value * 100:.1f}%"
    if column.kind == "hours":
        return f"{value:.1f}"
    return str(value)


@dataclass
class Cell:
    text: str
    value: object  # the number behind the text (None when missing), for Excel
    column: Column
    title: str = ""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    ranked: bool

    def text_rows(self) -> list[list[str]]:
        return [[cell.text for cell in row] for row in self.rows]


def _cells(row: MetricsRow, rank: str | None) -> list[Cell]:
    cells = [Cell(rank, int(rank) if rank else None, RANK)] if rank is not None else []
    for column in COLUMNS:
        value = value_of(row, column.name)
        title = ""
        if column.kind == "rate":
            title = f"{value_of(row, column.numerator)} / {value_of(row, column.denominator)}"
        cells.append(Cell(display(column, value), value, column, title))
    return cells


def ranked_rows(result: MetricsResult, rank_by: str) -> list[MetricsRow]:
    """Rows best first by `rank_by` (rows without the figure last); months stay in time order."""
    if result.group_by == "month":
        return list(result.rows)
    # For the rework and repeat rates lower is better.
    lower_is_better = rank_by in {"rework_rate", "repeat_rate"}

    def key(row):
        value = getattr(row, rank_by)
        if value is None:
            return (1, 0, row.label)
        return (0, value if lower_is_better else -value, row.label)

    return sorted(result.rows, key=key)


def build_table(result: MetricsResult, rank_by: str) -> Table:
    ranked = result.group_by != "month"
    rows = ranked_rows(result, rank_by)
    headers = [str(c.header) for c in ((RANK,) if ranked else ()) + COLUMNS]
    body = [_cells(row, str(i) if ranked else None) for i, row in enumerate(rows, 1)]
    body.append(_cells(result.total, "" if ranked else None))  # type: ignore[arg-type]
    return Table(headers=headers, rows=body, ranked=ranked)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); unit and
# category names are typed in by people, so such a name is written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@")


def _csv_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([[_csv_safe(text) for text in row] for row in table.text_rows()])
    # A byte-order mark makes Excel on Chinese Windows read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(table: Table, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # Numbers stay numbers (formatted as on the page); text and missing figures as shown.
        sheet.append([(c.text or None) if c.value is None or c.column.kind == "text" else c.value for c in row])
        for written, cell in zip(sheet[sheet.max_row], row, strict=True):
            if written.data_type == "f":
                written.data_type = "s"  # a name that starts with "=" stays text, never a formula
            if cell.value is None:
                continue
            if cell.column.kind == "rate":
                written.number_format = "0.0%"
            elif cell.column.kind == "hours":
                written.number_format = "0.0"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
