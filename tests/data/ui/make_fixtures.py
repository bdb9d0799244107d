"""Writes the small exports the app tests upload (tests/data/ui/). Run after
changing it: `python tests/data/ui/make_fixtures.py`; the files are committed.

Household IDs 09xxxxxxxxx do not occur in the demo roster, so these files add
new rows to a copy of the demo warehouse as well as to an empty one."""
from __future__ import annotations

from pathlib import Path

import openpyxl

OUT = Path(__file__).parent
TITLE = ["淄博开创热力有限公司 室温检测记录"]
INFO = ["导出时间:2026-03-16 09:00  操作员:admin"]


def save(name: str, rows: list[list]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():
        for cell in row:
            # openpyxl makes "=..." a formula; the export holds it as text.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    wb.save(OUT / name)


def roster() -> None:
    save("roster_small.xlsx", [
        ["淄博开创热力有限公司 用户档案"], INFO,
        ["户号", "分公司", "供热站", "小区", "楼号", "单元", "房号", "高低区", "用户类型",
         "供热面积", "供热状态"],
        ["09010110101", "张店分公司", "华光路换热站", "华光小区", "1号楼", "1", "101", "低区",
         "居民", 95.5, "供热"],
        ["09010110102", "张店分公司", "华光路换热站", "华光小区", "1号楼", "1", "102", "低区",
         "居民", 88.0, "供热"],
        ["09020110101", "淄川分公司", "松龄路换热站", "松龄小区", "2号楼", "1", "301", "高区",
         "居民", 120.0, "供热"],
    ])


def temperature() -> None:
    header = ["户号", "小区", "测温时间", "室内温度(℃)", "室外温度(℃)", "用户签字", "测温人",
              "备注"]
    save("temperature_new.xlsx", [
        TITLE, INFO, header,
        ["09010110101", "华光小区", "2025-12-01 09:00", 19.5, 2.0, "张三", "李工", None],
        ["09010110102", "华光小区", "2025-12-01 09:20", "17.5℃", 2.0, "√", "李工", None],
        ["09020110101", "松龄小区", "2025-12-02 10:00", 21.0, 1.0, "王五", "李工", None],
        # Row 7: not a number. Its note looks like a formula: the rejected-rows
        # download must keep it as text.
        ["09010110101", "华光小区", "2025-12-03 09:00", "偏低", 1.0, "张三", "李工",
         "=HYPERLINK(\"http://example.invalid\",\"x\")"],
        ["合计", None, None, None, None, None, None, "4 条"],
    ])
    # The same readings a week later, with a header the synonyms do not know
    # for the measured time ("检测时刻"): the upload page asks for it.
    save("temperature_odd_header.xlsx", [
        TITLE, INFO,
        ["户号", "小区", "检测时刻", "室内温度(℃)", "室外温度(℃)", "用户签字", "测温人"],
        ["09010110101", "华光小区", "2025-12-08 09:00", 19.0, 0.5, "张三", "李工"],
        ["09010110102", "华光小区", "2025-12-08 09:30", 18.5, 0.5, "李四", "李工"],
    ])


def tickets() -> None:
    save("tickets_new.xlsx", [
        ["淄博开创热力有限公司 客服工单"], INFO,
        ["工单编号", "受理时间", "工单类型", "受理渠道", "户号", "反映内容", "供热站",
         "办结时间", "处理结果"],
        ["GD20251201001", "2025-12-01 08:00", "报修", "电话", "09010110101", "暖气不热",
         "华光路换热站", "2025-12-01 15:00", "已排气"],
        ["GD20251201002", "2025-12-01 09:00", "投诉", "电话", "09010110102", "室温低",
         "华光路换热站", None, None],
    ])


def broken() -> None:
    # A download cut short: the start of a real workbook.
    (OUT / "corrupt.xlsx").write_bytes((OUT / "tickets_new.xlsx").read_bytes()[:1500])


if __name__ == "__main__":
    roster()
    temperature()
    tickets()
    broken()  # after tickets(): it cuts that file
