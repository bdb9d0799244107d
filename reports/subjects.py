"""The subject sheets 室温 / 工单 / 收费: one table of the whole scope, each
branch and each station (same columns), then the chart data and two native
Excel charts (the week-by-week line and the station bars), so the charts stay
editable in Excel."""
from __future__ import annotations

import math

from metrics import get
from metrics.display import column_label

from .book import Book, change_cell, meets
from .cells import (BAD, DEFAULT_ROW_PX, DEFAULT_WIDTH, GOOD, LINE_HEIGHT, MIN_PRINT_SCALE,
                    MUTED, PRINT_WIDTH_SPARE, SheetWriter, display_width, legible_size, missing,
                    longest_word, wrapped_lines)
from .data import AreaData
from .text import no_data_sentence, stale_sentence

MAIN_COLUMNS = ("value", "previous_value", "change_previous", "last_season_value",
                "change_last_season", "numerator", "denominator")
HEADER = 3        # first header row; the table starts two rows below
FIRST_KPI_COL = 2
BRANCH_FILL = {"bg_color": "#F7EFEB", "bold": True}
TOTAL_FILL = {"bg_color": "#EAD9D1", "bold": True}
CHART_WIDTH = 620         # pixels, at most
CHART_HEIGHT = 320
CHART_GAP = 20            # pixels between the two charts
MIN_LINE_HEIGHT = 220     # the line chart, lowered to share a page with the bars


def subject_sheet(book: Book, area: AreaData) -> None:
    tr = book.tr
    main = get(area.area.main)
    extras = [get(k) for k in area.area.extra]
    last_col = FIRST_KPI_COL + len(MAIN_COLUMNS) + len(extras) - 1
    w = book.sheet(area.area.name)
    title = f"{tr(f'report.sheet.{area.area.name}')} · {book.week_label}"
    book.heading(w, title, last_col)
    _header(book, w, main, extras)
    # The chart data's station table heads column C with the main KPI's name.
    w.fit_words(FIRST_KPI_COL, main.text(book.lang)[0])
    end = _rows(book, w, area, main, extras)
    change_width = change_column_width(book)
    w.fit_columns(minimum=9, fixed={1: 16, **{
        # no narrower than the header's longest word (+ the cell's padding)
        FIRST_KPI_COL + i: max(change_width, longest_word(tr(f"report.col.{c}")) + 2)
        for i, c in enumerate(MAIN_COLUMNS) if c.startswith("change_")}})
    header_pt = _header_heights(book, w, extras)
    w.ws.freeze_panes(HEADER + 2, FIRST_KPI_COL)
    book.finish(w, repeat_rows=(HEADER, HEADER + 1))
    # One page wide at a legible size if the table fits; else in two parts,
    # the main KPI's columns, then the other KPIs', each page with the branch
    # and station.
    first_extra = FIRST_KPI_COL + len(MAIN_COLUMNS)
    breaks = ([] if w.fits_a_page(w.pixels(0, last_col)) or first_extra > last_col
              else [first_extra])
    whole = area.table[area.table["level"] == 0]
    if whole.empty or missing(whole["value"].iloc[0]) \
            or stale_sentence(book.data, area.area.name, book.lang):
        _no_data_note(book, w, area, FIRST_KPI_COL - 1 if breaks else last_col)
    scale = w.print_in_parts(last_col, breaks, repeat_cols=(0, FIRST_KPI_COL - 1))

    if breaks:
        book.heading_in_header(w, title)

    chart_row = end + 2
    first_row = 2 if breaks else 0
    # The charts, one above the other, within the first part's width, each on
    # one page (under the table's repeated header rows): the first one below
    # the table if the table takes one page and leaves it room. The sheet
    # prints at the largest scale, down to the smallest legible one, that
    # takes the fewest pages.
    best = None
    for s in range(scale, min(scale, MIN_PRINT_SCALE) - 1, -1):
        room = w.page_room_px(s, header_pt)
        _, pages = w.page_breaks(first_row, chart_row - 1, s, header_pt)
        table_px = sum(w.height(r) for r in range(first_row, chart_row)) * 96 / 72
        plan = _chart_plan(area, main, chart_row, room,
                           used=table_px if pages == 1 and table_px <= room else None)
        pages += len(plan[1])
        if best is None or pages < best[0]:
            best = (pages, s, plan)
    _, scale, plan = best
    w.ws.set_print_scale(scale)
    last_row, chart_breaks = _charts(
        book, w, area, main, chart_row, plan,
        width=min(CHART_WIDTH, int(w.part_pixels(last_col, breaks)[0] / PRINT_WIDTH_SPARE)),
        font_size=legible_size(scale))
    w.ws.set_h_pagebreaks(chart_breaks)
    # The chart data, below the charts, is for checking and editing them in
    # the file: printed, it took pages of its own under the table's header.
    w.ws.print_area(first_row, 0, max(last_row, end), last_col)


