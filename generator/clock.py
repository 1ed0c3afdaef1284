"""Zibo's clock: "today" is Beijing's date, whatever the machine's time zone.

CI machines keep UTC, where it is still yesterday until 08:00 in Beijing: a record dated
today by a clerk would be "in the future" there (rule date/future), and a default date
(draw prepare --on, correct --on, directory confirm --on) would be a day early.
"""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()
