"""The registry: every KPI (kpis.toml) and every model it reads (sql/*.sql).

A model is a SQL file producing one row per fact, with dimension columns; the
query layer filters models by dimension and branch scope, then aggregates.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipelines.fields import DATASETS
from pipelines.settings import load_settings

from .errors import MetricError

HERE = Path(__file__).parent
SQL_DIR = HERE / "sql"
KPI_FILE = HERE / "kpis.toml"

HOUSEHOLD_DIMS = ("branch", "station", "community", "building", "zone", "customer_type")
# Every dimension a filter or a group-by may name (a whitelist: these become
# column names in SQL; values are always bound parameters).
DIMENSIONS = HOUSEHOLD_DIMS + ("category", "channel", "collector", "method")
TIME_GRAINS = ("day", "week")
KINDS = ("rate", "count", "sum", "ratio", "quantile")
UNITS = ("percent", "count", "hours", "yuan", "per_10k_m2")
# What the parts of a KPI that is not a share count (numerator_unit, denominator_unit).
PART_UNITS = ("complaints", "area_10k_m2")
DIRECTIONS = ("higher", "lower", "neutral")
ALL_ROWS = "all_rows"

# Personal data as fields.py marks it (masked for roles without permission).
PERSONAL_COLUMNS = frozenset(
    f.name for ds in DATASETS.values() for f in ds.fields if f.personal)

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Model:
    """A relation made by metrics/sql/<name>.sql. `dims` are the dimension
    columns it carries; filters and the branch scope are applied to it where it
    is defined, unless it is a `lookup` (read whole; what is built on it is
    filtered). A `roster` model has a household_id and gets the household's
    dimensions from the roster, joined by the query layer only when a request
    filters, scopes or groups by them: the join costs more than anything else
    on ten million readings. A model with a `lean` twin is replaced by it when
    no dimension is needed."""
    name: str
    dims: tuple[str, ...]
    lookup: bool = False
    roster: bool = False
    # Without dimensions, read this model instead (it has the same rows and
    # every column but the dimensions it lacks).
    lean: str | None = None


MODELS: dict[str, Model] = {m.name: m for m in (
    Model("reading_flags", HOUSEHOLD_DIMS, roster=True),
    Model("reading_facts", HOUSEHOLD_DIMS),
    Model("reading_marks", HOUSEHOLD_DIMS),
    Model("household_latest_readings", HOUSEHOLD_DIMS, roster=True),
    Model("household_coverage", HOUSEHOLD_DIMS),
    Model("ticket_base", ("category", "channel")),
    Model("ticket_placed", HOUSEHOLD_DIMS + ("category", "channel"), lean="ticket_base"),
    Model("ticket_facts", HOUSEHOLD_DIMS + ("category", "channel")),
    Model("complaint_area", HOUSEHOLD_DIMS),
    Model("fee_facts", HOUSEHOLD_DIMS, roster=True),
    Model("collection_amount", HOUSEHOLD_DIMS, roster=True),
    Model("payment_facts", HOUSEHOLD_DIMS + ("collector", "method"), roster=True),
    Model("refund_days", HOUSEHOLD_DIMS),
    Model("household_dims", HOUSEHOLD_DIMS, lookup=True),
    Model("heated_households", HOUSEHOLD_DIMS, lookup=True),
    Model("station_branches", ("branch", "station"), lookup=True),
    Model("household_targets", (), lookup=True),
)}


@dataclass(frozen=True)
class RowSet:
    """Rows of a model: those where `population` is true (drill-through)."""
    model: str
    population: str = ALL_ROWS


@dataclass(frozen=True)
class Kpi:
    id: str
    label: dict[str, str]
    description: dict[str, str]
    unit: str
    direction: str
    kind: str
    model: str
    population: str
    numerator: str | None = None
    denominator: str | None = None
    time: str | None = None
    q: float | None = None
    # What the numerator and the denominator count, for a KPI that is not a
    # share (a ratio of two different things): i18n metrics.part.<unit>.
    numerator_unit: str | None = None
    denominator_unit: str | None = None
    # Another KPI counting some of this one's rows (same model and
    # population), shown beside it: "其中往季遗留 87 件" (ui.kpi.of_which.<id>).
    of_which: str | None = None
    # A KPI whose denominator must not be 0 for this one to have a value:
    # the refund exposure of a slice without a valid reading is unknown (—),
    # not ¥0.00. Read with the same filters, scope and grouping.
    needs: str | None = None
    # A figure standing at the cut-off (漏件, the season's collection to date,
    # arrears): it holds without any of the period's own rows, so a period
    # whose rows of its kind were not uploaded still has it (metrics.sources).
    standing: bool = False
    # A standing figure counting rows of earlier seasons too (漏件 carried
    # over): last season's has none to count where nothing before it was
    # loaded, so it is no comparison then (metrics.sources.carried_short).
    carried: bool = False
    summary: bool = False
    drill: dict[str, RowSet] = field(default_factory=dict)

    @property
    def dims(self) -> tuple[str, ...]:
        return MODELS[self.model].dims

    @property
    def group_bys(self) -> tuple[str, ...]:
        return self.dims + (TIME_GRAINS if self.time else ())

    @property
    def has_denominator(self) -> bool:
        """Whether the KPI publishes a denominator (a sum's count of rows only
        decides whether it has a value: 19,223 bills is no denominator of an
        amount owed)."""
        return self.kind in ("rate", "ratio", "quantile") or (
            self.kind == "count" and self.denominator == "population")

    @property
    def counts_population(self) -> bool:
        """A count or sum whose denominator is the rows of its population:
        its value is null when there are none (nothing to count or sum
        over: no bill, no reading), not 0."""
        return self.kind in ("count", "sum") and self.denominator == "population"

    @property
    def target(self) -> float | None:
        """From settings.toml [kpi_targets]; None when not set."""
        value = load_settings().get("kpi_targets", {}).get(self.id)
        return None if value is None else float(value)

    def text(self, lang: str = "zh") -> tuple[str, str]:
        """(label, description) in `lang`."""
        return self.label.get(lang) or self.label["zh"], \
            self.description.get(lang) or self.description["zh"]

    def rows(self, part: str) -> RowSet:
        """The rows behind the numerator or the denominator."""
        if part not in ("numerator", "denominator"):
            raise MetricError("bad_part", part=part)
        if part in self.drill:
            return self.drill[part]
        return RowSet(self.model, self.population)


def _kpi(kpi_id: str, d: dict) -> Kpi:
    drill = {part: RowSet(**spec) for part, spec in d.pop("drill", {}).items()}
    kpi = Kpi(id=kpi_id, drill=drill, **d)
    problems = check(kpi)
    if problems:
        raise ValueError(f"kpis.toml [{kpi_id}]: " + "; ".join(problems))
    return kpi


def check(kpi: Kpi) -> list[str]:
    """What is wrong with a declaration (empty when nothing)."""
    out = []
    if not _IDENT.match(kpi.id):
        out.append("id must be snake_case")
    for attr in ("label", "description"):
        for lang in ("zh", "en"):
            if not getattr(kpi, attr).get(lang, "").strip():
                out.append(f"{attr}.{lang} missing")
    if kpi.unit not in UNITS:
        out.append(f"unit {kpi.unit!r}")
    if kpi.direction not in DIRECTIONS:
        out.append(f"direction {kpi.direction!r}")
    if kpi.kind not in KINDS:
        out.append(f"kind {kpi.kind!r}")
    if kpi.model not in MODELS or not (SQL_DIR / f"{kpi.model}.sql").is_file():
        out.append(f"model {kpi.model!r}")
    for col in (kpi.population, kpi.numerator, kpi.denominator, kpi.time):
        if col is not None and not _IDENT.match(col):
            out.append(f"column {col!r} is not an identifier")
    if kpi.kind in ("rate", "sum", "ratio", "quantile") and not kpi.numerator:
        out.append("numerator missing")
    if kpi.kind == "ratio" and not kpi.denominator:
        out.append("denominator missing")
    if kpi.kind in ("count", "sum") and kpi.denominator not in (None, "population"):
        out.append(f"a {kpi.kind}'s denominator is 'population' or nothing")
    if kpi.kind == "quantile" and not (kpi.q is not None and 0 < kpi.q < 1):
        out.append("quantile needs 0 < q < 1")
    if kpi.kind == "ratio" and kpi.unit != "percent" and not (
            kpi.numerator_unit and kpi.denominator_unit):
        out.append("numerator_unit and denominator_unit missing")
    for unit in (kpi.numerator_unit, kpi.denominator_unit):
        if unit is not None and unit not in PART_UNITS:
            out.append(f"numerator_unit {unit!r}" if unit == kpi.numerator_unit
                       else f"denominator_unit {unit!r}")
    for part, rows in kpi.drill.items():
        if part not in ("numerator", "denominator") or rows.model not in MODELS:
            out.append(f"drill.{part}")
    return out


@lru_cache(maxsize=1)
def kpis() -> dict[str, Kpi]:
    """Every KPI by id, in declaration order."""
    with KPI_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    out = {k: _kpi(k, dict(v)) for k, v in raw.items()}
    for kpi in out.values():
        part = out.get(kpi.of_which) if kpi.of_which else None
        if kpi.of_which and (part is None or part.kind != "count" or
                             (part.model, part.population) != (kpi.model, kpi.population)):
            raise ValueError(f"kpis.toml [{kpi.id}]: of_which {kpi.of_which!r} is not a "
                             "count of its rows")
        gate = out.get(kpi.needs) if kpi.needs else None
        if kpi.needs and (gate is None or not gate.has_denominator or gate.needs
                          or not set(kpi.group_bys) <= set(gate.group_bys)):
            raise ValueError(f"kpis.toml [{kpi.id}]: needs {kpi.needs!r} is not a KPI with a "
                             "denominator over the same dimensions")
    return out


def get(kpi_id: str) -> Kpi:
    try:
        return kpis()[kpi_id]
    except KeyError:
        raise MetricError("unknown_kpi", kpi=kpi_id) from None


def summary_kpis() -> list[Kpi]:
    return [k for k in kpis().values() if k.summary]
