"""Periods, heating seasons and the two comparison periods.

A period is a date range [start, end], both days included, in local time; its
cut-off is the end of `end` (SQL gets `cutoff_at` = the next midnight, exclusive),
or, for a period not over yet, the moment it is looked at (`as_of`, `so_far`): on
Wednesday a ticket due on Thursday is not yet past its deadline.
A season is named by its years ("2025-2026") and runs from the settings' start
day to their end day, both included (Shandong: 15 Nov - 15 Mar).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from pipelines import coverage
from pipelines.settings import load_settings

from .errors import MetricError

# One definition of seasons for the whole product (pipelines.coverage): a day
# between two seasons belongs to the coming one.
season_of = coverage.season_of


def season_bounds(name: str) -> tuple[date, date]:
    """First and last day of the named season."""
    try:
        return coverage.season_bounds(name)
    except ValueError:
        raise MetricError("bad_season", season=name) from None


def season_name(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def in_season(day: date) -> bool:
    start, end = season_bounds(season_of(day))
    return start <= day <= end


def check_season_settings() -> None:
    """The layer assumes a winter season that crosses New Year."""
    s = load_settings()["season"]
    if (s["start_month"], s["start_day"]) <= (s["end_month"], s["end_day"]):
        raise MetricError("season_settings")


@dataclass(frozen=True)
class Period:
    """Days `start` to `end`, both included. `season` names the fee season the
    fee KPIs read; by default the season of the period's last heating day
    (`fee_season`). `as_of`, when set and before the period's end, is its
    cut-off: the period so far (`so_far`)."""
    start: date
    end: date
    season: str | None = None
    as_of: datetime | None = None

    def __post_init__(self):
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                object.__setattr__(self, name, value.date())
            elif isinstance(value, str):
                object.__setattr__(self, name, _parse_day(value))
            elif not isinstance(value, date):
                raise MetricError("bad_period", start=self.start, end=self.end)
        if self.start > self.end:
            raise MetricError("bad_period", start=self.start, end=self.end)
        if self.season is not None:
            season_bounds(self.season)
        if self.as_of is not None and not isinstance(self.as_of, datetime):
            raise MetricError("bad_period", start=self.start, end=self.end)

    @classmethod
    def week(cls, day: date) -> "Period":
        """The ISO week (Monday to Sunday) holding `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6))

    @classmethod
    def whole_season(cls, name: str) -> "Period":
        start, end = season_bounds(name)
        return cls(start, end, name)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def fee_season(self) -> str:
        """The season the fee KPIs read: the one named, else the season of the
        period's last heating day; a period with no heating day at all (a week
        of the summer, or the one just after a season ends) reads the season
        that most recently ended, not the coming one, whose bills are not
        issued yet. So the season's last week, which often ends after its last
        day (a Sunday past 15 March), and the weeks after it read that
        season's fees."""
        if self.season:
            return self.season
        if not in_season(self.end):
            return self.ended_season
        return season_of(self.end)

    @property
    def coming_season(self) -> str | None:
        """For a period between two seasons, which reads the fees of the one
        that ended (`fee_season`): the coming season, whose fees are collected
        before its heating starts (预收). None for a period that reads the
        fees of the season its days belong to."""
        coming = season_of(self.end)
        return None if coming == self.fee_season else coming

    @property
    def has_heating_day(self) -> bool:
        """Whether the period holds a day of a season (else it lies wholly
        between two): its last day is one, or its first day is on or before
        the last day of the season that ended before it (10-16 March 2025,
        whose heating days are the 10th to the 15th)."""
        if in_season(self.end):
            return True
        return self.start <= season_bounds(self.ended_season)[1]

    @property
    def ended_season(self) -> str:
        """The last season whose last day is on or before the period's end."""
        coming_start = season_bounds(season_of(self.end))[0]
        return season_name(coming_start.year - 1)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time())

    @property
    def season_opens_at(self) -> datetime:
        """The first moment that belongs to the season the period reads
        (`fee_season`), as `coverage.season_of` counts days: the midnight after
        the previous season's last heating day (repairs and payments between
        two seasons are for the coming one). What was received before it is
        carried over from earlier seasons."""
        start_year = int(self.fee_season[:4])
        ended = season_bounds(season_name(start_year - 1))[1]
        return datetime.combine(ended + timedelta(days=1), time())

    @property
    def cutoff_at(self) -> datetime:
        """Exclusive end: the midnight after the last day, or `as_of` when
        that is earlier (a period not over yet)."""
        midnight = datetime.combine(self.end + timedelta(days=1), time())
        return min(midnight, self.as_of) if self.as_of is not None else midnight

    @property
    def recorded_by(self) -> datetime:
        """What happened after the period yet counts for it (a follow-up of a
        ticket it resolved) counts when recorded before this: any time for a
        period over; for one not over yet, its cut-off, so that comparisons
        cut at the same point count what had been recorded by then."""
        midnight = datetime.combine(self.end + timedelta(days=1), time())
        return self.cutoff_at if self.cutoff_at < midnight else datetime(9999, 12, 31)

    def so_far(self, now: datetime | None) -> "Period":
        """This period as of `now` (to the minute; the caller's clock, e.g.
        pipelines.settings.company_now()) when it is not over by then, else
        itself; itself too without a clock (None). Its deadlines, 漏件 and
        on-time rates are then those of now, not of its last midnight; the
        comparisons (`previous`, `last_season`) stop at the same point."""
        if now is None:
            return self
        now = now.replace(second=0, microsecond=0)
        if now >= datetime.combine(self.end + timedelta(days=1), time()):
            return self
        return replace(self, as_of=max(now, self.start_at))

    def _shifted(self, start: date, end: date, season: str | None) -> "Period":
        """A period of other days, cut at the same point of them as this one."""
        as_of = None if self.as_of is None else self.as_of + (start - self.start)
        return Period(start, end, season, as_of)

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return self._shifted(self.start - timedelta(days=self.days),
                             self.start - timedelta(days=1), self.season)

    @property
    def compares_with_previous(self) -> bool:
        """Whether the previous period of the same length is a fair
        comparison: it and this period each lie wholly on the heating days of
        a season. Else one of them reaches into the summer (the days before a
        whole season or before a range from a season's first weeks, or a
        range after its end), where heating KPIs and fees are another
        business: the change against it says nothing, and the same days of
        last season are the comparison."""
        def on_heating_days(p: "Period") -> bool:
            first, last = season_bounds(season_of(p.end))
            return first <= p.start and p.end <= last
        return on_heating_days(self) and on_heating_days(self.previous())

    def last_season(self) -> "Period":
        """The same days of the previous season, aligned by days since season
        start (so a week starting on day 10 of this season maps to day 10 of the last).
        A period ending on the season's last day ends on the last season's last
        day, so across a 29 February it never reaches into the summer after.
        A period with no heating day is aligned by days since the last day of
        the season it reads, so a summer week maps to the same summer week a
        year before (no 29 February lies between two summers)."""
        season = self.fee_season
        this_start, this_end = season_bounds(season)
        last_name = season_name(this_start.year - 1)
        prev_start, prev_end = season_bounds(last_name)
        if not self.has_heating_day and self.start > this_end:
            start = prev_end + (self.start - this_end)
            return self._shifted(start, start + timedelta(days=self.days - 1), last_name)
        offset = (self.start - this_start).days
        start = prev_start + timedelta(days=offset)
        end = start + timedelta(days=self.days - 1)
        if self.end == this_end:
            # A season's last day maps to the last one's, also when one of the
            # two holds a 29 February (day counts would drop its last day or
            # add the first day after it): a whole season compares with the
            # whole last one.
            end = max(prev_end, start)
        return self._shifted(start, end, last_name)

    def label(self) -> str:
        return f"{self.start.isoformat()} ~ {self.end.isoformat()}"


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MetricError("bad_date", value=text) from None


def as_period(period: "Period | tuple") -> Period:
    return period if isinstance(period, Period) else Period(*period)


