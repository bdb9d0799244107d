"""Step 2, find the header: skip title rows, join two-row merged headers.

Exports put a title and export info above the header, sometimes a group label
merged over several columns with the field names in the row below it. The
header is the row (among the first rows) with the most recognised field names;
a neighbouring row that names the columns it leaves empty joins it, as does a
row of units under it or of names under a label merged over several columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields import DATASETS, DAY_OR_TIME, NUMBER, has_unit, is_known_label, normalize_label
from .read import RawSheet

SCAN_ROWS = 40
MIN_KNOWN = 2
# A totals row (合计, 总计, 小计, 共计, 累计, 汇总, 本页合计, Total …, or a
# group's subtotal such as "张店分公司 小计", "华光小区合计:", "华光路换热站汇总",
# "张店分公司（小计）", "Branch total"), matched on a cell with spaces removed.
# A name before the word has no digits, so no ID or date makes a row a total.
# A row so marked in one of the first three columns is left out: loaded, a
# station's subtotal would count as one more household's bill.
TOTAL_ROW = (r"(本页|总)?(合|总|小)计.{0,40}|(共计|累计|汇总)([:：].{0,40}|[0-9,.户元件笔条]*)"
             r"|[^0-9]{1,20}((合|小|总|共|累)计|汇总)[)）]?[:：]?"
             r"|(?i:(grand|sub)?totals?)([:：].{0,40})?|[^0-9]{1,20}(?i:(sub)?total)[:：]?")
# What every such cell holds, looked for before the expression is tried.
TOTAL_MARKS = ("计", "汇总", "otal", "OTAL")
_TOTAL = re.compile(TOTAL_ROW)
# A signature or print line under the last row (制表人：张三  审核人：李四,
# 制表日期：…, 打印时间：…, 负责人：, 收费员：王丽娟), matched on a cell with spaces removed: a
# word of who made, checked or printed the table, then a colon. Such a row is
# left out like a 合计 row when its required columns hold nothing else.
FOOTER_ROW = (r"(单位|部门)?(制表|制单|编制|填报|填表|审核|复核|审批|批准|核对|统计|经办|负责|打印|导出"
              r"|收费|收款|操作|经手|出纳|会计|主管)"
              r"(人|员)?(签字|签名|签章|日期|时间)?[:：].*"
              # a page's number, as printed reports have it: 第1页 共2页, Page 1
              # of 2, also within a page's heading line (收费日期:… 第2页 共3页)
              r"|.*(第\d+页([,，、/]?共\d+页)?|共\d+页[,，、/]?第\d+页|(?i:page\d+(of\d+)?)).*")
_FOOTER = re.compile(FOOTER_ROW, re.S)


def _is_footer(cell) -> bool:
    return bool(_text(cell) and _FOOTER.fullmatch(re.sub(r"\s+", "", str(cell))))


def is_total_or_blank(cells: list, labels: list[str | None],
                      required: tuple[int, ...] | list[int] = ()) -> bool:
    """The Python twin of the filter staging applies in SQL, for previews.
    `required`: the columns of the required fields (for the footer rule)."""
    if all(_text(c) is None for c, label in zip(cells, labels) if label):
        return True
    if any(_text(c) and _TOTAL.fullmatch(re.sub(r"\s+", "", str(c))) for c in cells[:3]):
        return True
    return (any(_is_footer(c) for c, label in zip(cells, labels) if label)
            and all(_text(cells[i]) is None or _is_footer(cells[i])
                    for i in required if i < len(cells)))


@dataclass
class Header:
    first_row: int           # Excel row number of the top header row
    last_row: int            # Excel row number of the bottom header row; data follow
    labels: list[str | None]  # one per column c0..cN, as the user sees it
    # A time's label merged over a day column and a time column (测温时间 over
    # 日期 | 时间): the time column -> the day column, and back.
    halves: dict[int, int] = field(default_factory=dict)

    @property
    def rows(self) -> str:
        return str(self.last_row) if self.first_row == self.last_row else \
            f"{self.first_row}-{self.last_row}"


def _text(cell) -> str | None:
    if cell is None:
        return None
    s = str(cell).strip()
    return s or None


def _known(row: list) -> int:
    return sum(1 for c in row if _text(c) and is_known_label(c))


def find_header(sheet: RawSheet) -> Header | None:
    """The header of the sheet, or None when no row names two known fields."""
    rows = sheet.head(SCAN_ROWS)
    if not rows:
        return None
    scores = [_known(r) for r in rows]
    best = max(range(len(rows)), key=lambda i: (scores[i], -i))
    if scores[best] < MIN_KNOWN:
        return None
    top, bottom = best, best
    if best + 1 < len(rows):
        split = _day_and_time(rows[best], rows[best + 1])
        if split:
            labels, halves = split
            return Header(first_row=best + 1, last_row=best + 2, labels=labels, halves=halves)
    if best + 1 < len(rows):
        labels = _under(rows[best], rows[best + 1], sheet.merges, best + 1)
        if labels:
            return Header(first_row=best + 1, last_row=best + 2, labels=labels)
    if best + 1 < len(rows) and _fills(rows[best], rows[best + 1]):
        bottom = best + 1
    elif best > 0 and _fills(rows[best], rows[best - 1]):
        top = best - 1
    labels = _join(rows[top:bottom + 1])
    return Header(first_row=top + 1, last_row=bottom + 1, labels=labels)


def _fills(header: list, other: list) -> bool:
    """True when `other` names known fields in columns `header` leaves empty or
    labels with a group name (a merged cell over several columns)."""
    fills = sum(1 for h, o in zip(header, other)
                if _text(o) and is_known_label(o) and not (_text(h) and is_known_label(h)))
    if fills == 0:
        return False
    filled = [o for o in other if _text(o)]
    return fills >= 2 or fills * 2 >= len(filled)


def _join(rows: list[list]) -> list[str | None]:
    """Per column: the lowest known label, else the lowest non-empty text."""
    labels: list[str | None] = []
    for cells in zip(*rows):
        texts = [_text(c) for c in cells]
        known = [x for x in texts if x and is_known_label(x)]
        present = [x for x in texts if x]
        labels.append(known[-1] if known else (present[-1] if present else None))
    return labels


# A time's label merged over two columns, with the day and the time of day
# named in the row below (测温时间 over 日期 | 时间): the time column keeps the
# field's label, the day column is named for it (测温日期), and staging joins
# the two into one time (Header.halves).
_DAY_WORDS = frozenset({"日期", "date"})
_TIME_WORDS = DAY_OR_TIME - _DAY_WORDS
_HALF_SUFFIX = re.compile(r"(时间|时刻)$")


def _day_and_time(header: list, below: list
                  ) -> tuple[list[str | None], dict[int, int]] | None:
    """The labels and the halves of a header whose row below only says which
    column holds the day and which the time of day, under a label spanning
    both (its cell the left one, the other empty, as a merged cell reads).
    None for any other pair of rows."""
    words = {i: normalize_label(c) for i, c in enumerate(below) if _text(c)}
    if len(words) < 2 or any(w not in DAY_OR_TIME for w in words.values()):
        return None
    labels = [_text(c) for c in header] + [None] * max(0, len(below) - len(header))
    groups: dict[int, list[int]] = {}
    for i in words:
        group = next((j for j in range(i, -1, -1) if labels[j]), None)
        if group is None or any(j not in words for j in range(group, i + 1)):
            return None
        groups.setdefault(group, []).append(i)
    out, halves = list(labels), {}
    for group, columns in groups.items():
        days = [i for i in columns if words[i] in _DAY_WORDS]
        times = [i for i in columns if words[i] in _TIME_WORDS]
        if len(days) != 1 or len(times) != 1 or len(columns) != 2:
            return None   # one day and one time of day under each label
        name = labels[group]
        stem = _HALF_SUFFIX.sub("", name)
        cjk = any(ord(ch) > 0x2E80 for ch in name)
        # The time column: the label when it names the field (测温时间,
        # Measured at), else the label with 时间 (测温 -> 测温时间).
        out[times[0]] = name if is_known_label(name) or not cjk else f"{stem}时间"
        out[days[0]] = f"{stem}日期" if cjk else f"{name} ({_text(below[days[0]])})"
        halves[times[0]], halves[days[0]] = days[0], times[0]
    return out, halves


# A row of units under the header ("(℃)", "单位:元", "(万元)", "元/㎡"), as
# printed reports have: part of the header, not a row of data.
_UNIT = re.compile(r"[(（\[【]?\s*(单位\s*[:：]?\s*)?(?P<unit>"
                   r"(℃|°c|度|元|万元|yuan|㎡|m2|m²|平方米|平米|小时|h|分钟|min|天|%|％|kwh|gj|吨|户|个|件|条|次|人)"
                   r"(\s*/\s*(㎡|m2|m²|平方米|平米|月|年|吨|gj|kwh))?)\s*[)）\]】]?", re.IGNORECASE)
# Labels of a measured number (室内温度, 应收金额, 面积): the fields one may be
# given for several points (客厅 | 卧室) under a label merged over them.
_MEASURES = frozenset(normalize_label(syn) for ds in DATASETS.values() for f in ds.fields
                      if f.type == NUMBER for syn in f.synonyms)


def _under(header: list, below: list, merges: list, row: int) -> list[str | None] | None:
    """The labels of a header (Excel row `row`) whose row below belongs to
    it, or None.

    The row below holds text only under labelled columns, none of it a field
    name, and either (a) only units: each joins its label (应收金额 over
    (万元) reads 应收金额(万元), so the amounts are scaled as for that header);
    or (b) names under a measured number's label merged over their columns in
    the sheet (室内温度 over 客厅 | 卧室, `merges`): one field measured at
    several points. Each such column is named label·name (室内温度(℃)·客厅),
    which no field is, so the user chooses the column that is the field (the
    mapping form, or the missing-column message) rather than the first being
    taken unsaid."""
    labels = [_text(c) for c in header] + [None] * max(0, len(below) - len(header))
    texts = {i: _text(c) for i, c in enumerate(below) if _text(c)}
    if not texts or any(is_known_label(x) or normalize_label(x) in DAY_OR_TIME
                        for x in texts.values()):
        return None   # field names (_fills), or a day and a time (_day_and_time)
    units = {i: _UNIT.fullmatch(x.strip()) for i, x in texts.items()}
    if all(units.values()):
        if not all(labels[i] for i in texts):
            return None
        out = list(labels)
        for i, m in units.items():
            if not has_unit(labels[i]):
                out[i] = f"{labels[i]}({m['unit']})"
        return out
    spans: dict[int, list[int]] = {}
    for i in texts:
        group = next((j for j in range(i, -1, -1) if labels[j]), None)
        if group is None or normalize_label(labels[group]) not in _MEASURES:
            return None
        spans.setdefault(group, []).append(i)
    for group, cols in spans.items():
        merged = any(r1 == row and c1 == group and r2 == row and c2 >= max(cols)
                     for r1, c1, r2, c2 in merges)
        if len(cols) < 2 or not merged or sorted(cols) != list(range(group, max(cols) + 1)):
            return None   # not names under one merged label: a row of data
    out = list(labels)
    for group, cols in spans.items():
        for i in cols:
            out[i] = f"{labels[group]}·{texts[i]}"
    return out
