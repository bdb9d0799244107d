"""收费: how much of the season's fees is collected, against last season, by
branch, station and community; who owes what and since when; whether each
day's receipts settle (日清日结); and what should have been billed otherwise
(应征不漏、应免不征). Every figure from the KPI layer for the sidebar's filters."""
from __future__ import annotations

from functools import partial

import streamlit as st

from i18n import t
from metrics import action_list, get
from metrics import fee_views as fv
from reports.data import without_overlaps
from ui import db, figures, fmt, kept, kpi, long_lists, session, tables
from ui import fee_charts as charts
from ui.charts import AREA
from ui.drill import rows_behind
from ui.kpi_bars import by_slice
from ui.lang import current
from ui.prefetch import prefetch
from ui.sidebar import current_filters

HEADLINE = ("fee_collection_rate_amount", "fee_collection_rate_households", "fee_arrears_amount",
            "fee_collected_amount")
DRILL = HEADLINE
# Two cards a row: four in one cut the amounts at 1366 px ("¥1,318.25…").
PER_ROW = 2
DEBTORS_SHOWN = 100
# Who owes, how much and since when first, then where: at 1366 px a table
# shows about seven columns before it scrolls sideways (the amount was the 15th).
DEBTOR_COLUMNS = ("household_id", "name", "arrears_yuan", "age_days", "community", "building",
                  "unit", "room", "phone", "seasons", "due_yuan", "paid_yuan", "last_paid_at",
                  "branch", "station", "address", "customer_type")
AGE_COLUMNS = ("seasons_behind", "partly_paid", "arrears_yuan", "households", "bills",
               "age_days")
RECEIPT_COLUMNS = ("receipt_no", "paid_at", "collector", "method", "amount", "household_id",
                   "season", "branch", "station", "community", "file_name", "source_row")
LEAKS = {   # each list's finding first after the household, the place after
    "unbilled_households": ("household_id", "branch", "station", "community", "building", "unit",
                            "room", "name", "phone", "address", "heated_area_m2",
                            "heating_status", "file_name", "source_row"),
    "payments_without_bill": ("household_id", "receipt_no", "paid_at", "amount", "season",
                              "method", "collector", "branch", "station", "community",
                              "file_name", "source_row"),
    "bill_mismatches": ("household_id", "name", "due_yuan", "expected_yuan", "difference_yuan",
                        "area_m2", "unit_price", "exemption_yuan", "heating_status",
                        "cannot_check", "community", "building", "room", "branch", "station",
                        "file_name", "source_row"),
    "charged_in_full": ("household_id", "name", "heating_status", "due_yuan", "full_yuan",
                        "expected_yuan", "stopped_charged_full", "exempt_charged_full",
                        "area_m2", "unit_price", "exemption_yuan", "community", "building",
                        "room", "branch", "station", "file_name", "source_row"),
}

session.page_guard()
lang = current()
f = current_filters()
period, filters, scope = kpi.period_of(f), kpi.metric_filters(f), kpi.scope()
# The grouping picked on the last run (its control is drawn further down).
LEVEL = "fees_level"
# kept while another page is open (ui.kept); read here for the prefetch below
level = kept.restore(LEVEL, "station", fv.LEVELS)

# Every read of the page, run side by side before it draws (ui.prefetch).
CARDS = kpi.card_calls(HEADLINE, f)
CURVE = (fv.collection_curve, period, filters, scope)
BY = (fv.collection_by, level, period, filters, scope)
ARREARS = (fv.arrears_rows, period, filters, scope)
DAILY = (action_list, "daily_receipts", period, filters, scope)
MISSING = (action_list, "receipts_without_invoice", period, filters, scope)
LEAK_READS = {name: (action_list, name, period, filters, scope) for name in LEAKS}
# A period between two seasons reads the fees of the one that ended; the
# coming season's collection may be under way meanwhile: its rates so far,
# said above the page.
AHEAD = kpi.coming_call(f)
reads = prefetch([*CARDS, CURVE, BY, ARREARS, DAILY, MISSING, *LEAK_READS.values(),
                  *([AHEAD] if AHEAD else [])])


def tr(key: str, **params) -> str:
    return t(f"page.fees.{key}", lang, **params)


def plot(key: str, inputs: tuple, build) -> None:
    """A chart built once per `inputs` (the reads it draws), language and data
    version, and shared by every session (ui.figures)."""
    figures.show(key, (*inputs, lang), build, lang, config={"displayModeBar": False})


# Money as in every table: grouped thousands, to the fen, a negative with its
# sign (-578.82), under a header naming 元 (tables.MONEY_FORMAT).
YUAN = st.column_config.NumberColumn(format=tables.MONEY_FORMAT)

st.title(tr("title"))
places = fmt.join(f.places(kpi.scope()), lang) or t("ui.filters.whole_company", lang)
st.caption(tr("scope", season=period.fee_season, cutoff=fmt.date(f.end, lang), places=places))

