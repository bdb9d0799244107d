"""Meta-tests: every KPI is declared completely and tested by hand; every list,
column and message has its words in both languages; the layer stays free of
Streamlit and of SQL built from values."""
from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from i18n import has, t
from metrics import LISTS, action_list, drill, kpis
from metrics.compose import dependencies, sql_files, sql_text
from metrics.display import column_label, format_value
from metrics.registry import MODELS, SQL_DIR, check
from metrics.sources import source_kind
from metrics.testing import WEEK, everything

ROOT = Path(__file__).resolve().parent.parent
TESTS = sorted(Path(__file__).parent.glob("test_metrics_*.py"))


def _test_names() -> set[str]:
    names = set()
    for path in TESTS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


@pytest.mark.parametrize("kpi_id", list(kpis()))
def test_kpi_is_declared_completely(kpi_id):
    k = kpis()[kpi_id]
    assert check(k) == []
    for lang in ("zh", "en"):
        label, description = k.text(lang)
        assert label.strip() and len(description) > 40
    assert (SQL_DIR / f"{k.model}.sql").is_file()


# The tables of each kind of export (pipelines.fields KINDS).
KIND_TABLES = {"temperature": ("temperature_readings",), "tickets": ("tickets",),
               "fees": ("fee_bills", "fee_payments")}


@pytest.mark.parametrize("kpi_id", list(kpis()))
def test_kpi_names_the_kind_of_data_it_counts(kpi_id):
    # metrics.sources.MODEL_KINDS is written by hand: a new KPI's model must be
    # there (pages and the weekly report tell "no data loaded" from a real 0 by
    # it), and the kind named must be one its SQL reads.
    k = kpis()[kpi_id]
    kind = source_kind(k)
    assert kind in KIND_TABLES, (kpi_id, k.model)
    text = "\n".join(sql_text(n) for n in dependencies([k.model]))
    assert any(re.search(rf"\b(from|join)\s+{t}\b", text) for t in KIND_TABLES[kind]), kind


@pytest.mark.parametrize("kpi_id", list(kpis()))
def test_kpi_has_a_hand_worked_test(kpi_id):
    # a test named test_<kpi id> or test_<kpi id>_<case> in tests/test_metrics_*.py
    names = _test_names()
    assert any(n == f"test_{kpi_id}" or n.startswith(f"test_{kpi_id}_") for n in names), kpi_id


def test_kpi_labels_are_unique():
    for lang in ("zh", "en"):
        labels = [k.text(lang)[0] for k in kpis().values()]
        assert len(labels) == len(set(labels))


@pytest.mark.parametrize("name", list(LISTS))
def test_list_has_words_and_a_test(name):
    assert has(f"metrics.list.{name}") and has(f"metrics.list_help.{name}")
    assert (SQL_DIR / f"{LISTS[name].sql}.sql").is_file()
    assert any(n == f"test_{name}" or n.startswith(f"test_{name}_") for n in _test_names())


def test_every_result_column_has_a_label(con):
    everything(con)
    columns = set()
    for name in LISTS:
        columns |= set(action_list(con, name, WEEK).columns)
    for k in kpis().values():
        for part in ("numerator", "denominator"):
            if part == "denominator" and not k.has_denominator and part not in k.drill:
                continue
            columns |= set(drill(con, k.id, WEEK, part).columns)
    for col in sorted(columns):
        for lang in ("zh", "en"):
            assert column_label(col, lang) != col, col


def test_metrics_texts_are_prefixed_and_bilingual():
    with (ROOT / "i18n" / "metrics.toml").open("rb") as fh:
        data = tomllib.load(fh)
    assert set(data) == {"metrics"}
    for key in [k for k in _flat(data)]:
        assert has(key)
        zh, en = t(key, "zh"), t(key, "en")
        assert zh.strip() and en.strip()
        assert sorted(re.findall(r"{(\w+)}", zh)) == sorted(re.findall(r"{(\w+)}", en)), key


def _flat(node, prefix=""):
    if "zh" in node:
        yield prefix
        return
    for k, v in node.items():
        yield from _flat(v, f"{prefix}.{k}" if prefix else k)


@pytest.mark.parametrize("name", sql_files())
def test_sql_file_style(name):
    raw = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    # named after what it produces, opened by a comment saying so
    assert raw.startswith(f"-- {name}:"), name
    assert sql_text(name).rstrip().endswith("select * from final")
    dependencies([name])


def test_models_have_sql_files():
    assert set(MODELS) <= set(sql_files())


def test_no_streamlit_in_metrics():
    for path in (ROOT / "metrics").rglob("*.py"):
        assert "streamlit" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("unit, value, lang, text", [
    ("percent", 0.9319, "zh", "93.2%"), ("count", 1282, "zh", "1,282"),
    ("yuan", 2463084.94, "zh", "¥2,463,084.94"), ("hours", 8.08, "zh", "8.1 小时"),
    ("hours", 8.08, "en", "8.1 h"), ("per_10k_m2", 6.8457, "en", "6.85"),
    ("percent", None, "zh", "—"),
])
def test_format_value(unit, value, lang, text):
    kpi = next(k for k in kpis().values() if k.unit == unit)
    assert format_value(kpi, value, lang) == text


@pytest.mark.parametrize("value, text", [
    (11201 / 11794, "94.97%"),    # 94.97%: "95.0%" would read as the 95% target met
    (0.9496, "94.96%"), (0.95004, "95.004%"), (0.95, "95.0%"), (0.9512, "95.1%"),
    (0.8, "80.0%"),
])
def test_a_rate_beside_its_target_shows_the_digits_that_tell_them_apart(value, text):
    kpi = kpis()["temp_household_compliance_rate"]
    assert kpi.target == 0.95
    assert format_value(kpi, value) == text


def test_a_kpi_that_is_not_a_share_names_the_units_of_its_parts():
    # 万平方米投诉量's parts read "1,175 of 171.64" (a count larger than its
    # base, like a share): a ratio of two different things says what each
    # counts, in both languages; a share (a rate, a count of a population)
    # needs no units, its parts count the same thing.
    for k in kpis().values():
        if k.kind == "ratio" and k.unit != "percent":
            assert k.numerator_unit and k.denominator_unit, k.id
        for unit in (k.numerator_unit, k.denominator_unit):
            if unit is not None:
                assert has(f"metrics.part.{unit}"), (k.id, unit)
                for lang in ("zh", "en"):
                    assert "{value}" in t(f"metrics.part.{unit}", lang)
    complaints = kpis()["complaints_per_10k_m2"]
    assert (complaints.numerator_unit, complaints.denominator_unit) == \
        ("complaints", "area_10k_m2")
    bare = replace(complaints, numerator_unit=None, denominator_unit=None)
    assert "numerator_unit and denominator_unit missing" in check(bare)
    assert "numerator_unit 'parsecs'" in check(replace(complaints, numerator_unit="parsecs"))


def test_a_part_named_by_a_kpi_is_a_count_of_its_rows():
    # 漏件数 names the count of its items carried over from earlier seasons:
    # the same rows (model and population), so one scan reads both and the
    # same filters and scope apply.
    named = {k.id: k.of_which for k in kpis().values() if k.of_which}
    assert named == {"ticket_unanswered": "ticket_unanswered_carried_over"}
    for kpi_id, part in named.items():
        whole, of = kpis()[kpi_id], kpis()[part]
        assert (of.model, of.population, of.kind) == (whole.model, whole.population, "count")
        for lang in ("zh", "en"):
            assert "{n}" in t(f"ui.kpi.of_which.{part}", lang)
