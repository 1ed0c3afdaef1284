"""Publication deadlines in Chinese working days (第十七条)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import HolidayYear
from generator.workdays import Calendar


def test_national_day_holiday_and_make_up_day_count() -> None:
    # 2026: 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 are make-up working days.
    calendar = Calendar({})
    assert calendar.is_workday(dt.date(2026, 10, 10)) == (True, True)
    assert calendar.is_workday(dt.date(2026, 10, 5)) == (False, True)
    assert calendar.publication_deadline(dt.date(2026, 9, 25)) == (dt.date(2026, 10, 29), True)


def test_year_beyond_official_data_is_provisional_not_a_crash() -> None:
    extra = {2027: HolidayYear(2027, False, "暂定", frozenset({dt.date(2027, 1, 1)}), frozenset())}
    deadline, official = Calendar(extra).publication_deadline(dt.date(2026, 12, 20))
    assert official is False
    assert deadline == dt.date(2027, 1, 18)  # 2027-01-01 is skipped as a holiday
    assert Calendar({}).publication_deadline(dt.date(2031, 3, 2)) == (dt.date(2031, 3, 28), False)


def test_late_by_counts_working_days() -> None:
    calendar = Calendar({})
    assert calendar.workdays_between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4
    assert calendar.workdays_between(dt.date(2026, 10, 12), dt.date(2026, 9, 30)) == -4


def _add_day_by_day(calendar: Calendar, start: dt.date, count: int) -> tuple[dt.date, bool]:
    """The definition: step a day at a time, asking the calendar about each."""
    day, official, seen = start, True, 0
    while seen < count:
        day += dt.timedelta(days=1)
        works, known = calendar.is_workday(day)
        official = official and known
        seen += works
    return day, official


@settings(max_examples=300, deadline=None)
@given(start=st.dates(dt.date(2000, 1, 1), dt.date(2098, 6, 30)), count=st.integers(0, 400),
       provisional=st.sampled_from([None, 2026, 2027, 2031]))
def test_add_workdays_is_the_day_by_day_count(start: dt.date, count: int, provisional: int | None) -> None:
    # Years with and without official data, year ends crossed or landed on (31 December included).
    extra = {} if provisional is None else {
        provisional: HolidayYear(provisional, False, "暂定", frozenset({dt.date(provisional, 1, 1)}), frozenset())}
    calendar = Calendar(extra)
    assert calendar.add_workdays(start, count) == _add_day_by_day(Calendar(extra), start, count)


def test_add_workdays_from_the_last_day_of_a_year() -> None:
    calendar = Calendar({})
    for start in (dt.date(2025, 12, 31), dt.date(2030, 12, 31), dt.date(2031, 12, 31)):
        for count in (0, 1, 20):
            assert calendar.add_workdays(start, count) == _add_day_by_day(Calendar({}), start, count)