cards = kpi.card_row(HEADLINE, f, lang, per_row=PER_ROW, fetched=[reads.get(c) for c in CARDS])
# No bill of the fee season in the selection (a season not yet billed): its
# rates and arrears have no value (—, metrics: denominator 0), and the checks
# of its bills find nothing because there is nothing to check, not because
# all is well.
billed = cards["fee_collection_rate_households"].now.denominator != 0
no_bills = tr("no_bills", season=period.fee_season)
if not billed:
    st.info(no_bills, icon=":material/receipt_long:")
ahead = fv.coming_rates(reads.get(AHEAD) if AHEAD else None)
if ahead:
    amount, households = ahead
    st.info(tr("coming", coming=AHEAD[1].season, season=period.fee_season,
               cutoff=fmt.date(f.end, lang), rate=fmt.percent(amount.value, lang),
               paid=f"{amount.numerator:,.2f}", due=f"{amount.denominator:,.2f}",
               rate_households=fmt.percent(households.value, lang),
               fully=f"{households.numerator:,}", billed=f"{households.denominator:,}"),
            icon=":material/event_upcoming:")
rows_behind(DRILL, period, filters, scope, lang, key="fees")

# --- collection through the season -----------------------------------------------------
st.subheader(tr("curve.title"))
curve = reads.get(CURVE)
plot("collection_curve", (CURVE,), lambda: charts.collection_curve(curve, lang))
st.caption(tr("curve.note"))

# --- by branch, station, community --------------------------------------------------------
st.subheader(tr("by.title"))
# Its choice set as state above (kept.restore), not as default=: a language
# switch tells every control its choice again (ui.lang), and a default beside
# a set state is a warning in the server's log.
picked = st.segmented_control(tr("by.level"), fv.LEVELS, key=LEVEL,
                              format_func=lambda lv: t(f"field.{lv}", lang), required=True)
kept.keep(LEVEL)
if picked and picked != level:   # changed on this run: read it now
    level, BY = picked, (fv.collection_by, picked, period, filters, scope)
by = reads.get(BY)
# The chart above its table, each the page's width: beside the chart, the
# table's twelve columns showed four at 1366 px and scrolled for the rest.
plot("collection_by", (BY, level),
     lambda: by_slice(by.dropna(subset=[level]), level, get("fee_collection_rate_amount"),
                      lang, AREA["fees"], value="rate_amount",
                      last_season="rate_amount_last_season", numerator="paid_yuan",
                      denominator="due_yuan"))
labels = {c: tr(f"col.{c}") for c in by.columns if c != level}
# A change of a rate is in percentage points, written as on the cards
# (fmt.points): "+1.6 个百分点" / "+1.6 pp", not "+1.6%", and one that rounds
# to zero "0.0 个百分点" (a fixed-sign number format wrote "-0.0"). The
# download holds the points.
changes = [c for c in by.columns if c.startswith("change_")]
tables.show(by.assign(**{c: by[c] * 100 for c in changes}), lang, key="collection_by",
            file_name=tr("by.file", level=tables.name_part(t(f"field.{level}", lang), lang)),
            labels=labels,
            config={labels[c]: YUAN for c in by.columns if c.endswith("_yuan")},
            texts={labels[c]: partial(fmt.points, lang=lang) for c in changes})
rows_behind(("fee_collection_rate_amount", "fee_collection_rate_households",
             "fee_arrears_amount"), period, filters, scope, lang, key="fees_by",
            slices={level: [v for v in by[level].dropna()]},
            label=tr("by.drill", level=t(f"field.{level}", lang) if lang == "zh"
                     else t(f"field.{level}", lang).lower()))

# --- arrears -------------------------------------------------------------------------
arrears = reads.get(ARREARS)
st.subheader(tr("arrears.title"))
st.caption(t("metrics.list_help.arrears", lang))
ages = fv.arrears_by_age(arrears)
left, right = st.columns([1, 1])
with left:
    plot("arrears_by_age", (ARREARS,), lambda: charts.arrears_by_age(ages, lang))
with right:
    shown = ages.assign(seasons_behind=[charts.age_label(a, lang) for a in ages["seasons_behind"]],
                        partly_paid=[tr("arrears.partly" if p else "arrears.unpaid")
                                     for p in ages["partly_paid"]])
    # Half the page (1366 px, English, the sidebar open): the amount comes
    # right after the two columns that name the row, as wide as its longest
    # amount needs; the grid cut it to "1,63…" as the fifth of six columns.
    tables.show(shown, lang, key="arrears_by_age", file_name=tr("arrears.file"),
                columns=AGE_COLUMNS, labels={c: tr(f"col.{c}") for c in shown.columns},
                config={tr("col.arrears_yuan"): st.column_config.NumberColumn(
                    format=tables.MONEY_FORMAT,
                    width=tables.fit_width(ages["arrears_yuan"],
                                           header=tr("col.arrears_yuan")))})

