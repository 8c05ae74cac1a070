"""The yearly report for the steering group as a PDF (issue 14): one year's figures from a
:class:`.model.StatisticsReport`, in plain sentences, per event, against the year before, with what every
figure means and what the figures cannot say.

The report is drawn from the statistics document alone (a pure function: the route asks the query, this
module only lays out), so the PDF, the web page and the exports always show the same numbers. The year's
figures are its :attr:`~.model.StatisticsReport.per_year` entry (or the totals of a report filtered to
that year); the comparison needs the year before in ``per_year`` too, which is why the route asks the query
without a year filter. Layout and fonts are the agendas' (:mod:`..agendas.pdf`: Noto Sans from
:mod:`shared.fonts`, so "Łódź" prints as written); numbers, amounts and dates are :mod:`shared.formatting`'s,
the Swedish way (``1 200 000 kr``, ``12,5``, ``8 %``) or the English way with ``lang="en"``. The creation
date is the report's ``generated_at``, so the same document always gives the same bytes.
"""

from __future__ import annotations

from babel.numbers import format_percent
from fpdf import FPDF

from shared import formatting
from shared.fonts import add_fonts, printable

from ..agendas.pdf import FONT, LEFT_MARGIN_MM, RIGHT_MARGIN_MM, _line
from .model import Figures, StatisticsReport
from .report_words import FIGURES_SV, LIMITS, RATINGS, definition, figure_label, words

_LOCALES = {"sv": "sv_SE", "en": "en_GB"}
# The figures the comparison with the year before shows, in the report's order.
COMPARED = (
    "events", "firms_reached", "first_time_firms", "buyers", "meetings_planned", "meetings_held", "no_shows",
    "no_show_rate", "feedback_response_rate", "needs_discussed", "tenders_followed", "tenders_with_met_bidders",
    "awards_to_met_firms", "awarded_value_sek", "support_requests", "support_hours", "firms_helped",
)  # fmt: skip
_RATES = frozenset({"no_show_rate", "feedback_response_rate"})


def number(value: float, lang: str, digits: int = 0) -> str:
    """A count or amount for people: ``1 200 000`` (a no-break space between groups) or ``1,200,000``.

    Examples
    --------
    >>> number(1200000, "sv").replace("\\xa0", " "), number(1200000, "en"), number(12.5, "sv", 1)
    ('1 200 000', '1,200,000', '12,5')
    """
    return formatting.number(value, lang, digits)


def figure_text(figures: Figures, name: str, lang: str) -> str:
    """One figure as shown: rates as percentages (or "not known"), the value in kronor, hours with a decimal.

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> figures = example_report().totals
    >>> [figure_text(figures, n, "sv").replace("\\xa0", " ") for n in ("no_show_rate", "awarded_value_sek")]
    ['8 %', '1 450 000 kr']
    >>> figure_text(figures, "support_hours", "en")
    '36.5'
    """
    value = getattr(figures, name)
    if name in _RATES:
        return words(lang)["not_known"] if value is None else format_percent(value, locale=_LOCALES[lang])
    if name == "awarded_value_sek":
        return formatting.amount(value, lang)
    if name == "support_hours":
        return number(value, lang, 1)
    return number(value, lang)


def change_text(before: Figures, now: Figures, name: str, lang: str) -> str:
    """How a figure moved since the year before: ``+12``, ``-3`` or ``0`` (rates: ``–``).

    The minus is a hyphen, as people type it when they search the PDF for a figure.

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> report = example_report()
    >>> earlier, later = (y.figures for y in report.per_year)
    >>> change_text(earlier, later, "firms_reached", "sv"), change_text(earlier, later, "events", "sv")
    ('+100', '-1')
    """
    if name in _RATES:
        return "–"
    delta = getattr(now, name) - getattr(before, name)
    shown = number(abs(delta), lang, 1 if name == "support_hours" else 0)
    return f"+{shown}" if delta > 0 else f"-{shown}" if delta < 0 else shown


def key_sentences(figures: Figures, lang: str = "sv") -> list[str]:
    """The year's figures as plain sentences, in the order the steering group reads them.

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> key_sentences(example_report().totals)[1]
    '312 företag nådda, varav 140 för första gången.'
    """
    w = words(lang)
    shown = {name: figure_text(figures, name, lang) for name in COMPARED if name != "events"}
    shown.update(
        events=number(figures.events, lang),
        feedback_asked=number(figures.feedback_asked, lang),
        feedback_answered=number(figures.feedback_answered, lang),
    )
    sentences = [w[key].format(**shown) for key in ("s_events", "s_firms", "s_meetings", "s_feedback")]
    answered = [(rating, count) for rating, count in figures.ratings.items() if count]
    if answered:
        listed = ", ".join(f"{number(count, lang)} {RATINGS[lang][rating]}" for rating, count in answered)
        sentences.append(w["s_ratings"].format(ratings=listed))
    sentences += [w[key].format(**shown) for key in ("s_chain", "s_awards", "s_support")]
    return sentences


