"""Turn SQL files into one runnable statement with bound parameters.

A SQL file under metrics/sql/ may read another one by name (`from reading_facts`,
`join household_dims`), the way dbt models `ref` each other. `statement` puts
every file a query needs in front of it as a CTE, dependencies first, and wraps
each model that has dimensions in the request's filters and branch scope, so no
query can see rows outside its scope, whatever it is built on.

Only identifiers from the registry's whitelists are written into SQL; every
value (period, filters, scope, settings) is a bound `$parameter`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from pipelines.settings import load_settings

from .errors import MetricError
from .period import Period, check_season_settings
from .registry import DIMENSIONS, HOUSEHOLD_DIMS, MODELS, SQL_DIR

_COMMENT = re.compile(r"--[^\n]*")
_REF = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
# Half a fen: sums of receipts are compared with the amount due to this tolerance.
FULLY_PAID_TOLERANCE_YUAN = 0.005


STORED_DIR = SQL_DIR / "stored"


@lru_cache(maxsize=None)
def has_stored_variant(name: str) -> bool:
    return (STORED_DIR / f"{name}.sql").is_file()


@lru_cache(maxsize=None)
def sql_text(name: str, stored: bool = False) -> str:
    """The file's SQL, comments removed (they may mention `$names`). With
    `stored`, its variant reading stored rows (stored/<name>.sql) if it has one."""
    path = SQL_DIR / f"{name}.sql"
    if stored and has_stored_variant(name):
        path = STORED_DIR / f"{name}.sql"
    if not path.is_file():
        raise MetricError("unknown_sql", name=name)
    text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
    return text.strip().rstrip(";").strip()


def sql_files() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


@lru_cache(maxsize=None)
def _refs(name: str, stored: bool = False) -> tuple[str, ...]:
    files = set(sql_files())
    return tuple(dict.fromkeys(r for r in _REF.findall(sql_text(name, stored))
                               if r in files and r != name))


def uses_stored(name: str, stored: bool | frozenset[str]) -> bool:
    """Whether `name` is read from its stored variant: `stored` is True (every
    variant), False (none) or the files whose variant is current."""
    if stored is True:
        return has_stored_variant(name)
    return bool(stored) and name in stored and has_stored_variant(name)


def dependencies(names: Iterable[str], lean: bool = False,
                 stored: bool | frozenset[str] = False) -> list[str]:
    """Every file the given ones read, directly or not, dependencies first.
    With `lean`, a model with a lean twin reads only that twin; a file read
    from its stored variant (`stored`, see `uses_stored`) reads what that
    variant reads."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in order:
            return
        if n in visiting:
            raise MetricError("sql_cycle", name=n)
        visiting.add(n)
        model = MODELS.get(n)
        # A model read from its stored variant has its dimensions at no cost:
        # it is not replaced by its lean twin.
        stored_n = uses_stored(n, stored)
        for dep in ((model.lean,) if lean and model and model.lean and not stored_n
                    else _refs(n, stored_n)):
            visit(dep)
        visiting.discard(n)
        order.append(n)

    for n in names:
        visit(n)
    return order


