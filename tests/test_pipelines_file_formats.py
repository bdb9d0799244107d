"""Files whose format is not what their name says, or not what a quick look
suggests: the content decides how a file is read, and a file that cannot be
read is refused with what the user can do about it."""
from __future__ import annotations

import shutil
import struct

import openpyxl
import pytest

from made_files import xlsx
from pipelines.load import load_file
from pipelines.read import _delimiter

READING = ["户号", "测温时间", "室内温度", "用户签字"]


def _xls(path, header=READING, rows=(("0101001", "2025-12-01 08:30", 17, "张三"),)):
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("测温")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(path))
    return path


# --- 1. an .xls named .xlsx and an .xlsx named .xls ---------------------------------

def test_a_real_xls_named_xlsx_loads_as_xls(con, tmp_path):
    path = tmp_path / "测温记录.xlsx"
    shutil.move(_xls(tmp_path / "real.xls"), path)
    report = load_file(con, path)
    assert (report.status, report.error_code, report.rows_inserted) == ("loaded", None, 1)
    assert con.execute("SELECT household_id, indoor_c FROM temperature_readings").fetchall() == [
        ("0101001", 17.0)]


def test_a_real_xlsx_named_xls_loads_as_xlsx(con, tmp_path):
    path = tmp_path / "测温记录.xls"
    shutil.move(xlsx(tmp_path / "real.xlsx", READING, [["0101001", "2025-12-01 08:30", 17, "张三"]]),
                path)
    report = load_file(con, path)
    assert (report.status, report.error_code, report.rows_inserted) == ("loaded", None, 1)
    assert con.execute("SELECT household_id FROM temperature_readings").fetchall() == [
        ("0101001",)]


# --- 2. a password-protected .xls ---------------------------------------------------

def _protect(path):
    """Write a FILEPASS record (RC4 encryption) into the workbook globals of an
    .xls in place of the two short records after BOF, as Excel's "Encrypt with
    password" does: readers then cannot read the cells."""
    data = bytearray(path.read_bytes())
    bof = data.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")  # BOF of the globals, BIFF8
    assert bof > 0
    pos = bof + 4 + 16
    t1, l1 = struct.unpack_from("<HH", data, pos)
    t2, l2 = struct.unpack_from("<HH", data, pos + 4 + l1)
    assert (l1, l2) == (2, 2), (hex(t1), hex(t2))
    data[pos:pos + 12] = struct.pack("<HHHHHH", 0x002F, 8, 1, 1, 1, 0)
    path.write_bytes(bytes(data))
    return path


def test_a_password_protected_xls_is_called_protected_not_damaged(con, tmp_path):
    path = _protect(_xls(tmp_path / "加密.xls"))
    zh, en = load_file(con, path), load_file(con, path, lang="en")
    assert (zh.status, zh.error_code) == ("failed", "password_protected")
    assert "工作簿设置了打开密码" in zh.error and "损坏" not in zh.error
    assert "password-protected" in en.error and "damaged" not in en.error
    # The same file named .xlsx is no different.
    renamed = shutil.copy(path, tmp_path / "加密.xlsx")
    assert load_file(con, renamed).error_code == "password_protected"


# --- 3. a web page or an XML Spreadsheet 2003 named .xls ------------------------------

HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body><table border="1"><tr><td colspan="4">测温记录</td></tr>
<tr><th>户号</th><th>测温时间</th><th>室内温度</th><th>用户签字</th></tr>
<tr><td style="mso-number-format:'\\@'">0101001</td><td>2025-12-01 08:30</td><td>17.0</td>
<td>张三</td></tr></table></body></html>"""

XML = """<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="Sheet1"><Table>
<Row><Cell><Data ss:Type="String">户号</Data></Cell>
<Cell><Data ss:Type="String">测温时间</Data></Cell>
<Cell><Data ss:Type="String">室内温度</Data></Cell><Cell><Data ss:Type="String">用户签字</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">0101001</Data></Cell>
<Cell><Data ss:Type="String">2025-12-01 08:30</Data></Cell>
<Cell><Data ss:Type="Number">17</Data></Cell><Cell><Data ss:Type="String">张三</Data></Cell></Row>
</Table></Worksheet></Workbook>"""


@pytest.mark.parametrize("content, encoding, code", [
    (HTML, "utf-8", "html_table_file"),
    (HTML.replace("utf-8", "gbk"), "gbk", "html_table_file"),
    ("\ufeff<!DOCTYPE html>\n" + HTML, "utf-8", "html_table_file"),
    (XML, "utf-8", "xml_spreadsheet_file"),
], ids=["html", "html-gbk", "html-doctype-bom", "xml-2003"])
def test_a_web_page_or_xml_spreadsheet_named_xls_asks_to_save_as_xlsx(
        con, tmp_path, content, encoding, code):
    path = tmp_path / "测温记录.xls"
    path.write_text(content, encoding=encoding)
    zh, en = load_file(con, path), load_file(con, path, lang="en")
    assert (zh.status, zh.error_code, en.error_code) == ("failed", code, code)
    # Exporting again gives the same file: the user is told to convert it.
    assert "WPS" in zh.error and "另存为 .xlsx" in zh.error and "文件名是 .xls" in zh.error
    assert "重新导出为" not in zh.error and "文件中的列" not in zh.error
    assert "Excel or WPS" in en.error and "save it as .xlsx" in en.error
    assert "Export it again" not in en.error
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_plain_text_named_xls_is_still_not_a_real_excel_file(con, tmp_path):
    path = tmp_path / "说明.xls"
    path.write_text("<这不是表格> 只是一些文字\n第二行\n", encoding="utf-8")
    assert load_file(con, path).error_code == "misnamed_excel"


# --- 4. the separator of a text file ------------------------------------------------

TEXT = "室温低,暖气不热,已报多次,要求上门,态度差,请尽快处理"


def test_a_tab_separated_file_with_commas_in_its_texts_splits_at_the_tabs(con, tmp_path):
    lines = ["工单编号\t受理时间\t工单类型\t反映内容"] + [
        f"T{i}\t2025-12-01 08:3{i}\t投诉\t{TEXT}" for i in range(3)]
    path = tmp_path / "工单.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    report = load_file(con, path)
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 3, 0), \
        report.rejects
    assert con.execute("SELECT DISTINCT description FROM tickets").fetchall() == [(TEXT,)]


@pytest.mark.parametrize("lines, expected", [
    (["a\tb\tc\td", "1\t2\t3\tx,y,z,w,v,u"], "\t"),
    (["a\tb\tc\td"] + ["1\t2\t3\tx,y,z,w,v,u"] * 5, "\t"),
    (["a,b,c,d", "1,2,3,x", "1,2,3,x;y;z;w;v"], ","),
    (["a,b,c", '1,"x\ty\tz\tw",3', '2,"u\tv\tw\tq",4'], ","),  # tabs inside quoted texts
    (['a,b,c', '1,"x,y,z,w",3', '2,"u,v,w,q",4'], ","),       # commas inside quotes
    (["标题", "a;b;c", "1;2;3,4", "5;6;7"], ";"),
    (["a|b|c", "1|2|3"], "|"),
    (["just text"], ","),
])
def test_the_separator_is_the_one_splitting_lines_consistently(lines, expected):
    assert _delimiter("\n".join(lines) + "\n") == expected


# --- 5. IDs stored as numbers under a zero-padding number format ----------------------

ROSTER = ["户号", "户名", "分公司", "供热站", "供热面积", "联系电话"]


def test_roster_ids_stored_as_numbers_with_a_zeros_format_keep_their_zeros(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ROSTER)
    ws.append([101001, "张三", "张店分公司", "一站", 85.3, 13800000001])
    ws.append([101002, "李四", "张店分公司", "一站", 90, 13800000002])
    ws.append(["0101003", "王五", "淄川分公司", "二站", 120.5, "13800000003"])  # text
    ws.append([12345678, "赵六", "淄川分公司", "二站", 60, 13800000004])  # over 7 digits
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.number_format = "0000000"        # Excel shows 0101001
    ws["E3"].number_format = "000"            # a number column so formatted: still 90
    wb.save(tmp_path / "用户档案.xlsx")
    report = load_file(con, tmp_path / "用户档案.xlsx")
    assert (report.status, report.rows_inserted, report.rows_rejected) == ("loaded", 4, 0), \
        report.rejects
    assert con.execute("SELECT household_id, heated_area_m2 FROM households ORDER BY 1"
                       ).fetchall() == [
        ("0101001", 85.3), ("0101002", 90.0), ("0101003", 120.5), ("12345678", 60.0)]


def test_number_ids_without_a_zeros_format_are_left_as_stored(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ROSTER)
    ws.append([101001, "张三", "张店分公司", "一站", 85.3, 13800000001])
    ws.append([101002, "李四", "张店分公司", "一站", 90, 13800000002])
    ws["A2"].number_format = "0"
    ws["A3"].number_format = "0.00"
    wb.save(tmp_path / "用户档案.xlsx")
    assert load_file(con, tmp_path / "用户档案.xlsx").rows_inserted == 2
    assert con.execute("SELECT household_id FROM households ORDER BY 1").fetchall() == [
        ("101001",), ("101002",)]