# Picked from the arrears rows already read; only their roster details are read.
debtors = db.query(fv.with_households, fv.largest_debtors(arrears, DEBTORS_SHOWN), scope)
# Over every season owed (the card beside the overview's list: the fee season's only).
st.markdown(f"**{tr('debtors.title', n=len(debtors), season=period.fee_season)}**")
long_lists.show(debtors, lang, key="debtors", file_name=tr("debtors.file"),
                columns=DEBTOR_COLUMNS,
                labels={c: tr(f"col.{c}") for c in ("seasons",)},
                config={t("metrics.col.due_yuan", lang): YUAN,
                        t("metrics.col.paid_yuan", lang): YUAN,
                        t("metrics.col.arrears_yuan", lang): YUAN})

# --- daily settlement ------------------------------------------------------------------
st.subheader(tr("daily.title"))
# A period from the season's first day (or before it) receives none of the
# season's payments made before it begins, which the collection rate above
# counts: say how much that is.
if period.start <= fv.season_bounds(period.fee_season)[0]:
    prepaid, prepaid_receipts = fv.paid_before(curve, period.start)
    if prepaid_receipts:
        st.caption(tr("daily.prepaid", start=fmt.date(period.start, lang),
                      amount=f"{prepaid:,.2f}", receipts=f"{prepaid_receipts:,}"))
daily = reads.get(DAILY)
by_day = fv.receipts_by_day(daily)
plot("receipts_by_day", (DAILY,), lambda: charts.receipts_by_day(by_day, lang))
days = sorted({d.date() if hasattr(d, "date") else d for d in by_day["day"]}, reverse=True)
if days:
    kept.restore("fees_day", days[0], days)   # the latest day, unless one is kept
    day = st.selectbox(tr("daily.day"), days, key="fees_day",
                       format_func=lambda d: fmt.date(d, lang))
    kept.keep("fees_day")
    settled = fv.settlement_of_day(daily, day)
    settled = settled.assign(method=[charts.method_label(m, lang) for m in settled["method"]],
                             check=[tr("daily.flag") if n else ""
                                    for n in settled["receipts_without_invoice"]])
    st.caption(tr("daily.total", day=fmt.date(day, lang),
                  receipts=f"{int(settled['receipts'].sum()):,}",
                  amount=f"{settled['amount_yuan'].sum():,.2f}",
                  missing=f"{int(settled['receipts_without_invoice'].sum()):,}"))
    tables.show(settled, lang, key="settlement", file_name=tr("daily.file", day=day.isoformat()),
                labels={"check": tr("col.check")},
                config={t("metrics.col.amount_yuan", lang): YUAN,
                        t("metrics.col.amount_without_invoice_yuan", lang): YUAN})
else:
    st.info(tr("daily.none"))

missing = reads.get(MISSING)
st.markdown(f"**{tr('daily.missing_title', n=f'{len(missing):,}')}**")
st.caption(t("metrics.list_help.receipts_without_invoice", lang))
# No receipt at all: nothing was checked (not "every receipt has one").
long_lists.show(missing, lang, key="without_invoice", file_name=tr("daily.missing_file"),
                columns=RECEIPT_COLUMNS,
                empty=tr("daily.missing_none" if days else "daily.missing_no_receipts"))

# --- leaks ------------------------------------------------------------------------------
st.subheader(tr("leaks.title"))
st.caption(tr("leaks.note"))
# A bill in two lists (a stopped household charged in full also differs from
# the tariff) is listed once, under the more specific list: the weekly
# report's rule (reports.spec.OVERLAPS), so the page and the report count alike.
leaks, left_out = without_overlaps({name: reads.get(call) for name, call in LEAK_READS.items()})
also_in = {second: (first, n) for first, (second, n) in left_out.items()}
if not billed:
    st.info(no_bills, icon=":material/receipt_long:")
for name, cols in LEAKS.items():
    rows = leaks[name]
    if not billed and rows.empty:
        # Without bills an empty check says nothing ("没有发现问题" misled);
        # households found anyway (heated, no bill, in a season others are
        # billed for) are still listed.
        continue
    title, help_text = t(f"metrics.list.{name}", lang), t(f"metrics.list_help.{name}", lang)
    # A list of receipts counts receipts (a household may have paid twice).
    count = ("leaks.count_receipts" if "receipt_no" in cols else "leaks.count") \
        + ("_one" if len(rows) == 1 else "")
    st.markdown(f"**{title}** · {tr(count, n=f'{len(rows):,}')}", help=help_text)
    if name in left_out:
        other, n = left_out[name]
        st.caption(tr("leaks.left_out", n=f"{n:,}", other=t(f"metrics.list.{other}", lang)))
    if name in also_in:
        other, n = also_in[name]
        st.caption(tr("leaks.also_in", n=f"{n:,}", other=t(f"metrics.list.{other}", lang)))
    long_lists.show(rows, lang, key=f"leak_{name}", sheet=title,
                    file_name=tr("leaks.file", name=tables.name_part(title, lang)),
                    columns=[c for c in cols if c in rows.columns], empty=tr("leaks.none"),
                    config={t(f"metrics.col.{c}", lang): YUAN for c in cols
                            if c.endswith("_yuan")})
