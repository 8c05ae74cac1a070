"""When the after-day round opens, reminds and closes (pure), for any last meeting and settings: never before
the last meeting has ended, at the set local time on its day unless the day ran later, and the reminder
strictly inside the round."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from services.matcher.feedback.plan import FeedbackSettings, follow_up_times, round_times

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ends = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(dt.UTC))
settings = st.builds(
    FeedbackSettings,
    after_day_time=st.times(),
    reminder_days=st.integers(1, 29),
    open_days=st.integers(30, 90),
)


@given(ends, settings)
def test_the_round_opens_the_evening_of_the_day_and_never_before_it_ends(last_end, chosen):
    found = round_times(last_end, "Europe/Stockholm", chosen)
    assert found.opens_at >= last_end
    assert found.opens_at < found.reminder_at < found.closes_at
    assert found.closes_at - found.opens_at == dt.timedelta(days=chosen.open_days)
    local_end = last_end.astimezone(STOCKHOLM)
    opens = found.opens_at.astimezone(STOCKHOLM)
    if found.opens_at > last_end:  # not held up by a late day: the set time, that very day
        assert opens.date() == local_end.date()
        assert (opens.hour, opens.minute) == (chosen.after_day_time.hour, chosen.after_day_time.minute) or (
            # a set time that does not exist that day (the spring-forward hour) is shifted by the zone
            opens.utcoffset() != dt.datetime.combine(opens.date(), dt.time(0), STOCKHOLM).utcoffset()
        )
    assert found.is_open(found.opens_at) and not found.is_open(found.closes_at)
    assert not found.is_open(found.opens_at - dt.timedelta(microseconds=1))


@given(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(1, 24))
def test_the_follow_up_opens_the_months_later_at_ten_and_closes_after_thirty_days(day, months):
    found = follow_up_times(day, "Europe/Stockholm", FeedbackSettings(follow_up_months=months))
    opens = found.opens_at.astimezone(STOCKHOLM)
    assert (opens.hour, opens.minute) == (10, 0)
    # The same day of the month that many months later, or the month's last day when it is shorter.
    assert (opens.year - day.year) * 12 + opens.month - day.month == months
    assert opens.day == day.day or (opens.day < day.day and (opens.date() + dt.timedelta(days=1)).day == 1)
    assert found.opens_at < found.reminder_at < found.closes_at
    assert found.closes_at - found.opens_at == dt.timedelta(days=30)
    # Always after the after-day round of that day has closed.
    last_end = dt.datetime.combine(day, dt.time(16), STOCKHOLM).astimezone(dt.UTC)
    assert found.opens_at > round_times(last_end, "Europe/Stockholm", FeedbackSettings(open_days=90)).closes_at or (
        months <= 3
    )