def _values(value) -> list[str] | None:
    """A filter value as a list of strings; None or empty means no filter."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (Sequence, set, frozenset)):
        out = [str(v) for v in value if v is not None]
        return out or None
    return [str(value)]


@dataclass
class Scope:
    """Filters (dimension -> allowed values) and the branch scope of one request."""
    filters: dict[str, list[str]] = field(default_factory=dict)
    branches: list[str] | None = None   # None: every branch

    @classmethod
    def of(cls, filters: Mapping | None, scope) -> "Scope":
        clean: dict[str, list[str]] = {}
        for dim, value in (filters or {}).items():
            if dim not in DIMENSIONS:
                raise MetricError("unknown_dimension", dimension=dim, known=DIMENSIONS)
            values = _values(value)
            if values is not None:
                clean[dim] = values
        if scope is None:
            branches = None
        elif isinstance(scope, str):
            branches = [scope]
        else:
            # An empty scope is no branch at all: it sees nothing.
            branches = [str(b) for b in scope if b is not None]
        return cls(clean, branches)

    def check(self, allowed: Sequence[str], what: str) -> None:
        extra = [d for d in self.filters if d not in allowed]
        if extra:
            raise MetricError("dimension_not_supported", what=what, dimensions=extra,
                              supported=list(allowed))

    def predicate(self, dims: Sequence[str], alias: str = "") -> str:
        """SQL condition for the filters on `dims` and the branch scope (if the
        relation has a branch); 'true' when nothing applies."""
        a = f"{alias}." if alias else ""
        parts = []
        for dim, values in self.filters.items():
            if dim in dims:
                parts.append(f"{a}{dim} = $f_{dim}" if len(values) == 1
                             else f"list_contains($f_{dim}::varchar[], {a}{dim})")
        if self.branches is not None and "branch" in dims:
            if not self.branches:
                parts.append("false")
            elif len(self.branches) == 1:
                parts.append(f"{a}branch = $scope")
            else:
                parts.append(f"list_contains($scope::varchar[], {a}branch)")
        return " and ".join(parts) or "true"

    def needs_dims(self, by: Sequence[str] = ()) -> bool:
        """Whether the request reads dimension columns at all."""
        return bool(self.filters) or self.branches is not None or any(
            b in DIMENSIONS for b in by)

    def params(self) -> dict:
        out = {f"f_{d}": (v[0] if len(v) == 1 else v) for d, v in self.filters.items()}
        if self.branches:
            out["scope"] = self.branches[0] if len(self.branches) == 1 else self.branches
        return out


def settings_params() -> dict:
    """Every threshold the SQL reads, from settings.toml."""
    check_season_settings()
    s = load_settings()
    temp, tk, fees, season = s["temperature"], s["tickets"], s["fees"], s["season"]
    limits = {c: float(v["resolve_hours"]) for c, v in tk["limits"].items()
              if "resolve_hours" in v}
    arrive = {c: float(v["arrive_hours"]) for c, v in tk["limits"].items()
              if "arrive_hours" in v}
    tiers = sorted(temp["refund_tiers"], key=lambda t: t["min_c"])
    for lower, upper in zip(tiers, tiers[1:]):
        if lower["max_c"] > upper["min_c"]:
            raise MetricError("refund_tiers_overlap")
    return {
        "residential_target_c": float(temp["residential_target_c"]),
        "default_contract_temp_c": float(temp["default_contract_temp_c"]),
        "design_outdoor_c": float(temp["design_outdoor_c"]),
        "tier_min_c": [float(t["min_c"]) for t in tiers],
        "tier_max_c": [float(t["max_c"]) for t in tiers],
        "tier_share": [float(t["share"]) for t in tiers],
        "limit_categories": list(limits),
        "limit_resolve_hours": list(limits.values()),
        "max_resolve_hours": max(limits.values(), default=0.0),
        "arrive_categories": list(arrive),
        "arrive_hours": list(arrive.values()),
        "followup_limit_hours": float(tk["followup_limit_hours"]),
        "followup_categories": list(tk["followup_categories"]),
        "complaint_categories": list(tk["complaint_categories"]),
        "satisfied_words": list(tk["satisfied_words"]),
        "rating_words": list(tk["rating_words"]),
        "repeat_complaint_count": int(tk["repeat_complaint_count"]),
        "repeat_complaint_window_days": int(tk["repeat_complaint_window_days"]),
        "season_start_month": int(season["start_month"]),
        "season_start_day": int(season["start_day"]),
        "season_end_month": int(season["end_month"]),
        "season_end_day": int(season["end_day"]),
        "stopped_base_share": float(fees["stopped_base_share"]),
        "bill_tolerance_yuan": float(fees["bill_tolerance_yuan"]),
        "no_invoice_words": [str(w).strip() for w in fees.get("no_invoice_words", [])],
        "fully_paid_tolerance": FULLY_PAID_TOLERANCE_YUAN,
    }


# A Monday: ISO weeks are buckets of 7 days from it.
_MONDAY = datetime(2000, 1, 3)


def period_params(period: Period, time_grain: str | None = None) -> dict:
    """The period's parameters. bucket_width/bucket_origin cut time into the
    query's grain: days, ISO weeks, or the whole period as one bucket."""
    if time_grain == "day":
        width, origin = timedelta(days=1), _MONDAY
    elif time_grain == "week":
        width, origin = timedelta(days=7), _MONDAY
    else:
        width, origin = timedelta(days=period.days), period.start_at
    return {"start_at": period.start_at, "cutoff_at": period.cutoff_at,
            "recorded_by": period.recorded_by,
            "season": period.fee_season, "season_opens_at": period.season_opens_at,
            "has_heating_day": period.has_heating_day,
            "bucket_width": width, "bucket_origin": origin}


def _lean(model) -> str:
    missing = [d for d in model.dims if d not in MODELS[model.lean].dims]
    cols = ", ".join(f"cast(null as varchar) as {c}" for c in missing)
    return f"select *, {cols}\nfrom {model.lean}"


