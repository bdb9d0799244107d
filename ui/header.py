"""The header above every page: the company, and how fresh each kind of data is."""
from __future__ import annotations

import streamlit as st

from i18n import t
from pipelines.coverage import freshness
from pipelines.settings import load_settings

from . import db, fmt


def company_name(lang: str) -> str:
    company = load_settings()["company"]
    return company["name_zh"] if lang == "zh" else company["name_en"]


def draw(lang: str) -> None:
    st.caption(f"{company_name(lang)} · {t('ui.app.title', lang)}")
    items = db.query(freshness)
    for col, f in zip(st.columns(len(items)), items):
        col.caption(f"**{t(f'kind.{f.kind}', lang)}** · {describe(f, lang)}")


def describe(f, lang: str) -> str:
    """One line: the newest data and when it was loaded."""
    if f.batches == 0 and f.rows == 0:
        return t("ui.freshness.none", lang)
    parts = []
    if f.last_at is not None:
        parts.append(t("ui.freshness.data_to", lang, time=fmt.datetime(f.last_at, lang)))
    else:
        parts.append(t("ui.freshness.rows", lang, rows=fmt.number(f.rows, lang)))
    if f.last_loaded_at is not None:
        parts.append(t("ui.freshness.loaded_at", lang,
                       time=fmt.datetime(f.last_loaded_at, lang)))
    return " · ".join(parts)
