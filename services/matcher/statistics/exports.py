"""The statistics as a CSV file and a spreadsheet (.xlsx), from a :class:`~.model.StatisticsReport` (pure).

One row per event (oldest first) and a last row of totals; the spreadsheet adds a sheet per year and one
saying what was selected. Each column's header is its Swedish label with the English key in brackets
(``Företag nådda [firms_reached]``), so a person reads the Swedish and a program the key. Numbers are
numbers (rates as fractions, empty where unknown) and dates are dates (ISO 8601 in the CSV, date cells in
the spreadsheet). The CSV is UTF-8 with a byte order mark, which spreadsheet programs need to read å, ä, ö.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import xlsxwriter

from ..feedback.model import RATINGS
from .model import Figures, StatisticsReport
from .report_words import RATINGS as RATING_WORDS
from .report_words import figure_label

# The figure columns, in the model's order, ratings spread over one column each.
FIGURE_KEYS: tuple[str, ...] = tuple(
    key for name in Figures.model_fields for key in ([f"ratings.{r}" for r in RATINGS] if name == "ratings" else [name])
)
ROW_KEYS: tuple[str, ...] = ("event_id", "name", "date", *FIGURE_KEYS)
_FIXED_SV = {"event_id": "Affärsträffens id", "name": "Affärsträff", "date": "Datum"}
TOTAL_SV = "Totalt"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header(key: str) -> str:
    """A column's header: the Swedish label and the English key.

    Examples
    --------
    >>> header("firms_reached"), header("ratings.will_bid_or_buy"), header("date")
    ('Företag nådda [firms_reached]', 'Svar: lämnar anbud eller köper [ratings.will_bid_or_buy]', 'Datum [date]')
    """
    if key.startswith("ratings."):
        label = "Svar: " + RATING_WORDS["sv"][key.removeprefix("ratings.")]
    else:
        label = _FIXED_SV.get(key) or figure_label(key, "sv")
    return f"{label} [{key}]"


def figure_cells(figures: Figures) -> list[Any]:
    """The figure columns of one row (None: not known).

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> cells = figure_cells(example_report().totals)
    >>> len(cells) == len(FIGURE_KEYS), all(isinstance(c, int | float) or c is None for c in cells)
    (True, True)
    """
    values = figures.model_dump()
    return [
        values["ratings"][k.removeprefix("ratings.")] if k.startswith("ratings.") else values[k] for k in FIGURE_KEYS
    ]


def rows(report: StatisticsReport) -> Iterator[list[Any]]:
    """The data rows: each event, then the totals."""
    for event in report.per_event:
        yield [str(event.event_id), event.name, event.date, *figure_cells(event.figures)]
    yield ["", TOTAL_SV, None, *figure_cells(report.totals)]


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_csv(report: StatisticsReport) -> bytes:
    """The report as CSV (comma-separated, a header row, UTF-8 with BOM).

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> text = to_csv(example_report()).decode("utf-8-sig")
    >>> parsed = list(csv.reader(io.StringIO(text)))
    >>> parsed[0][1], parsed[-1][1], len(parsed) == len(example_report().per_event) + 2
    ('Affärsträff [name]', 'Totalt', True)
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(key) for key in ROW_KEYS])
    for row in rows(report):
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode()


def _sheet(book: Any, name: str, first: tuple[str, ...], lines: list[list[Any]], formats: dict) -> None:
    sheet = book.add_worksheet(name)
    keys = (*first, *FIGURE_KEYS)
    for col, key in enumerate(keys):
        sheet.write_string(0, col, header(key) if key in ROW_KEYS else key, formats["head"])
        sheet.set_column(col, col, 14 if col else 38)
    for r, line in enumerate(lines, start=1):
        for col, value in enumerate(line):
            key = keys[col]
            if value is None:
                sheet.write_blank(r, col, None)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, col, dt.datetime.combine(value, dt.time()), formats["date"])
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, col, value, formats["rate"] if key.endswith("_rate") else None)
            else:
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)


def to_xlsx(report: StatisticsReport) -> bytes:
    """The report as a spreadsheet: per event with totals, per year, and the selection.

    Examples
    --------
    >>> import openpyxl
    >>> from services.matcher.statistics.report_examples import example_report
    >>> book = openpyxl.load_workbook(io.BytesIO(to_xlsx(example_report())))
    >>> book.sheetnames, book["Affärsträffar"]["B1"].value
    (['Affärsträffar', 'Per år', 'Urval'], 'Affärsträff [name]')
    """
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": "Statistik över affärsträffar", "created": report.generated_at.replace(tzinfo=None)})
    formats = {
        "head": book.add_format({"bold": True, "text_wrap": True}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "rate": book.add_format({"num_format": "0.0%"}),
    }
    _sheet(book, "Affärsträffar", ("event_id", "name", "date"), list(rows(report)), formats)
    years = [[y.year, *figure_cells(y.figures)] for y in report.per_year]
    _sheet(book, "Per år", ("År [year]",), years, formats)
    chosen = book.add_worksheet("Urval")
    chosen.set_column(0, 1, 30)
    selection = [("Sammanställd [generated_at]", report.generated_at.isoformat())] + [
        (f"{name} [{name}]", "" if value is None else str(value)) for name, value in report.filters.model_dump().items()
    ]
    for r, (label, value) in enumerate(selection):
        chosen.write_string(r, 0, label, formats["head"])
        chosen.write_string(r, 1, value)
    book.close()
    return out.getvalue()


def file_name(report: StatisticsReport, suffix: str) -> str:
    """The download's file name, naming the year when the report is of one.

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> file_name(example_report(), "csv")
    'statistik-affarstraffar.csv'
    """
    year = report.filters.year
    return f"statistik-affarstraffar{'' if year is None else f'-{year}'}.{suffix}"
