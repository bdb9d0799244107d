"""Numbers, dates and weeks as each language writes them."""
from __future__ import annotations

import datetime as dt

import pandas as pd

import i18n
from i18n import t
from pipelines.coverage import week_bounds

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# No value: the dash the cards and the weekly report write (metrics.display).
EMPTY = "—"


def _missing(x) -> bool:
    return x is None or bool(pd.isna(x))  # None, NaN and NaT


def literal(text) -> str:
    """Text from a file (a cell, a header, a file name, a message quoting
    them) shown as written in Markdown: a [link](…), an ![image](…), *, _
    or a tag in it is not read as markup."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|~$!" else ch for ch in str(text))


def join(items, lang: str = "zh") -> str:
    """A list in running text: 甲、乙 / a, b (i18n.join)."""
    return i18n.join(items, lang)


def number(x, lang: str = "zh", decimals: int = 0) -> str:
    """Thousands grouped with commas (usual in Chinese business reports too)."""
    if _missing(x):
        return EMPTY
    return f"{x:,.{decimals}f}"


def percent(x, lang: str = "zh", decimals: int = 1) -> str:
    if _missing(x):
        return EMPTY
    return f"{x * 100:.{decimals}f}%"


def sign(shown: str, x) -> str:
    """The sign of a change `x` written as `shown` (its size, as written):
    none when that rounds to zero ("0.0", never "-0.0" or "+0.0")."""
    return "" if float(shown.replace(",", "")) == 0 else "-" if x < 0 else "+"


def points(x, lang: str = "zh", decimals: int = 1) -> str:
    """A change of a rate in percentage points (`x` in points), signed as on
    the KPI cards: '+1.6 个百分点' / '-1.6 pp', '0.0 个百分点' when it rounds to zero."""
    if _missing(x):
        return EMPTY
    size = f"{abs(x):.{decimals}f}"
    return t("ui.kpi.points", lang, value=sign(size, x) + size)


def file_size(n_bytes: int, lang: str = "zh", kilo: int = 1024) -> str:
    """0 B, 512 B, 5.2 KB, 3.0 MB, as the upload chip above the card says it
    (Streamlit's file uploader): the next unit once over half of it (600 B is
    0.6 KB), a kilobyte of `kilo` bytes (1024 on Windows, 1000 elsewhere:
    the chip follows the browser's system); bytes below that, so an empty
    file shows as empty."""
    x, unit = float(n_bytes), 0
    while unit < len(_SIZE_UNITS) - 1 and x > kilo / 2:
        x, unit = x / kilo, unit + 1
    return f"{n_bytes:,} B" if unit == 0 else f"{x:,.1f} {_SIZE_UNITS[unit]}"


_SIZE_UNITS = ("B", "KB", "MB", "GB")


def date(d, lang: str = "zh") -> str:
    """2025年11月16日 / 16 Nov 2025."""
    if _missing(d):
        return EMPTY
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def short_date(d, lang: str = "zh") -> str:
    """11月16日 / 16 Nov."""
    if _missing(d):
        return EMPTY
    return f"{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {_MONTHS_EN[d.month - 1]}"


def datetime(d, lang: str = "zh") -> str:
    """2025年11月16日 08:05 / 16 Nov 2025 08:05."""
    if _missing(d):
        return EMPTY
    if not isinstance(d, dt.datetime):
        return date(d, lang)
    return f"{date(d, lang)} {d:%H:%M}"


def has_time(d) -> bool:
    """Whether a data row's time says a time of day: a receipt exported with
    its date only is stored at 00:00, which is no time to show."""
    return isinstance(d, dt.datetime) and d.time() != dt.time(0)


def event_time(d, lang: str = "zh") -> str:
    """A data row's time as `datetime`, or its date alone when it has no time
    of day ("收费数据 · 数据截至 2026年3月15日", not "… 00:00")."""
    if _missing(d):
        return EMPTY
    return datetime(d, lang) if has_time(d) else date(d, lang)


def week(name: str, lang: str = "zh") -> str:
    """2025年第47周 11/17–11/23 / 2025-W47 · 17 Nov – 23 Nov (short: a sidebar picker)."""
    monday, sunday = week_bounds(name)
    if lang == "zh":
        return (f"{name[:4]}年第{int(name[6:])}周 "
                f"{monday.month}/{monday.day}–{sunday.month}/{sunday.day}")
    return f"{name} · {short_date(monday, lang)} – {short_date(sunday, lang)}"


def period(start: dt.date, end: dt.date, lang: str = "zh") -> str:
    return f"{date(start, lang)} – {date(end, lang)}"


def datetime_column_format(lang: str = "zh", with_time: bool = True) -> str:
    """The same datetime style for st.column_config (a moment.js pattern);
    `with_time=False`: the date alone, as `date`."""
    day = "YYYY年M月D日" if lang == "zh" else "D MMM YYYY"
    return f"{day} HH:mm" if with_time else day
