"""SLA due times: working-calendar clocks (weekend, holidays, working hours) or around the clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_hhmm(value: str, *, what: str = "time") -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not HH:MM") from exc


@dataclass(frozen=True)
class WorkingCalendar:
    """The city's working week: the clock of `working` categories runs only inside it."""

    timezone: str
    weekend: frozenset[int]  # Python weekday numbers (Monday = 0)
    holidays: frozenset[date]
    start: time
    end: time

    @classmethod
    def build(
        cls, timezone: str, weekend: Iterable[str], holidays: Iterable[date], start: str, end: str
    ) -> WorkingCalendar:
        days = set()
        for name in weekend:
            if name.lower() not in WEEKDAYS:
                raise ValueError(f"weekend day {name!r} is not a weekday name (monday … sunday)")
            days.add(WEEKDAYS.index(name.lower()))
        begin, finish = (
            parse_hhmm(start, what="working_hours.start"),
            parse_hhmm(end, what="working_hours.end"),
        )
        if finish <= begin:
            raise ValueError(f"working_hours end {end} must be after start {start}")
        return cls(timezone, frozenset(days), frozenset(holidays), begin, finish)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start` (UTC-aware in and out)."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        tz = self.tz
        remaining = duration
        cursor = start.astimezone(tz)
        for _ in range(3660):  # ten years of days is far beyond any SLA
            day = cursor.date()
            if self.is_working_day(day):
                open_at = datetime.combine(day, self.start, tz)
                close_at = datetime.combine(day, self.end, tz)
                begin = max(cursor, open_at)
                if begin < close_at:
                    available = close_at - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            cursor = datetime.combine(day + timedelta(days=1), time(0), tz)
        raise ValueError("no working time found within ten years; check the calendar's holidays")


def sla_due_at(calendar: WorkingCalendar, kind: str, created_at: datetime, sla_hours: float) -> datetime:
    """Due time of a ticket created at `created_at` in a category with this clock `kind` and SLA."""
    duration = timedelta(hours=sla_hours)
    if kind == "24x7":
        return (created_at + duration).astimezone(UTC)
    if kind == "working":
        return calendar.add_working_time(created_at, duration)
    raise ValueError(f"category calendar {kind!r} is neither 'working' nor '24x7'")