def year_figures(report: StatisticsReport, year: int) -> Figures | None:
    """The figures of ``year``: its per-year entry, else the totals of a report filtered to it; None without.

    Examples
    --------
    >>> from services.matcher.statistics.report_examples import example_report
    >>> year_figures(example_report(), 2026).firms_reached, year_figures(example_report(), 2024)
    (312, None)
    """
    for entry in report.per_year:
        if entry.year == year:
            return entry.figures
    return report.totals if report.filters.year == year else None


def selection(report: StatisticsReport, lang: str) -> list[str]:
    """The filters a report was made with (other than the year), named as people know them.

    Examples
    --------
    >>> from services.matcher.statistics.model import Choice, StatisticsFilters
    >>> from services.matcher.statistics.report_examples import example_report
    >>> report = example_report()
    >>> selection(report, "sv")
    ['Alla affärsträffar, alla företag och köpare.']
    >>> choices = report.choices.model_copy(update={"municipalities": [Choice(value="2080", label="Falun")]})
    >>> filtered = report.model_copy(update={"filters": StatisticsFilters(municipality="2080", cpv_division="45"),
    ...                                      "choices": choices})
    >>> selection(filtered, "en")
    ["Firms' home municipality: Falun", 'CPV division: 45']
    """
    w, filters, choices = words(lang), report.filters, report.choices
    named = []
    for key, value, options in (
        ("municipality", filters.municipality, choices.municipalities),
        ("buyer", str(filters.buyer) if filters.buyer else None, choices.buyers),
        ("cpv_division", filters.cpv_division, choices.cpv_divisions),
    ):
        if value is not None:
            label = next((choice.label for choice in options if choice.value == value), value)
            named.append(f"{w[key]}: {label}")
    return named or [w["no_filters"]]


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 50:  # a heading never ends a page without what it heads
        pdf.add_page()
    pdf.ln(4)
    _line(pdf, text, size=14, style="B", height=7)
    pdf.ln(1)


def _title_page(pdf: FPDF, report: StatisticsReport, year: int, lang: str, organiser: str | None) -> None:
    w = words(lang)
    pdf.add_page()
    pdf.set_y(70)
    _line(pdf, w["title"].format(year=year), size=26, style="B", height=12)
    _line(pdf, w["subtitle"], size=16, height=9)
    pdf.ln(8)
    if organiser:
        _line(pdf, f"{w['organiser']}: {organiser}", size=12, height=7)
    _line(pdf, f"{w['generated']} {formatting.day(report.generated_at, lang)}", size=12, height=7)
    pdf.ln(4)
    _line(pdf, w["filters"], size=12, style="B", height=7)
    for line in selection(report, lang):
        _line(pdf, line, size=11, height=6)


def _wrapped_lines(pdf: FPDF, width: float, height: float, text: str) -> int:
    """Lines ``multi_cell`` would wrap ``text`` into (a dry run: nothing is drawn)."""
    lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    # output="LINES" returns the list of lines; fpdf2 annotates the union of what every output choice returns.
    assert isinstance(lines, list)
    return len(lines)


def _table(pdf: FPDF, widths: tuple[float, ...], aligns: str, rows: list[list[str]], *, size: float = 8) -> None:
    """Rows of bordered cells, the first row a bold heading repeated after a page break.

    A cell that fits its column is one line (``cell``), only the others wrap (``multi_cell``): fpdf2's own
    ``table`` wraps every cell twice, which took two thirds of a year's report (400 ms for 20 events).
    """
    line, pad = size * 0.5, 1.0

    def draw(cells: list[str], style: str) -> None:
        pdf.set_font(FONT, style, size)
        texts = [printable(cell) for cell in cells]
        fits = [pdf.get_string_width(text) <= width - 2 * pad for text, width in zip(texts, widths, strict=True)]
        heights = [
            1 if fit else _wrapped_lines(pdf, width - 2 * pad, line, text)
            for text, width, fit in zip(texts, widths, fits, strict=True)
        ]
        height = max(heights) * line + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if style == "":
                draw(rows[0], "B")
                pdf.set_font(FONT, style, size)
        x, y = pdf.l_margin, pdf.get_y()
        for text, width, align, fit in zip(texts, widths, aligns, fits, strict=True):
            pdf.rect(x, y, width, height)
            pdf.set_xy(x + pad, y + pad)
            if fit:
                pdf.cell(width - 2 * pad, line, text, align=align)
            else:
                pdf.multi_cell(width - 2 * pad, line, text, align=align)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    margin, pdf.c_margin = pdf.c_margin, 0  # the padding is the table's own
    for index, cells in enumerate(rows):
        draw(cells, "B" if index == 0 else "")
    pdf.c_margin = margin


