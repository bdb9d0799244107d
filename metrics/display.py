"""Numbers as the meeting reads them: per unit and language."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from i18n import DEFAULT_LANG, has, t

from .registry import Kpi

def display_width(text: str) -> int:
    """Columns a text takes (in a terminal, a grid, a sheet): CJK characters
    are about two wide."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if TYPE_CHECKING:  # pandas loads on first use: loading a file never needs it
    import pandas as pd

# Hours overdue run into the thousands (11,571.3): the pages' tables and the
# weekly report give them in days (one decimal), a number still, so a column
# of them sorts by the real duration.
OVERDUE_HOURS, OVERDUE_DAYS = "hours_overdue", "days_overdue"

# Columns whose values come from the source systems in Chinese: the
# translation key of each value (a value without a key stays as it is).
VALUE_KEYS = {"category": "page.tickets.category", "channel": "page.tickets.channel",
              "method": "page.fees.method", "customer_type": "ui.grid.value.customer_type",
              "heating_status": "ui.grid.value.heating_status", "zone": "ui.grid.value.zone",
              "satisfaction": "ui.grid.value.satisfaction"}


def format_value(kpi: Kpi, value, lang: str = "zh", digits: int | None = None) -> str:
    """'93.2%', '8.1 小时', '¥2,463,084.94', '1,282'; '—' when there is no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    one, two = (1, 2) if digits is None else (digits, digits)
    if digits is None:
        # 94.97% against a 95% target reads "95.0%" beside "target missed":
        # a figure on the other side of its target gets the digits that show it.
        one = _beside_target(kpi, value, one)
    if kpi.unit == "percent":
        return f"{value * 100:.{one}f}%"
    if kpi.unit == "count":
        return f"{int(value):,}"
    if kpi.unit == "yuan":
        return f"¥{value:,.{two}f}"
    if kpi.unit == "hours":
        return t("metrics.unit.hours_value", lang, value=f"{value:.{one}f}")
    return f"{value:,.{two}f}"


# How a figure is rounded where a change is written beside it (the change
# likewise, everywhere: reports.cells.change_shown): a rate to a tenth of a
# point, hours to a tenth, money to the fen, a count whole, anything else
# (complaints per 10,000 m²) to 0.01.
CHANGE_DIGITS = {"percent": 1, "count": 0, "hours": 1, "yuan": 2}


def shown_scale(unit: str) -> tuple[int, int]:
    """(scale, digits) of a figure of `unit` as shown: a rate in points."""
    return (100 if unit == "percent" else 1), CHANGE_DIGITS.get(unit, 2)


def change(unit: str, now, before) -> float | None:
    """`now` − `before` as a reader of the two figures works it out: from each
    rounded as it is shown, so 97.4% against 92.9% changes by 4.5 points, as
    the table says, and not by the 4.6 of 97.44% − 92.86%. In the figures'
    own unit (a rate's change as a fraction); None without either."""
    if now is None or before is None or now != now or before != before:
        return None
    scale, digits = shown_scale(unit)
    shown = round(round(float(now) * scale, digits) - round(float(before) * scale, digits),
                  digits)
    return shown / scale + 0.0   # + 0.0: no -0.0


def changes(unit: str, now, before):
    """`change` for each pair of two columns (pandas Series), as floats."""
    import pandas as pd
    return pd.Series([change(unit, a, b) for a, b in zip(now, before)], index=now.index,
                     dtype="float64")


def _beside_target(kpi: Kpi, value: float, digits: int) -> int:
    """Decimals (of the shown unit) enough that `value` and the KPI's target,
    when they differ, do not read alike; at most four."""
    target = kpi.target
    if target is None or kpi.unit not in ("percent", "hours") or value == target:
        return digits
    scale = 100 if kpi.unit == "percent" else 1
    while digits < 4 and round(value * scale, digits) == round(target * scale, digits):
        digits += 1
    return digits


def card_value(kpi: Kpi, value, lang: str = "zh") -> str:
    """The figure on a KPI card: as format_value, but an amount of money in
    the meeting's units, short enough for a card ('¥780.42 万', '¥7.80 M');
    the card's caption gives it to the fen."""
    if kpi.unit != "yuan" or value is None or (isinstance(value, float) and math.isnan(value)):
        return format_value(kpi, value, lang)
    return compact_yuan(value, lang)


def compact_unit(size: float, lang: str = "zh") -> tuple[float, str] | None:
    """The unit an amount of `size` yuan is shown in by compact_yuan: (its
    size in yuan, its word), or None for yuan to the fen."""
    steps = ((1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e6, "M"), (1e4, "k"))
    for step, word in steps:
        if round(abs(size), 2) >= step:
            return (step if word != "k" else 1e3), word
    return None


def compact_yuan(value: float, lang: str = "zh", like: float | None = None) -> str:
    """'¥9,999.50', '¥780.42 万', '¥2.50 亿' (zh); '¥9,999.50', '¥78.00 k',
    '¥7.80 M' (en). With `like`, in the larger unit of the two: a change
    beside ¥7.56 M reads +¥0.25 M, not +¥248.33 k."""
    size, sign = abs(value), "-" if value < 0 else ""
    unit = compact_unit(max(size, abs(like or 0)), lang)
    if unit is None:
        return f"{sign}¥{size:,.2f}"
    return f"{sign}¥{size / unit[0]:,.2f} {unit[1]}"


def compact_change(now: float, before: float, lang: str = "zh") -> float:
    """`now` − `before` as the two amounts are shown in compact_yuan's unit
    of the larger: ¥780.42 万 − ¥905.37 万 = −¥124.95 万 (to the fen it is
    −¥124.96 万, which no reader of the two figures gets). In yuan."""
    unit = compact_unit(max(abs(now), abs(before)), lang)
    if unit is None:
        return change("yuan", now, before)
    step = unit[0]
    return round(round(now / step, 2) - round(before / step, 2), 2) * step


def money_parts(kpi: Kpi) -> bool:
    """Whether the KPI's numerator is an amount of money: an amount (its
    denominator then counts rows), or a share of amounts (the collection rate
    by amount, paid_yuan ÷ due_yuan, both money)."""
    return kpi.unit == "yuan" or str(kpi.numerator).endswith("_yuan")


def format_parts(kpi: Kpi, numerator, denominator, lang: str = "zh",
                 compact: bool = False) -> tuple[str, str]:
    """A KPI's numerator and denominator as shown beside it: amounts of money
    with ¥ (to the fen, or in the meeting's units when `compact`), the rest
    as format_part."""
    money = money_parts(kpi)

    def one(value, is_money: bool) -> str:
        if not is_money or value is None or (isinstance(value, float) and math.isnan(value)):
            return format_part(value)
        if compact:
            return compact_yuan(value, lang)
        return f"{'-' if value < 0 else ''}¥{abs(value):,.2f}"
    return one(numerator, money), one(denominator, money and kpi.unit != "yuan")


def format_part(value) -> str:
    """A numerator or denominator: integers with separators, amounts with 2 decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def parts_with_units(kpi: Kpi, numerator, denominator, lang: str = "zh") -> str | None:
    """'1,175 件投诉 / 171.64 万㎡' / '1,175 complaints / 171.64 × 10,000 m²':
    the parts of a KPI that is not a share, each with what it counts (the
    registry's numerator_unit and denominator_unit); None for a share, whose
    parts count the same thing."""
    if not (kpi.numerator_unit and kpi.denominator_unit):
        return None
    return (t(f"metrics.part.{kpi.numerator_unit}", lang, value=format_part(numerator))
            + " / "
            + t(f"metrics.part.{kpi.denominator_unit}", lang, value=format_part(denominator)))


def column_label(column: str, lang: str = "zh") -> str:
    """The header of a result column: the field's label where the warehouse
    has that field, else the KPI layer's own."""
    for key in (f"field.{column}", f"metrics.col.{column}"):
        if has(key):
            return t(key, lang)
    return column


def list_label(name: str, lang: str = "zh") -> tuple[str, str]:
    """(title, what it shows) of an action list."""
    return t(f"metrics.list.{name}", lang), t(f"metrics.list_help.{name}", lang)


def reason_text(reason: str | None, carried_over=False, lang: str = "zh") -> str:
    """Why a ticket is in the unanswered list (ticket_actions' reason), in
    words, and whether it was received before the season the period reads
    (ticket_actions.carried_over: one of the unanswered KPI's 往季遗留; True,
    numpy's or pandas' nullable True alike, a missing flag is not)."""
    if not isinstance(reason, str) or not reason:
        return ""
    text = t(f"metrics.reason.{reason}", lang)
    return text + t("metrics.reason.carried_over", lang) if str(carried_over) == "True" \
        else text


def reasons_of(df: pd.DataFrame, lang: str) -> list[str]:
    """reason_text of every row of a ticket_actions list."""
    carried = df["carried_over"] if "carried_over" in df.columns else [False] * len(df)
    return [reason_text(r, c, lang) for r, c in zip(df["reason"], carried)]


def overdue_in_days(df: pd.DataFrame, columns: Sequence[str] | None
                    ) -> tuple[pd.DataFrame, list[str]]:
    """`df` and its columns to show with hours overdue given as days (one decimal)."""
    cols = list(columns) if columns is not None else list(df.columns)
    if OVERDUE_HOURS not in cols:
        return df, cols
    import pandas as pd
    days = (pd.to_numeric(df[OVERDUE_HOURS], errors="coerce") / 24).round(1)
    return (df.assign(**{OVERDUE_DAYS: days}),
            [OVERDUE_DAYS if c == OVERDUE_HOURS else c for c in cols])


def value_text(column: str, value, lang: str):
    """A source system's value in `lang` (category 举报 -> Report)."""
    if lang == DEFAULT_LANG or not isinstance(value, str) or column not in VALUE_KEYS:
        return value
    key = f"{VALUE_KEYS[column]}.{value}"
    return t(key, lang) if has(key) else value


# Columns listing several values joined as Chinese writes a list (2024-2025、
# 2025-2026: a household's seasons owed), written as `lang` lists them.
LIST_COLUMNS = ("seasons",)


def translate_values(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The frame with its source-system values in `lang`, for the table and its
    download only: filters and links work on the original values."""
    cols = [c for c in df.columns if c in VALUE_KEYS]
    lists = [c for c in df.columns if c in LIST_COLUMNS]
    if lang == DEFAULT_LANG or not (cols or lists) or df.empty:
        return df
    out = df.copy()
    for c in cols:
        out[c] = [value_text(c, v, lang) for v in out[c]]
    for c in lists:
        out[c] = [v.replace("、", ", ") if isinstance(v, str) else v for v in out[c]]
    return out