def _no_data_note(book: Book, w: SheetWriter, area: AreaData, last_col: int) -> None:
    """Nothing of this kind in the week: said in words, as the summary does,
    above the table across columns 0-`last_col`. A sheet printed in parts
    says it within the columns on every page: merged beyond them, it would
    print cut off at their edge on the later parts' pages."""
    text = stale_sentence(book.data, area.area.name, book.lang) \
        or no_data_sentence(book.data, area.area.name, book.lang)
    w.ws.merge_range(HEADER - 1, 0, HEADER - 1, last_col, "", book.styles.get("note"))
    w.put(HEADER - 1, 0, text, "note", fit=False)
    w.fit_row(HEADER - 1, [(text, sum(w.column_widths.get(c, DEFAULT_WIDTH)
                                      for c in range(last_col + 1)))])


def change_column_width(book: Book) -> float:
    """Wide enough for "+12.3 个百分点" / "+12.3 pp"."""
    return max(9, 7 + display_width(book.tr("report.points_unit")))


def _header(book: Book, w: SheetWriter, main, extras) -> None:
    tr, h = book.tr, book.styles.get("header")
    for c, key in ((0, "branch"), (1, "station")):
        w.ws.merge_range(HEADER, c, HEADER + 1, c, "", h)
        w.put(HEADER, c, column_label(key, book.lang), "header", fit=False)
    first, last = FIRST_KPI_COL, FIRST_KPI_COL + len(MAIN_COLUMNS) - 1
    w.ws.merge_range(HEADER, first, HEADER, last, "", h)
    w.put(HEADER, first, main.text(book.lang)[0], "header", fit=False)
    for i, col in enumerate(MAIN_COLUMNS):
        w.put(HEADER + 1, first + i, tr(f"report.col.{col}"), "header", fit=False)
        w.fit_words(first + i, tr(f"report.col.{col}"))
    for i, kpi in enumerate(extras):
        c = last + 1 + i
        w.ws.merge_range(HEADER, c, HEADER + 1, c, "", h)
        w.put(HEADER, c, kpi.text(book.lang)[0], "header", fit=False)
        w.fit_words(c, kpi.text(book.lang)[0])
    w.set_row(HEADER, 30)
    w.set_row(HEADER + 1, 30)


def _header_heights(book: Book, w: SheetWriter, extras) -> float:
    """The header's two rows as tall as their wrapped labels (an other KPI's
    name spans both). Returns their height in points."""
    def lines(text: str, c: int) -> int:
        return wrapped_lines(text, w.column_widths.get(c, DEFAULT_WIDTH))
    second = max(lines(book.tr(f"report.col.{col}"), FIRST_KPI_COL + i)
                 for i, col in enumerate(MAIN_COLUMNS))
    second = max(30, LINE_HEIGHT * second + 2)
    first_extra = FIRST_KPI_COL + len(MAIN_COLUMNS)
    both = max([0] + [LINE_HEIGHT * lines(kpi.text(book.lang)[0], first_extra + i) + 2
                      for i, kpi in enumerate(extras)])
    w.set_row(HEADER + 1, max(second, both - 30))
    return 30 + max(second, both - 30)


