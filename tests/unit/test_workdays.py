"""Publication deadlines in Chinese working days (第十七条)."""

from __future__ import annotations

import datetime as dt

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
