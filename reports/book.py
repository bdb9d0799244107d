"""What every sheet of the weekly workbook shares: the data, the language,
the formats, and the title lines and page setup each sheet starts with."""
from __future__ import annotations

from dataclasses import dataclass

import xlsxwriter

from i18n import t
from metrics import Kpi
from pipelines.settings import load_settings

from . import labels
from .cells import NUMBER_FORMATS, SheetWriter, Styles, change_format, change_shown, missing
from .data import WeeklyData


# A page header's title and subtitle (points: the title as on screen, a
# little smaller; the subtitle as the footer), and Excel's limit on its length.
HEADER_TITLE_PT, HEADER_SUBTITLE_PT = 14, 11
HEADER_LIMIT = 255


@dataclass
class Book:
    wb: xlsxwriter.Workbook
    styles: Styles
    data: WeeklyData
    lang: str

    def tr(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def sheet(self, key: str, max_width: int = 48) -> SheetWriter:
        return SheetWriter(self.styles, self.wb.add_worksheet(sheet_name(key, self.lang)),
                           max_width)

    @property
    def company(self) -> str:
        company = load_settings()["company"]
        return company["name_zh"] if self.lang == "zh" else company["name_en"]

    @property
    def scope_label(self) -> str:
        return labels.scope(self.data.branch, self.data.scope, self.lang)

    @property
    def week_label(self) -> str:
        return labels.week(self.data.week, self.lang)

    @property
    def subtitle(self) -> str:
        """The report's identity: company, scope, season, when, masked or not."""
        d = self.data
        personal = "report.personal.shown" if d.can_see_personal else "report.personal.masked"
        return self.tr("report.subtitle", company=self.company, scope=self.scope_label,
                       season=d.season, generated=labels.moment(d.generated_at, self.lang),
                       personal=self.tr(personal))

    def heading(self, w: SheetWriter, title: str, last_col: int) -> None:
        """Rows 0-1: the sheet's title and the report's identity."""
        w.ws.merge_range(0, 0, 0, last_col, "", self.styles.get("title"))
        w.put(0, 0, title, "title", fit=False)
        w.set_row(0, 24)
        w.ws.merge_range(1, 0, 1, last_col, "", self.styles.get("subtitle"))
        w.put(1, 0, self.subtitle, "subtitle", fit=False)

    def heading_in_header(self, w: SheetWriter, title: str) -> None:
        """For a sheet printed in parts with its first columns on every page:
        rows 0-1, merged across all columns, would print on the later parts'
        pages too, cut off at those columns' edge. The title and the subtitle
        print in the page header instead, on every page; the caller starts
        the print area below them (row 2). On screen the rows stay."""
        w.page_header(_header_text(title, self.subtitle), (HEADER_TITLE_PT, HEADER_SUBTITLE_PT))

    def finish(self, w: SheetWriter, repeat_rows: tuple[int, int] | None) -> None:
        title = _footer_text(f"{self.company} · {self.tr('report.title')} · {self.data.week}")
        w.page_setup(repeat_rows, f"&L&11{title}&R&11{self.tr('report.page_of')}")

    # --- numbers -------------------------------------------------------------

    def value_style(self, kpi: Kpi, *parts) -> tuple:
        number_format = NUMBER_FORMATS[kpi.unit]
        if kpi.unit == "hours":
            number_format += f'" {self.tr("metrics.unit.hours")}"'
        return (*parts, {"num_format": number_format})

    def change_style(self, kpi: Kpi, change, *parts) -> tuple:
        judged = judge(kpi, change)
        colour = {"good": {"font_color": "#1E6B34"}, "bad": {"font_color": "#9C0006"}}
        number_format = change_format(kpi.unit, self.tr("report.points_unit"))
        if kpi.unit == "hours":   # "+0.3 小时", as the figure beside it
            unit = f'" {self.tr("metrics.unit.hours")}"'
            number_format = ";".join(part + unit for part in number_format.split(";"))
        return (*parts, {"num_format": number_format}, colour.get(judged))

    def part_style(self, kpi: Kpi, part: str, *parts) -> tuple:
        """The format of a KPI's numerator or denominator (`part`): whole
        numbers for what counts rows, two decimals for sums of amounts and
        areas. A rate per 10,000 m² counts things (complaints) over an area:
        its numerator is a count (58, not 58.00)."""
        integer = kpi.kind in ("rate", "count", "quantile") or (
            part == "numerator" and kpi.unit == "per_10k_m2")
        kind = "yuan" if money_part(kpi, part) else "count" if integer else "amount"
        return (*parts, {"num_format": NUMBER_FORMATS[kind]})


def money_part(kpi: Kpi, part: str) -> bool:
    """Whether a KPI's numerator or denominator (`part`) is an amount of
    money: a sum of yuan (its numerator), or a ratio of two sums of yuan
    columns (paid_yuan ÷ due_yuan), as the registry names them."""
    if kpi.unit == "yuan" and kpi.kind == "sum":
        return part == "numerator"
    column = kpi.numerator if part == "numerator" else kpi.denominator
    return kpi.kind == "ratio" and isinstance(column, str) and column.endswith("_yuan")


def change_cell(kpi: Kpi, change):
    """A change as written: percentages in points (0.011 -> 1.1), rounded as
    shown (cells.change_shown: -0.0004 is 0.0, not "-0.0 个百分点")."""
    return change_shown(kpi.unit, change)


def judge(kpi: Kpi, change) -> str | None:
    """"good" or "bad" for a change of `kpi`, None when neither (or no change)."""
    if missing(change) or kpi.direction == "neutral":
        return None
    step = change_shown(kpi.unit, change)
    if step == 0:
        return None
    better = step > 0 if kpi.direction == "higher" else step < 0
    return "good" if better else "bad"


def meets(kpi: Kpi, value) -> bool | None:
    target = kpi.target
    if target is None or missing(value) or kpi.direction == "neutral":
        return None
    return value >= target if kpi.direction == "higher" else value <= target


def sheet_name(key: str, lang: str) -> str:
    name = t(f"report.sheet.{key}", lang)
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:31]


def _footer_text(text: str) -> str:
    # In headers and footers "&" starts a code; a literal one is doubled.
    return text.replace("&", "&&")


def _header_text(title: str, subtitle: str) -> str:
    """The title over the subtitle, centred, within Excel's limit for a
    header (XlsxWriter drops a longer one): the title whole, the subtitle cut
    short with "…" if need be (cut before its "&"s are doubled, so never
    between the two). A size code is followed by a font code: a title
    starting with a digit would read as part of the size."""
    def text(line: str) -> str:
        return (f'&C&{HEADER_TITLE_PT}&"-,Bold"{_footer_text(title)}\n'
                f'&{HEADER_SUBTITLE_PT}&"-,Regular"{_footer_text(line)}')
    line = subtitle
    while _utf16_len(text(line)) > HEADER_LIMIT and line:
        subtitle = subtitle[:-1].rstrip()
        line = subtitle + "…" if subtitle else ""
    return text(line)


def _utf16_len(text: str) -> int:
    # Excel counts a header's length in UTF-16 units (an emoji is two).
    return len(text.encode("utf-16-le")) // 2
