"""Chinese working days (第十七条: results are published within 20 working days).

Official holidays and make-up working days come from `chinesecalendar` for the years it
covers, then from `data/holidays.yaml`. A date in a year that neither covers is judged by
weekday alone and marked *provisional*, never guessed silently and never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import chinese_calendar

from generator.model import HolidayYear

PUBLICATION_WORKING_DAYS = 20
EPOCH = 2000  # counts of working days start here; no inspection in the data is older
# Dates the calendar answers for (generator.rules.date_range reports any other).
FIRST_DAY, LAST_DAY = dt.date(EPOCH, 1, 1), dt.date(2099, 12, 31)


def supported(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


@dataclass
class Calendar:
    extra: Mapping[int, HolidayYear]
    # year -> (is-workday flag per day of the year, rests on official data); computed once
    # per year because chinesecalendar's own lookup re-validates its range on every call.
    _years: dict[int, tuple[list[bool], bool]] = field(default_factory=dict, repr=False)
    # year -> working days from EPOCH up to the start of that year
    _before: dict[int, int] = field(default_factory=dict, repr=False)

    def _year(self, year: int) -> tuple[list[bool], bool]:
        if year not in self._years:
            first = dt.date(year, 1, 1)
            days = [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
            try:
                chinese_calendar.is_workday(first)  # raises for a year the library does not cover
                # chinesecalendar's own rule, without its per-call range check (costly per day)
                holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
                flags = [day in workdays or (day.weekday() <= 4 and day not in holidays) for day in days]
                official = True
            except NotImplementedError:  # a year the library does not know yet
                entry = self.extra.get(year)
                if entry is None:
                    flags, official = [day.weekday() < 5 for day in days], False
                else:
                    flags = [day in entry.workdays or (day.weekday() < 5 and day not in entry.holidays)
                             for day in days]
                    official = entry.official
            self._years[year] = (flags, official)
        return self._years[year]

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(is a working day, the answer rests on an official announcement)."""
        flags, official = self._year(day.year)
        return flags[day.timetuple().tm_yday - 1], official

    def add_workdays(self, start: dt.date, count: int) -> tuple[dt.date, bool]:
        """The `count`-th working day after `start`, and whether that rests on official data (every
        day passed over does).

        Walks the year's flags by index: a date and a call per day took most of the deadlines'
        time (a city's results end on thousands of distinct days)."""
        year, seen, official = start.year, 0, True
        index = (start - dt.date(year, 1, 1)).days
        flags, known = self._year(year)
        counted = False  # whether this year's `known` is in `official` yet (once a day of it is passed)
        while seen < count:
            index += 1
            if index == len(flags):
                year, index, counted = year + 1, 0, False
                flags, known = self._year(year)
            if not counted:
                official, counted = official and known, True
            seen += flags[index]
        return dt.date(year, 1, 1) + dt.timedelta(days=index), official

    def count_to(self, day: dt.date) -> int:
        """Working days from 1 January of EPOCH up to and including `day`."""
        if day.year < EPOCH:
            raise ValueError(f"dates before {EPOCH} are not supported: {day}")
        for year in range(EPOCH, day.year + 1):
            if year not in self._before:
                self._before[year] = 0 if year == EPOCH else self._before[year - 1] + sum(self._year(year - 1)[0])
        flags, _ = self._year(day.year)
        return self._before[day.year] + sum(flags[: day.timetuple().tm_yday])

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        return self.count_to(end) - self.count_to(start)

    def publication_deadline(self, inspected_to: dt.date) -> tuple[dt.date, bool]:
        return self.add_workdays(inspected_to, PUBLICATION_WORKING_DAYS)
