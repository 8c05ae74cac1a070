"""A small hand-made statistics document of two years, for the report's examples and tests (the query's
own tests build theirs from real events)."""

from __future__ import annotations

import datetime as dt
import uuid

from .model import EventFigures, Figures, FilterChoices, StatisticsFilters, StatisticsReport, YearFigures


def example_report() -> StatisticsReport:
    """A small hand-made report of two years (2025, 2026) for examples and tests."""

    def figures(scale: int, **changes: object) -> Figures:
        base = {
            "events": scale, "firms_reached": 156 * scale, "first_time_firms": 70 * scale, "buyers": 20 * scale,
            "meetings_planned": 600 * scale, "meetings_held": 552 * scale, "no_shows": 48 * scale,
            "no_show_rate": 0.08, "feedback_asked": 400 * scale, "feedback_answered": 210 * scale,
            "feedback_response_rate": 0.525,
            "ratings": {"did_not_take_place": 5, "no_further_interest": 60, "will_follow_up": 90,
                        "will_bid_or_buy": 45},
            "needs_discussed": 80 * scale, "tenders_followed": 20 * scale, "tenders_with_met_bidders": 7 * scale,
            "awards_to_met_firms": 3 * scale, "awarded_value_sek": 725000 * scale, "support_requests": 9 * scale,
            "support_hours": 18.25 * scale, "firms_helped": 4 * scale,
        }  # fmt: skip
        return Figures.model_validate({**base, **changes})

    events = [
        EventFigures(event_id=uuid.UUID(int=n), name=name, date=day, figures=figures(1))
        for n, (name, day) in enumerate(
            [("Affärsträff Falun", dt.date(2026, 3, 12)), ("Affärsträff Borlänge", dt.date(2026, 10, 8))], 1
        )
    ]
    earlier = figures(3, firms_reached=212, first_time_firms=212, no_show_rate=None)
    return StatisticsReport(
        generated_at=dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC),
        filters=StatisticsFilters(),
        totals=figures(2),
        per_year=[YearFigures(year=2025, figures=earlier), YearFigures(year=2026, figures=figures(2))],
        per_event=events,
        choices=FilterChoices(years=[2025, 2026], municipalities=[], buyers=[], cpv_divisions=[]),
    )