def _with_roster_dims(sql: str, attach: bool) -> str:
    if attach:
        cols = ", ".join(f"d.{c}" for c in HOUSEHOLD_DIMS)
        return (f"select m.*, {cols}\nfrom (\n{sql}\n) m\n"
                f"left join household_dims d on d.household_id = m.household_id")
    # Same columns, no join: nothing in the request reads them.
    cols = ", ".join(f"cast(null as varchar) as {c}" for c in HOUSEHOLD_DIMS)
    return f"select *, {cols}\nfrom (\n{sql}\n)"


def statement(body: str, reads: Iterable[str], scope: Scope, dims: bool = True,
              stored: bool | frozenset[str] = False, prune: bool = False) -> str:
    """`body` preceded by a CTE for every file it reads; models with dimensions
    are wrapped in the request's filters and scope. `dims=False` (nothing is
    filtered, scoped or grouped by a dimension) spares roster models their join.
    `stored`: the files whose stored variant is current (metrics/stored.py
    `variants`), read from it; True for every variant. `prune`: the body
    names every column it reads (`prune_flags`)."""
    if not dims and (scope.filters or scope.branches is not None):
        raise ValueError("a filtered or scoped request needs dimensions")
    names = dependencies(reads, lean=not dims, stored=stored)
    if dims and any(MODELS[n].roster for n in names if n in MODELS):
        names = dependencies(["household_dims", *names], stored=stored)
    ctes = []
    for name in names:
        model = MODELS.get(name)
        if model and model.lean and not dims and not uses_stored(name, stored):
            sql = _lean(model)
        else:
            sql = sql_text(name, uses_stored(name, stored))
        # A stored variant carries the roster's dimensions already.
        if model and model.roster and not uses_stored(name, stored):
            sql = _with_roster_dims(sql, dims)
        where = scope.predicate(model.dims) if model and not model.lookup else "true"
        if where != "true":
            sql = f"select * from (\n{sql}\n) where {where}"
        # Not materialized: the optimizer then pushes the period and filters
        # down into the table scans.
        ctes.append(f"{name} as not materialized (\n{sql}\n)")
    head = ("with " + ",\n".join(ctes) + "\n") if ctes else ""
    return prune_flags(head + body) if prune else head + body


# A block as written (after a comma) or as pruned (its items each after one).
_FLAGS = re.compile(r",?\s*/\* flags \*/(.*?)/\* end flags \*/", re.DOTALL)
_ALIAS = re.compile(r"\bas\s+([a-z_][a-z0-9_]*)\s*$", re.IGNORECASE)


def _items(select_list: str) -> list[str]:
    """A select list cut at its top-level commas (not those in parentheses or
    quotes)."""
    items, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(select_list):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            items.append(select_list[start:i].strip())
            start = i + 1
    items.append(select_list[start:].strip())
    return [i for i in items if i]


@lru_cache(maxsize=1024)   # the same request composes the same text
def prune_flags(sql: str) -> str:
    """`sql` without the flag columns (a model's `/* flags */ ... /* end flags */`
    block, sql/ticket_facts.sql, sql/stored/ticket_placed.sql) that nothing
    else in it names: DuckDB binds
    every column of a CTE it reads, used or not, and a dozen period flags cost
    more to plan than a small count takes to run. Only for a statement whose
    result names its columns (aggregates), never `*` of a flagged model: a
    dropped flag would be missing from its rows."""
    def keep(match: re.Match) -> str:
        flags = {}
        for item in _items(match.group(1)):
            alias = _ALIAS.search(item)
            if not alias:
                raise MetricError("unknown_sql", name=item[:40])
            flags[alias.group(1)] = item
        rest = sql[:match.start()] + sql[match.end():]
        named = {n for n in flags if re.search(rf"\b{n}\b", rest)}
        while True:   # a kept flag keeps the flags it is computed from
            more = {n for n in flags if n not in named
                    and any(re.search(rf"\b{n}\b", flags[k]) for k in named)}
            if not more:
                break
            named |= more
        kept = [item for n, item in flags.items() if n in named]
        return ("\n        /* flags */" + "".join(",\n        " + item for item in kept)
                + "\n        /* end flags */")
    # A block's items may be what another block's dropped items read (a
    # stored table's columns, ticket_facts' flags): again until none goes.
    while (pruned := _FLAGS.sub(keep, sql)) != sql:
        sql = pruned
    return sql


def bind(sql: str, *sources: Mapping) -> dict:
    """The parameters `sql` uses, taken from `sources` (first wins)."""
    out = {}
    for name in dict.fromkeys(_PARAM.findall(sql)):
        for src in sources:
            if name in src:
                out[name] = src[name]
                break
        else:
            raise MetricError("unbound_parameter", name=name)
    return out
