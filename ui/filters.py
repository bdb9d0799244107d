"""The global filters (season, period, branch, station) and their form in the
URL query string, so a copied link reopens the same view.

No Streamlit here: ui/sidebar.py draws the widgets; pages read a `Filters`.

URL form (every value readable and language-independent):
    ?season=2025-2026&period=week&week=2025-W47&branch=张店分公司&station=…
    ?season=2025-2026&period=range&from=2025-12-01&to=2025-12-31
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from metrics.period import Period
from pipelines.coverage import (FilterOptions, is_week, iso_week, season_bounds,
                                season_of, season_weeks, week_bounds)

PERIODS = ("season", "week", "range")
PARAMS = ("season", "period", "week", "from", "to", "branch", "station")


@dataclass(frozen=True)
class Filters:
    season: str
    period: str                  # season | week | range
    week: str | None             # ISO week when period == "week"
    start: dt.date               # the resolved period, both days included
    end: dt.date
    branches: tuple[str, ...] = ()   # none chosen: all
    stations: tuple[str, ...] = ()
    # The run's clock: a period not over is figured as of then (ui.kpi.period_of).
    # Not part of the choice: two runs of the same filters are equal.
    as_of: dt.datetime | None = field(default=None, compare=False)

    def places(self, scope: str | None) -> tuple[str, ...]:
        """What the figures cover: the chosen stations, else the chosen branches,
        else the viewer's own branch (`scope`, None: every branch, and then ())."""
        return self.stations or self.branches or (() if scope is None else (scope,))


def season_choices(options: FilterOptions, today: dt.date, also: str | None = None) -> list[str]:
    """Seasons with data, the current one, this week's (so "this week" always
    fits; in summer the season that ended) and `also` (the season of a date
    range, which follows the range)."""
    extra = {also} if also else set()
    return sorted(set(options.seasons) | {season_of(today), shortcut(today, 0)[0]} | extra,
                  reverse=True)


def default_season(options: FilterOptions, today: dt.date) -> str:
    """The current season when it has data on its heating days, else the
    newest season that has (`options.seasons`: a stray reading between two
    seasons makes none of them a season with data)."""
    current = season_of(today)
    if current in options.seasons or not options.seasons:
        return current
    return options.seasons[0]


def range_season(start: dt.date, end: dt.date) -> str:
    """The season a date range is shown under, whose fees it reads: the
    season of its last heating day; a range with no heating day (between
    two seasons) the season that ended before it (as Period.fee_season)."""
    first, last = min(start, end), max(start, end)
    return Period(first, last).fee_season


def range_fits(season: str, start: dt.date, end: dt.date) -> bool:
    """Whether a date range may be shown under `season`: only its own
    (`range_season`). The season named (sidebar, headers, lists) is always
    the one whose fees the figures read: June under the coming season would
    be labelled with it and show the fees of the one that ended."""
    return season == range_season(start, end)


