"""Files that are not quite what the user meant to upload: each said for what
it is, or read when it is an export after all."""
from __future__ import annotations

import os
import zipfile

from made_files import tiny_png
from pipelines.load import load_file
from pipelines.read import _binary

HEADER = "工单编号,受理时间,工单类型,诉求内容\n"


def test_a_word_document_named_xlsx_is_said_to_be_one(con, tmp_path):
    path = tmp_path / "客服工单.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    zh, en = load_file(con, path), load_file(con, path, lang="en")
    assert zh.error_code == "word_file" and "这是一个 Word 文档" in zh.error
    assert "it is a Word document" in en.error and "damaged" not in en.error


def test_an_archive_of_exports_says_to_unpack_it_and_names_what_is_inside(con, tmp_path):
    # It was "damaged: save it again in Excel", which cannot help.
    path = tmp_path / "导出.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(5):
            z.writestr(f"exports/工单{i}.csv", HEADER)
    zh = load_file(con, path)
    assert zh.error_code == "zip_archive"
    assert "压缩包(内有 5 个文件:工单0.csv、工单1.csv、工单2.csv、…)" in zh.error
    assert "请先解压" in zh.error
    assert "Unpack it" in load_file(con, path, lang="en").error


def test_a_text_export_with_a_stray_nul_loads(con, tmp_path):
    # One NUL in a field made the file "not a spreadsheet (an image or a PDF)".
    path = tmp_path / "工单.csv"
    path.write_bytes((HEADER + "GD1,2025-11-20 08:00,报修,暖气不热\x00\n"
                      "GD2,2025-11-20 09:00,咨询,问收费\n").encode("utf-8"))
    report = load_file(con, path)
    assert report.status == "loaded", report.error
    assert report.rows_read == 2
    texts = con.execute("SELECT description FROM tickets WHERE ticket_no IN ('GD1', 'GD2') "
                        "ORDER BY ticket_no").fetchall()
    assert texts == [("暖气不热",), ("问收费",)]   # the NUL dropped, nothing else


def test_binary_files_stay_refused():
    assert _binary(tiny_png())
    utf16 = (HEADER + "GD1,2025-11-20 08:00,报修,暖气不热\n" * 3).encode("utf-16-le")
    assert _binary(utf16)                                         # UTF-16 without a mark
    assert _binary(b"%PDF-1.7\n" + os.urandom(4000).replace(b"\x00", b"\x01"))
    assert _binary(os.urandom(4096).replace(b"\x00", b"\x01"))  # no NUL, many controls
    assert not _binary((HEADER + "GD1,2025-11-20 08:00,报修,暖\x00气\n").encode("utf-8"))


def test_a_line_over_two_megabytes_loads(con, tmp_path):
    # DuckDB's CSV reader refuses a line over 2 MB unless told: the file was
    # called damaged. A million characters of Chinese text is ~3 MB of UTF-8.
    path = tmp_path / "工单.csv"
    path.write_text(HEADER + "GD1,2025-11-20 08:00,报修," + "热" * 1_000_000 + "\n"
                    "GD2,2025-11-20 09:00,咨询,问\n", encoding="utf-8")
    report = load_file(con, path)
    assert report.status == "loaded", report.error
    assert report.rows_read == 2


def test_an_archive_of_workbooks_says_to_unpack_it(con, tmp_path):
    # It was refused as a workbook holding another one ("export only the table").
    inner = tmp_path / "工单.xlsx"
    from made_files import xlsx
    xlsx(inner, ["工单编号", "受理时间", "工单类型"], [["GD1", "2025-11-20 08:00", "报修"]])
    path = tmp_path / "导出.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.write(inner, "工单.xlsx")
        z.write(inner, "测温.xlsx")
    zh = load_file(con, path)
    assert zh.error_code == "zip_archive" and "内有 2 个文件:工单.xlsx、测温.xlsx" in zh.error


def test_a_dos_end_of_file_mark_is_no_row(con, tmp_path):
    # Old systems end a text file with Ctrl-Z: it was one more, rejected, row.
    path = tmp_path / "工单.csv"
    path.write_bytes((HEADER + "GD1,2025-11-20 08:00,报修,暖气不热\r\n").encode("gbk") + b"\x1a")
    report = load_file(con, path)
    assert (report.status, report.rows_read, report.rows_rejected) == ("loaded", 1, 0)