def _comparison(pdf: FPDF, before: Figures, now: Figures, year: int, lang: str) -> None:
    w = words(lang)
    _heading(pdf, w["compared"].format(previous=year - 1))
    rows = [[w["figure"], str(year - 1), str(year), w["change"]]]
    for name in COMPARED:
        rows.append([figure_label(name, lang), figure_text(before, name, lang), figure_text(now, name, lang),
                     change_text(before, now, name, lang)])  # fmt: skip
    _table(pdf, (78, 34, 34, 34), "LRRR", rows, size=9)


def _events(pdf: FPDF, report: StatisticsReport, year: int, lang: str) -> None:
    w = words(lang)
    _heading(pdf, w["per_event"])
    events = [entry for entry in report.per_event if entry.date.year == year]
    if not events:
        _line(pdf, w["no_events"])
        return
    names = ("firms_reached", "first_time_firms", "meetings_held", "no_shows", "awards_to_met_firms")
    rows = [[w["event"], w["date"], *(figure_label(n, lang) for n in names)]]
    for entry in events:
        rows.append([entry.name, entry.date.isoformat(), *(figure_text(entry.figures, n, lang) for n in names)])
    _table(pdf, (58, 22, 20, 20, 20, 20, 20), "LLRRRRR", rows)


def _definitions(pdf: FPDF, lang: str) -> None:
    w = words(lang)
    pdf.add_page()
    _heading(pdf, w["definitions"])
    _line(pdf, w["definitions_intro"])
    pdf.ln(2)
    for name in FIGURES_SV:
        _line(pdf, figure_label(name, lang), size=10, style="B")
        _line(pdf, definition(name, lang), size=10)
        pdf.ln(1)
    _heading(pdf, w["limits"])
    for limit in LIMITS[lang]:
        _line(pdf, f"• {limit}")
        pdf.ln(1)


def report_pdf(report: StatisticsReport, year: int, *, lang: str = "sv", organiser: str | None = None) -> bytes:
    """The yearly report of ``year`` as PDF bytes (LookupError when the report has no figures for it).

    A title page (year, the organiser's name when given, the date compiled, the selection), the year in
    sentences, the comparison with the year before when the report holds it, a table of the year's
    events, then the definitions and what the figures cannot say.

    Examples
    --------
    >>> import io, pypdf
    >>> from services.matcher.statistics.report_examples import example_report
    >>> reader = pypdf.PdfReader(io.BytesIO(report_pdf(example_report(), 2026, organiser="Upphandlingsnätverket")))
    >>> text = "\\n".join(page.extract_text() for page in reader.pages)
    >>> "Årsrapport till styrgruppen" in text, "312 företag nådda, varav 140 för första gången." in text
    (True, True)
    >>> "Jämfört med 2025" in text, "SE-BLV" in text
    (True, True)
    """
    w = words(lang)
    figures = year_figures(report, year)
    if figures is None:
        raise LookupError(f"the report holds no figures for {year}")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    add_fonts(pdf)
    pdf.set_margins(LEFT_MARGIN_MM, 15, RIGHT_MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(printable(w["title"].format(year=year)))
    pdf.set_subject(printable(w["subtitle"]))
    pdf.set_lang(lang)
    pdf.set_creator("Affärsträff matchmaker")
    pdf.set_creation_date(report.generated_at)
    _title_page(pdf, report, year, lang, organiser)
    pdf.add_page()
    _heading(pdf, w["key_figures"])
    for sentence in key_sentences(figures, lang):
        _line(pdf, sentence, size=11, height=6)
        pdf.ln(1)
    before = year_figures(report, year - 1)
    if before is not None:
        _comparison(pdf, before, figures, year, lang)
    _events(pdf, report, year, lang)
    _definitions(pdf, lang)
    return bytes(pdf.output())