def range_in(season: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The date range a season opens with: its days, up to today while it is
    under way (as the season view)."""
    f = resolve(season, "season", today=today)
    return f.start, f.end


def week_season(week: str) -> str:
    """The season a week is shown under, whose fees it reads: the season of
    its heating days; a week with none (between two seasons) the season that
    ended before it (Period.fee_season), as a date range."""
    return range_season(*week_bounds(week))


def week_fits(season: str, week: str | None) -> bool:
    """Whether `week` may be shown under `season`: one of its weeks, or a week
    between seasons whose fees are its own (after its end; a shortcut to this
    week in summer). A week of another season never: its days would be read
    with another season's fees and labelled with this season's name."""
    if not (week and is_week(week)):
        return False
    if week in season_weeks(season):
        return True
    first, last = week_bounds(week)
    return not Period(first, last).has_heating_day and week_season(week) == season


def week_choices(season: str, *chosen: str | None, today: dt.date | None = None) -> list[str]:
    """The season's weeks; a chosen week after its end that reads its fees
    (a shortcut in summer, last week in autumn) too, and, given `today`, every
    such week begun by then: the spring, the summer and the autumn of the
    coming season's advance collection, until its first heating week."""
    weeks = season_weeks(season)
    after = []
    if today is not None:
        monday = week_bounds(weeks[-1])[0] + dt.timedelta(days=7)
        while monday <= today and week_fits(season, iso_week(monday)):
            after.append(iso_week(monday))
            monday += dt.timedelta(days=7)
    extra = {w for w in (*chosen, *after) if week_fits(season, w) and w not in weeks}
    return sorted(weeks + list(extra)) if extra else weeks


def default_week(season: str, today: dt.date) -> str:
    """This week when it lies in the season, else the season's last week."""
    weeks = season_weeks(season)
    return iso_week(today) if iso_week(today) in weeks else weeks[-1]


def shortcut(today: dt.date, weeks_back: int) -> tuple[str, str]:
    """(season, week) of this week (0) or an earlier one (1 = last week):
    the season the week is shown under (`week_season`)."""
    monday = today - dt.timedelta(days=today.weekday() + 7 * weeks_back)
    week = iso_week(monday)
    return week_season(week), week


def resolve(season: str, period: str, week: str | None = None,
            start: dt.date | None = None, end: dt.date | None = None,
            branches=(), stations=(), today: dt.date | None = None,
            now: dt.datetime | None = None) -> Filters:
    """A Filters with its period worked out from the mode. A season under
    way (`today` inside it) runs to today: the season so far, so its last
    season is the same point of the last one, not that whole season. A date
    range outside `season` is shown under its own season (`range_fits`):
    the season named is always the one whose fees the figures read. `now`
    (the run's clock) is kept as `as_of`: a period not over by then is
    figured as of then (metrics.Period.so_far)."""
    if period == "week" and week and is_week(week):
        first, last = week_bounds(week)
    elif period == "range" and start and end:
        first, last = min(start, end), max(start, end)
        if not range_fits(season, first, last):
            season = range_season(first, last)
    else:
        period, week = "season", None
        first, last = season_bounds(season)
        if today is not None and first <= today < last:
            last = today
    return Filters(season, period, week if period == "week" else None, first, last,
                   tuple(branches), tuple(stations), now)


def _one(params: Mapping[str, list[str]], key: str) -> str | None:
    values = params.get(key) or []
    return values[-1] if values else None


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def decode(params: Mapping[str, list[str]], options: FilterOptions,
           today: dt.date) -> Filters:
    """Filters from URL parameters (each a list of values); anything invalid or
    unknown falls back to the default, never to an error."""
    season = _one(params, "season")
    if season not in season_choices(options, today):
        season = default_season(options, today)
    period = _one(params, "period")
    period = period if period in PERIODS else "season"
    week = _one(params, "week")
    if period == "week" and week and is_week(week) and not week_fits(season, week) \
            and not Period(*week_bounds(week)).has_heating_day:
        # A week between seasons named under the coming season (a link of
        # before): shown under the season whose fees it reads, as a range.
        season = week_season(week)
    if period == "week" and not week_fits(season, week):
        week = default_week(season, today)
    start, end = _day(_one(params, "from")), _day(_one(params, "to"))
    branches = [b for b in dict.fromkeys(params.get("branch") or []) if b in options.stations]
    allowed = set(options.stations_of(branches))
    stations = [s for s in dict.fromkeys(params.get("station") or []) if s in allowed]
    return resolve(season, period, week, start, end, branches, stations, today)


def encode(f: Filters) -> dict[str, str | list[str]]:
    """URL parameters for `f`; `decode(encode(f))` gives `f` back."""
    params: dict[str, str | list[str]] = {"season": f.season, "period": f.period}
    if f.period == "week" and f.week:
        params["week"] = f.week
    if f.period == "range":
        params["from"], params["to"] = f.start.isoformat(), f.end.isoformat()
    if f.branches:
        params["branch"] = list(f.branches)
    if f.stations:
        params["station"] = list(f.stations)
    return params