def _rows(book: Book, w: SheetWriter, area: AreaData, main, extras) -> int:
    tr = book.tr
    r = HEADER + 1
    # A report of one branch: its total row is the branch's; a 分公司合计 row
    # below it would repeat every figure.
    scope = book.data.scope
    one_branch = book.data.branch is not None or (scope is not None and len(scope) == 1)
    for row in area.table.to_dict("records"):
        level = int(row["level"])
        if level == 1 and one_branch:
            continue
        r += 1
        fill = TOTAL_FILL if level == 0 else BRANCH_FILL if level == 1 else None
        if level == 0:
            w.put(r, 0, book.scope_label if book.data.branch else tr("report.table.total"),
                  "cell", fill)
            w.put(r, 1, None, "cell", fill)
        else:
            branch = row["branch"] if not missing(row["branch"]) else tr("report.table.no_branch")
            w.put(r, 0, branch, "cell", fill if level == 1 else MUTED)
            w.put(r, 1, tr("report.table.branch_total") if level == 1 else row["station"],
                  "cell", fill)
        c = FIRST_KPI_COL
        for col in MAIN_COLUMNS:
            value = row[col]
            if missing(value):
                # No figure (no readings, no bills, nothing to compare with):
                # "—", as on the summary sheet, never a blank to fill in.
                w.put(r, c, "—", "cell", fill, align="center")
            elif col.startswith("change_"):
                w.put(r, c, change_cell(main, value), *book.change_style(main, value, "cell"),
                      fill)
            elif col in ("numerator", "denominator"):
                w.put(r, c, value, *book.part_style(main, col, "cell"), fill)
            else:
                ok = meets(main, value) if col == "value" else None
                w.put(r, c, value, *book.value_style(main, "cell"), fill,
                      {None: None, True: {"font_color": GOOD["font_color"]},
                       False: BAD}[ok])
            c += 1
        for kpi in extras:
            value = row.get(kpi.id)
            if missing(value):
                w.put(r, c, "—", "cell", fill, align="center")
            else:
                w.put(r, c, value, *book.value_style(kpi, "cell"), fill)
            c += 1
    return r


def _stations(area: AreaData, main):
    """The stations with a value, weakest first."""
    stations = area.table[(area.table["level"] == 2) & area.table["value"].notna()
                          & area.table["station"].notna()]
    return stations.sort_values("value", ascending=main.direction != "lower")


def _chart_rows(height: int) -> int:
    # Nothing between the table and the charts sets a row's height: a chart
    # of h pixels takes ceil(h / DEFAULT_ROW_PX) rows, and one row more keeps
    # them apart.
    return math.ceil((height + CHART_GAP) / DEFAULT_ROW_PX)


def _chart_plan(area: AreaData, main, top: int, room: int, used: float | None):
    """Where the charts go from row `top`: ({"line"|"bars": (row, height in
    pixels)}, the rows starting a page). A chart split by a page break
    prints its lower part under the next page's repeated rows: each chart is
    at most `room` pixels tall (a page's rows) and starts a page unless it
    fits below what is above it on that page (`used` pixels of the page the
    first chart would share; None: it starts a page)."""
    trend = area.trend.to_dict("records")
    stations = _stations(area, main)
    # A chart of no points is an empty frame: only charts with something to draw.
    drawn = any(not missing(row[k]) for row in trend for k in ("value", "last_season_value"))
    bars_height = min(max(CHART_HEIGHT, 26 * len(stations) + 100), room)
    line_height = min(CHART_HEIGHT, room)
    if drawn and len(stations):
        # Both on one page if a line chart no lower than MIN_LINE_HEIGHT lets them.
        spare = room - _chart_rows(bars_height) * DEFAULT_ROW_PX - CHART_GAP
        if spare >= MIN_LINE_HEIGHT:
            line_height = min(line_height, spare)
    sizes = ([("line", line_height)] if drawn else []) + (
        [("bars", bars_height)] if len(stations) else [])
    row, starts, at = top, [], {}
    for kind, height in sizes:
        if used is None or used + height > room:
            starts.append(row)
            used = 0
        at[kind] = (row, height)
        row += _chart_rows(height)
        used += _chart_rows(height) * DEFAULT_ROW_PX
    return at, starts


