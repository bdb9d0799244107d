"""Writes the small exports under tests/data/pipelines/ that the pipeline tests
read. Run once after changing it (`python tests/data/make_fixtures.py`); the
files are committed so the tests need none of the writers used here
(xlwt for .xls, odfpy for .ods, msoffcrypto-tool for the password-protected
workbook)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl

OUT = Path(__file__).parent / "pipelines"

TEMP_HEADER = ["户号", "小区", "测温时间", "室内温度(℃)", "室外温度(℃)", "用户签字", "测温人", "备注"]


def xlsx(name: str, rows: list[list], title: str | None = "淄博开创热力有限公司", merge=None,
         sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append(["导出时间:2026-03-16 09:00  操作员:admin"])
    for r in rows:
        ws.append(r)
    for rng in merge or []:
        ws.merge_cells(rng)
    path = OUT / name
    wb.save(path)
    return path


def temperature():
    # Rows 4-8 (title, export info, header on row 3).
    good = [
        TEMP_HEADER,
        ["01020310901", "华光小区", 45977.3416, 19.5, 3.0, "张三", "李工", None],
        ["01020310902", "华光小区", "2025/11/16 8:05", "17.5℃", 2.5, "√", "李工", None],
        ["01020310903", "华光小区", "2025-11-17 09:30:00", 21, -8.0, "已签字", "李工", "寒潮"],
        ["01020310904", "华光小区", "2025年11月18日", 18, 1, "", "李工", "未签"],
        ["01020310905", "华光小区", dt.datetime(2025, 11, 19, 10, 0), 22.4, 0.5, "王五", "李工", None],
        ["合计", None, None, None, None, None, None, "5 条"],
    ]
    xlsx("temperature_good.xlsx", good)
    # Overlapping export: rows 1-2 unchanged, row 3 corrected (21 -> 20.5), two new.
    overlap = [
        TEMP_HEADER,
        ["01020310901", "华光小区", 45977.3416, 19.5, 3.0, "张三", "李工", None],
        ["01020310902", "华光小区", "2025/11/16 8:05", "17.5℃", 2.5, "√", "李工", None],
        ["01020310903", "华光小区", "2025-11-17 09:30:00", 20.5, -8.0, "已签字", "李工", "寒潮"],
        ["01020310906", "华光小区", "2025-11-20 09:00", 19, 4, "赵六", "李工", None],
        ["01020310907", "华光小区", "2025-11-20 10:00", 18.2, 4, "钱七", "李工", None],
    ]
    xlsx("temperature_overlap.xlsx", overlap)
    bad = [
        TEMP_HEADER,
        ["01020310901", "华光小区", "2025-11-16 08:00", "偏低", 3.0, "张三", "李工", None],  # 4 bad_number
        ["01020310902", "华光小区", "2025-13-45 08:00", 19, 3.0, "张三", "李工", None],  # 5 bad_date
        ["01020310903", "华光小区", "2025-11-16 08:00", 185, 3.0, "张三", "李工", None],  # 6 range
        ["01020310904", "华光小区", "2025-11-16 08:00", 19, 55, "张三", "李工", None],  # 7 range
        [None, "华光小区", "2025-11-16 08:00", 19, 3.0, "张三", "李工", None],  # 8 missing
        ["01020310905", "华光小区", "2025-11-16 08:00", 19, 3.0, "张三", "李工", None],  # 9 dup
        ["01020310905", "华光小区", "2025-11-16 08:00", 19.5, 3.0, "张三", "李工", None],  # 10 wins
        ["01020310906", "华光小区", "2025/02/30 9:00", 19, 3.0, "张三", "李工", None],  # 11 bad_date
        ["01020310907", "华光小区", "2025-11-16 08:00", 20, 3.0, "张三", "李工", None],  # 12 ok
    ]
    xlsx("temperature_bad.xlsx", bad)
    missing = [[c for c in TEMP_HEADER if c != "用户签字"],
               ["01020310901", "华光小区", 45977.3416, 19.5, 3.0, "李工", None]]
    xlsx("temperature_no_signature.xlsx", missing)
    xlsx("temperature_header_only.xlsx", [TEMP_HEADER])


def tickets():
    header = ["工单编号", "受理时间", "工单类型", "受理渠道", "户号", "来电人", "联系电话", "是否匿名",
              "反映内容", "责任单位", "派单时间", "到场时间", "办结时间", "处理结果", "回访时间", "回访满意度"]
    rows = [
        header,
        ["GD2025111600001", "2025/11/16 8:05", "报修", "电话", "01020310901", "张三", "13812341234", "否",
         "暖气不热", "华光路换热站", "2025/11/16 8:20", "2025/11/16 10:00", "2025/11/16 15:00", "已排气",
         "2025/11/17 9:00", "满意"],
        ["GD2025111600002", "2025/11/16 9:00", "投诉", "12345热线", "01020310902", "李四", "13912345678", "是",
         "=HYPERLINK(\"http://x\",\"y\")", "华光路换热站", "2025/11/16 9:30", None, None, None, None, None],
        ["GD2025111600003", "2025/11/16 9:10", "其他类", "电话", None, "王五", None, "否", "问价格",
         "华光路换热站", None, None, None, None, None, None],  # 6 bad_value
        ["GD2025111600004", "2025/11/16 10:00", "咨询", "微信", None, "赵六", None, "否", "问收费",
         "华光路换热站", None, None, "2025/11/16 9:00", "已答复", None, None],  # 7 before_received
        ["GD2025111600001", "2025/11/16 8:05", "报修", "电话", "01020310901", "张三", "13812341234", "否",
         "暖气不热", "华光路换热站", "2025/11/16 8:20", "2025/11/16 10:00", "2025/11/16 16:00", "已排气",
         "2025/11/17 9:00", "基本满意"],  # 8 duplicate of row 4: this one wins
        ["合计", "5"],
    ]
    xlsx("tickets_small.xlsx", rows, sheet="工单")


def households():
    # Two-row header: 房屋信息 merged over 楼号/单元/房号.
    top = ["户号", "分公司", "供热站", "小区", "房屋信息", None, None, "高低区", "用户类型", "供热面积(㎡)",
           "供热状态", "户主姓名", "联系电话"]
    sub = [None, None, None, None, "楼号", "单元", "房号", None, None, None, None, None, None]
    rows = [top, sub,
            ["01020310901", "张店分公司", "华光路换热站", "华光小区", "3号楼", "1", "501", "低区", "居民",
             "95.5", "供热", "张三", "13812341234"],
            ["01020310902", "张店分公司", "华光路换热站", "华光小区", "3号楼", "2", "1801", "高区", "非居民",
             "120", "停热", "李四", "13912345678"],
            ["合计", None, None, None, None, None, None, None, None, "215.5"]]
    merge = ["E3:G3"] + [f"{c}3:{c}4" for c in "ABCDHIJKLM"]
    xlsx("households_two_row.xlsx", rows, merge=merge, sheet="用户档案")


def unrelated():
    xlsx("unrelated.xlsx", [["项目", "预算", "备注"], ["办公用品", 1200, "一季度"], ["差旅", 3000, None]],
         title="2025年部门预算")


def fees():
    header = ["收据号", "户号", "供暖季", "缴费日期", "实收金额", "缴费方式", "收费员", "发票号"]
    lines = ["淄博开创热力有限公司 收费明细 2025-2026",
             ",".join(header),
             "SF20251103000001,01020310901,2025-2026,2025-11-03,\"2,196.50\",微信,王丽,FP001",
             "",
             "SF20251103000002,01020310902,2025-2026,2025/11/04,\"二百元\",现金,王丽,",
             "SF20251103000003,01020310903,2025-2026,2025-11-05,800,现金,王丽,FP003",
             "合计,,,,\"2,996.50\",,,"]
    text = "\r\n".join(lines) + "\r\n"
    (OUT / "payments_gbk.csv").write_bytes(text.encode("gbk"))
    (OUT / "payments_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("收费台账")
    rows = [["淄博开创热力有限公司 收费台账"],
            ["户号", "供暖季", "收费面积", "单价(元/㎡)", "减免金额", "应收金额", "供热状态"],
            ["01020310901", "2025-2026", 95.5, 23.0, 0, 2196.5, "供热"],
            ["01020310902", "2025—2026", 120, 31.0, 0, 744.0, "停热"],
            ["01020310903", "2025-2026", "待测", 23.0, 0, 800, "供热"],
            ["合计", None, None, None, None, 3740.5]]
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v is not None:
                ws.write(i, j, v)
    wb.save(str(OUT / "bills.xls"))


def ods():
    # OpenDocument, as LibreOffice saves it (odfpy writes it here).
    import pandas as pd
    rows = [["淄博开创热力有限公司 工单", None, None], ["工单编号", "受理时间", "工单类型"],
            ["GD2025111600101", "2025-11-16 08:00", "咨询"], ["GD2025111600102", "2025-11-16 09:00", "报修"],
            ["合计", "2", None]]
    pd.DataFrame(rows).to_excel(OUT / "tickets.ods", engine="odf", header=False, index=False)


def broken():
    (OUT / "empty.csv").write_bytes(b"")
    good = (OUT / "temperature_good.xlsx").read_bytes()
    (OUT / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    (OUT / "not_excel.xlsx").write_bytes(b"This is not a spreadsheet at all.\x00\x01\x02" * 10)
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = io.BytesIO(good)
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    (OUT / "protected.xlsx").write_bytes(out.getvalue())
    wb = openpyxl.Workbook()
    wb.save(OUT / "blank_sheet.xlsx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    temperature()
    tickets()
    households()
    unrelated()
    fees()
    ods()
    broken()
    print("written:", ", ".join(sorted(p.name for p in OUT.iterdir())))
