"""Working days of a schedule, counted in O(log n), never one day at a time."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import date, timedelta

from xlfin.models import Schedule


class WorkCalendar:
    """Counts a schedule's working days: its working weekdays minus its exceptions."""

    def __init__(self, schedule: Schedule) -> None:
        self.weekdays = schedule.working_days
        self.per_week = len(self.weekdays)
        # Only exceptions that fall on a working weekday remove a working day.
        self.exceptions = sorted(d for d in schedule.exceptions if d.weekday() in self.weekdays)
        # partial[start weekday][n]: working days among n consecutive days from that weekday.
        self.partial = [
            [sum(1 for k in range(n) if (start + k) % 7 in self.weekdays) for n in range(7)]
            for start in range(7)
        ]

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        i = bisect_left(self.exceptions, day)
        return not (i < len(self.exceptions) and self.exceptions[i] == day)

    def count(self, first: date, last: date) -> int:
        """Working days from `first` to `last`, both inclusive (0 if last < first)."""
        if last < first:
            return 0
        days = (last - first).days + 1
        weeks, rest = divmod(days, 7)
        off = 0
        if self.exceptions:
            off = bisect_right(self.exceptions, last) - bisect_left(self.exceptions, first)
        return weeks * self.per_week + self.partial[first.weekday()][rest] - off

    def days(self, first: date, last: date) -> Iterator[date]:
        """The working days themselves, for showing a task's daily distribution on demand."""
        day = first
        while day <= last:
            if self.is_working_day(day):
                yield day
            day += timedelta(days=1)