def _charts(book: Book, w: SheetWriter, area: AreaData, main, top: int, plan, width: int,
            font_size: int) -> tuple[int, list[int]]:
    """The charts where `plan` (_chart_plan) puts them from row `top`, then
    their data (visible, so the charts can be checked and edited; not
    printed); their labels, legend and data labels at `font_size` (an app's
    default 10 pt prints too small on a sheet printed under 95%). Returns
    the last row the charts reach (`top` - 1 without a chart) and the rows
    starting a page."""
    font = {"size": font_size}
    tr, name = book.tr, w.ws.name
    label = main.text(book.lang)[0]
    trend = area.trend.to_dict("records")
    stations = _stations(area, main)
    at, starts = plan
    row = max([r + _chart_rows(h) for r, h in at.values()], default=top)
    charts_end = row - 1

    # The chart data: week by week, this season against the same days of
    # last season; then the stations (column B is wide enough for names).
    data_top = row + 1 if at else top
    w.put(data_top, 0, tr("report.chart.data"), "section", fit=False)
    r0 = data_top + 1
    for c, key in enumerate(("report.col.week", "report.chart.this_season",
                             "report.chart.last_season")):
        w.put(r0, c, tr(key), "header", fit=False)
    for i, row_ in enumerate(trend, start=1):
        w.put(r0 + i, 0, row_["week"], "cell", fit=False)
        w.put(r0 + i, 1, row_["value"], *book.value_style(main, "cell"), fit=False)
        w.put(r0 + i, 2, row_["last_season_value"], *book.value_style(main, "cell"), fit=False)
    r1 = r0 + max(len(trend), 1)
    s0, sc = r1 + 2, 1
    w.put(s0, sc, tr("report.chart.station"), "header", fit=False)
    w.put(s0, sc + 1, label, "header", fit=False)
    # Headers wrap: their rows as tall as their lines.
    for r, texts in ((r0, [(tr(k), c) for c, k in enumerate(
            ("report.col.week", "report.chart.this_season", "report.chart.last_season"))]),
                     (s0, [(tr("report.chart.station"), sc), (label, sc + 1)])):
        w.fit_row(r, [(text, w.column_widths.get(c, DEFAULT_WIDTH)) for text, c in texts])
    for i, (station, value) in enumerate(zip(stations["station"], stations["value"]), start=1):
        w.put(s0 + i, sc, station, "cell", fit=False)
        w.put(s0 + i, sc + 1, value, *book.value_style(main, "cell"), fit=False)
    s1 = s0 + max(len(stations), 1)

    number_format = "0%" if main.unit == "percent" else "#,##0"
    if "line" in at:
        line = book.wb.add_chart({"type": "line"})
        for col, colour, dash in ((1, "#B5472E", "solid"), (2, "#8C8C8C", "dash")):
            line.add_series({
                "name": [name, r0, col],
                "categories": [name, r0 + 1, 0, r1, 0],
                "values": [name, r0 + 1, col, r1, col],
                "line": {"color": colour, "width": 2.25, "dash_type": dash},
                "marker": {"type": "circle", "size": 5, "fill": {"color": colour},
                           "border": {"color": colour}},
            })
        line.set_title({"name": tr("report.chart.trend", kpi=label),
                        "name_font": {"size": 12, "bold": True}})
        line.set_x_axis({"num_font": font})
        line.set_y_axis({"num_format": number_format, "num_font": font,
                         "major_gridlines": {"visible": True, "line": {"color": "#E5E5E5"}}})
        line.set_legend({"position": "bottom", "font": font})
        line.set_size({"width": width, "height": at["line"][1]})
        w.ws.insert_chart(at["line"][0], 0, line)
    if "bars" in at:
        bars = book.wb.add_chart({"type": "bar"})
        bars.add_series({
            "name": [name, s0, sc + 1],
            "categories": [name, s0 + 1, sc, s1, sc],
            "values": [name, s0 + 1, sc + 1, s1, sc + 1],
            "fill": {"color": "#B5472E"}, "gap": 60,
            "data_labels": {"value": True, "num_format": "0.0%" if main.unit == "percent"
                            else "#,##0.00", "font": font},
        })
        bars.set_title({"name": tr("report.chart.by_station_to_date" if main.standing
                                   else "report.chart.by_station", kpi=label),
                        "name_font": {"size": 12, "bold": True}})
        # In a bar chart the category axis is the vertical one: weakest at the top.
        bars.set_y_axis({"reverse": True, "num_font": font})
        bars.set_x_axis({"num_format": number_format, "min": 0, "num_font": font,
                         **({"max": 1} if main.unit == "percent" else {})})
        bars.set_legend({"none": True})
        bars.set_size({"width": width, "height": at["bars"][1]})
        w.ws.insert_chart(at["bars"][0], 0, bars)
    return charts_end, starts
