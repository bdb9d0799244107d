"""The help text of a KPI (metrics/kpis.toml) may name a time limit; when it
does, the limit is the one settings.toml sets. 按时办结率 said 咨询 0 小时 /
consultations 0 h while settings gave 咨询 resolve_hours = 1."""
from __future__ import annotations

import re

import pytest

from metrics import kpis
from pipelines.settings import load_settings

CATEGORY_WORDS = {
    "zh": {"咨询": "咨询", "报修": "报修", "抢修": "抢修", "投诉": "投诉", "举报": "举报",
           "建议": "建议"},
    "en": {"consultation": "咨询", "emergency repair": "抢修", "repair": "报修",
           "complaint": "投诉", "report": "举报", "suggestion": "建议"},
}
HOURS = {"zh": r"(\d+(?:\.\d+)?)\s*小时", "en": r"(\d+(?:\.\d+)?)\s*(?:h|hours?)\b"}


def stated_limits(text: str, lang: str) -> list[tuple[str | None, float]]:
    """(category or None, hours) for every number of hours the text states: a
    category named just before the number (咨询 0 小时, emergency repairs: 2
    hours) is the limit of that category."""
    words = sorted(CATEGORY_WORDS[lang], key=len, reverse=True)
    category = "|".join(re.escape(w) for w in words)
    out = []
    for m in re.finditer(HOURS[lang], text):
        before = text[max(0, m.start() - 30):m.start()]
        named = re.findall(rf"({category})(?:s|es)?\W*$", before, flags=re.IGNORECASE)
        cat = CATEGORY_WORDS[lang][named[-1].lower()] if named else None
        out.append((cat, float(m.group(1))))
    return out


def settings_hours() -> tuple[dict[str, set[float]], set[float]]:
    tickets = load_settings()["tickets"]
    per_category = {c: {float(v) for k, v in limits.items() if k.endswith("_hours")}
                    for c, limits in tickets["limits"].items()}
    every = set().union(*per_category.values(), {float(tickets["followup_limit_hours"])})
    return per_category, every


def test_the_reading_of_a_stated_limit():
    assert stated_limits("咨询 0 小时,即须当场答复", "zh") == [("咨询", 0.0)]
    assert stated_limits("(settings; emergency repairs: 2 hours by default)", "en") == \
        [("抢修", 2.0)]
    assert stated_limits("(设置,默认 48 小时)", "zh") == [(None, 48.0)]
    assert stated_limits("consultations 0 h, answered", "en") == [("咨询", 0.0)]


@pytest.mark.parametrize("kpi_id", list(kpis()))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_limit_in_a_kpi_description_is_the_settings_limit(kpi_id, lang):
    per_category, every = settings_hours()
    description = kpis()[kpi_id].text(lang)[1]
    for category, hours in stated_limits(description, lang):
        if category is not None:
            assert hours in per_category.get(category, set()), (kpi_id, lang, category, hours)
        else:
            assert hours in every, (kpi_id, lang, hours)


def test_the_on_time_rate_names_no_consultation_hours():
    # The consultation limit is the one most likely changed (0 made a call
    # closed a minute later late): the text leaves the number to settings.
    for lang in ("zh", "en"):
        description = kpis()["ticket_on_time_rate"].text(lang)[1]
        assert not [c for c, _ in stated_limits(description, lang) if c == "咨询"]
