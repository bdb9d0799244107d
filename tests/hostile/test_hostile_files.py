"""Hostile and broken files: each gives a clear message or a correct load, and
the process (the dashboard, in production) keeps serving."""
from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from made_files import bills_with_formulas, saved_in_excel
from pipelines.load import load_file
from pipelines.read import read_sheets
from pipelines.settings import load_settings
from pipelines.warehouse import row_counts

FILES = Path(__file__).parent.parent / "data" / "pipelines"
HEADER = ["户号", "测温时间", "室内温度(℃)", "室外温度(℃)", "用户签字"]


def _good_xlsx(path: Path, rows=None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("测温记录")
    ws.write_row(0, 0, HEADER)
    for i, row in enumerate(rows or [["00101", "2025-11-16 08:00", 19, 2, "√"]], start=1):
        ws.write_row(i, 0, row)
    wb.close()
    return path


def _rezip(src: Path, dst: Path, extra: dict[str, bytes] | None = None,
           replace: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = (replace or {}).get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _assert_refused(con, path: Path, code: str, words: str) -> None:
    before = row_counts(con)
    report = load_file(con, path)
    assert (report.status, report.error_code) == ("failed", code), report.error
    assert words in report.error
    assert row_counts(con) == before
    # The process still serves: a good file loads right after.
    assert load_file(con, FILES / "temperature_good.xlsx").status in ("loaded", "already_loaded")


def test_zip_bomb_entry_is_refused_before_parsing(con, tmp_path):
    good = _good_xlsx(tmp_path / "g.xlsx")
    bomb = _rezip(good, tmp_path / "bomb.xlsx", extra={"xl/media/pad.bin": b"\0" * 50_000_000})
    assert bomb.stat().st_size < 200_000
    _assert_refused(con, bomb, "unsafe_ratio", "压缩炸弹")


def test_too_many_entries(con, tmp_path):
    good = _good_xlsx(tmp_path / "g.xlsx")
    n = load_settings()["upload"]["max_zip_entries"] + 1
    many = _rezip(good, tmp_path / "many.xlsx", extra={f"x/{i}.txt": b"" for i in range(n)})
    _assert_refused(con, many, "unsafe_entries", "超过安全上限")


def test_total_unzipped_size(con, tmp_path, monkeypatch):
    limits = dict(load_settings()["upload"], max_unzipped_mb=1, max_compression_ratio=10 ** 9)
    monkeypatch.setitem(load_settings(), "upload", limits)
    big = _rezip(_good_xlsx(tmp_path / "g.xlsx"), tmp_path / "big.xlsx",
                 extra={"xl/media/a.bin": b"\0" * 2_000_000})
    _assert_refused(con, big, "unsafe_size", "解压后有 1 MB")


def test_nested_archive(con, tmp_path):
    nested = _rezip(_good_xlsx(tmp_path / "g.xlsx"), tmp_path / "nested.xlsx",
                    extra={"xl/embeddings/inner.zip": b"PK\x03\x04"})
    _assert_refused(con, nested, "unsafe_nested", "inner.zip")


def test_billion_laughs(con, tmp_path):
    good = _good_xlsx(tmp_path / "g.xlsx")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b"<si><t>&lol9;</t></si></sst>")
    bad = _rezip(good, tmp_path / "laughs.xlsx", replace={"xl/sharedStrings.xml": laughs})
    _assert_refused(con, bad, "unsafe_entities", "XML 实体")


def test_truncated_and_lying_extensions(con, tmp_path):
    _assert_refused(con, FILES / "truncated.xlsx", "corrupt_file", "文件已损坏或不完整")
    # The user's message is all Chinese; the reader's own words are kept apart
    # for whoever looks into it (the command line and --json show them).
    report = load_file(con, FILES / "truncated.xlsx")
    assert report.error_detail and report.error_detail not in report.error
    assert report.asdict()["error_detail"] == report.error_detail
    assert f"({report.error_detail})" in str(report)
    # An Excel file named .csv and a CSV named .xlsx both load: the bytes decide.
    xlsx_as_csv = _good_xlsx(tmp_path / "readings.csv")
    assert load_file(con, xlsx_as_csv).rows_inserted == 1
    csv_as_xlsx = shutil.copy(FILES / "payments_gbk.csv", tmp_path / "payments.xlsx")
    report = load_file(con, csv_as_xlsx)
    assert (report.status, report.dataset, report.rows_inserted) == ("loaded", "fee_payments", 2)


def test_reader_crash_is_contained(con, tmp_path, monkeypatch):
    # A reader that dies (as calamine can abort on a malformed .xls, or as one
    # that runs out of its memory cap does) fails the file; this process goes on.
    normal = load_settings()["upload"]
    monkeypatch.setitem(load_settings(), "upload", dict(normal, reader_memory_mb=64))
    report = load_file(con, FILES / "temperature_good.xlsx")
    assert (report.status, report.error_code) == ("failed", "reader_crashed")
    assert "看板不受影响" in report.error and row_counts(con)["temperature_readings"] == 0
    monkeypatch.setitem(load_settings(), "upload", normal)
    assert load_file(con, FILES / "temperature_good.xlsx").rows_inserted == 5


def test_formulas_without_cached_values(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["00101", "2025-11-16 08:00", "=18+1", 2, "√"])  # openpyxl stores no cached value
    ws.append(["00102", "2025-11-16 09:00", 19.5, "=A1", "√"])
    wb.save(tmp_path / "formulas.xlsx")
    # Read as they are, the formula cells would be empty: a required value missing,
    # an optional one silently null. The file is refused: Excel must compute them.
    _assert_refused(con, tmp_path / "formulas.xlsx", "uncomputed_formulas",
                    "有 2 个公式单元格没有计算结果(如 C2、D3)")
    report = load_file(con, tmp_path / "formulas.xlsx")
    assert "请先用 Excel 打开这个文件并保存" in report.error
    english = load_file(con, tmp_path / "formulas.xlsx", lang="en")
    assert "Open the file in Excel and save it first" in english.error


def test_formula_results_xlsxwriter_left_at_zero(con, tmp_path):
    path = bills_with_formulas(tmp_path / "bills.xlsx")
    _assert_refused(con, path, "uncomputed_formulas", "(如 E2、E3、E4)")
    assert con.execute("SELECT count(*) FROM fee_bills").fetchone() == (0,)
    # Opened and saved in Excel: the results are stored and the flag to
    # recalculate is gone, so a formula giving 0 is a true 0.
    saved = saved_in_excel(bills_with_formulas(tmp_path / "computed.xlsx", cached=1840),
                           tmp_path / "saved.xlsx")
    report = load_file(con, saved)
    assert (report.status, report.rows_inserted) == ("loaded", 3), report.error
    assert con.execute("SELECT DISTINCT amount_due FROM fee_bills").fetchall() == [(1840.0,)]
    zero = saved_in_excel(bills_with_formulas(tmp_path / "zero.xlsx"),
                          tmp_path / "zero_saved.xlsx")
    assert load_file(con, zero).status == "loaded"


def test_merged_cells_across_the_header(con):
    report = load_file(con, FILES / "households_two_row.xlsx")
    assert (report.status, report.header_row, report.rows_inserted) == ("loaded", "3-4", 2)


def test_1904_date_system(con, tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append(HEADER)
    ws.append(["00101", dt.datetime(2025, 11, 16, 8, 0), 19, 2, "√"])   # a real date cell
    ws.append(["00102", 44515.5, 19, 2, "√"])   # a plain serial, counted from 1904
    wb.save(tmp_path / "mac.xlsx")
    load_file(con, tmp_path / "mac.xlsx")
    got = con.execute("SELECT household_id, measured_at FROM temperature_readings ORDER BY 1"
                      ).fetchall()
    assert got == [("00101", dt.datetime(2025, 11, 16, 8, 0)),
                   ("00102", dt.datetime(2025, 11, 16, 12, 0))]


def test_16384_columns(con, tmp_path):
    path = tmp_path / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ["00101", "2025-11-16 08:00", 19, 2, "√"])
    ws.write(2, 16383, "far right")  # XFD3: the last column Excel has
    wb.close()
    assert next(read_sheets(path)).n_columns == 16384
    report = load_file(con, path)
    assert (report.status, report.rows_read, report.rows_inserted) == ("loaded", 1, 1)


@pytest.mark.slow
def test_a_sheet_of_1048576_rows(con, tmp_path):
    path = tmp_path / "tall.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ["00101", "2025-11-16 08:00", 19, 2, "√"])
    ws.write(1048575, 0, "00102")  # A1048576: Excel's last row, the rest blank
    wb.close()
    report = load_file(con, path)
    assert report.status == "loaded"
    # The last row lacks its required values: rejected, with Excel's row number.
    assert [(r.row, r.column) for r in report.rejects] == [(1048576, "indoor_c"),
                                                           (1048576, "measured_at")]
    assert (report.rows_read, report.rows_inserted) == (2, 1)


def test_csv_with_mixed_encodings(con, tmp_path):
    lines = ["收据号,户号,供暖季,缴费日期,实收金额,地址".encode("gbk"),
             "SF1,001,2025-2026,2025-11-03,100".encode("gbk"),
             "SF2,002,2025-2026,2025-11-04,200,淄博市张店区".encode("utf-8"),
             "SF3,003,2025-2026,2025-11-05,300,华光小区".encode("gbk")]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\r\n".join(lines))
    report = load_file(con, path)
    assert (report.status, report.rows_inserted) == ("loaded", 3)


def test_formula_scan_across_chunks_and_prefixes(tmp_path, monkeypatch):
    from pipelines import formulas
    path = tmp_path / "many.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("测温记录")
    ws.write_row(0, 0, HEADER)
    for r in range(1, 301):
        ws.write_row(r, 0, [f"{r:05d}", "2025-11-16 08:00"])
        ws.write_formula(r, 2, "=18+1")
    wb.close()
    monkeypatch.setattr(formulas, "_CHUNK", 997)  # cuts fall inside cells
    cells = formulas.uncomputed_cells(path)["测温记录"]
    assert cells == [(r, 2) for r in range(2, 302)]
    assert formulas.cell_ref(2, 2) == "C2" and formulas.cell_ref(9, 27) == "AB9"
    # .NET writers prefix every element (<x:c><x:f>…): the same cells.
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    prefixed = xml.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>").replace(
        b"<f>", b"<x:f>").replace(b"</f>", b"</x:f>").replace(b"<v>", b"<x:v>").replace(
        b"</v>", b"</x:v>")
    other = _rezip(path, tmp_path / "prefixed.xlsx", replace={"xl/worksheets/sheet1.xml": prefixed})
    assert formulas.uncomputed_cells(other)["测温记录"] == cells


def test_uncomputed_formulas_of_a_sheet_starting_in_column_c(con, tmp_path):
    # The reader starts at the first used column (C here): the formula cells'
    # columns are counted from it, and the message names the cells as Excel does.
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate([HEADER, ["00101", "2025-11-16 08:00", 18.5, "=0-3", "√"],
                             ["00102", "2025-11-16 09:00", 19.5, -3, "√", "=1+1"]], start=1):
        for c, value in enumerate(row, start=3):
            ws.cell(row=r, column=c, value=value)
    wb.save(tmp_path / "shifted.xlsx")
    # F2 is the outdoor temperature, loaded (counted from A it would be the
    # sixth column, past the file's); H3 is past the loaded columns: no harm
    _assert_refused(con, tmp_path / "shifted.xlsx", "uncomputed_formulas",
                    "有 1 个公式单元格没有计算结果(如 F2)")


def test_merge_ranges_of_an_xls_with_a_looping_or_lying_structure(tmp_path):
    """The .xls merge scan walks the compound file itself: a sector chain that
    loops, a sector number past the end, a record claiming more ranges than it
    holds give no ranges or the ranges there are, never a hang or a crash."""
    import struct

    import xlwt

    from pipelines.merges import xls_merges

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("档案")
    ws.write_merge(2, 5, 1, 1, "张店分公司")
    wb.save(str(tmp_path / "good.xls"))
    data = bytearray((tmp_path / "good.xls").read_bytes())
    assert xls_merges(tmp_path / "good.xls") == {"档案": [(3, 1, 6, 1)]}
    fat0 = struct.unpack_from("<I", data, 0x4C)[0]
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    for name, entry in (("loop.xls", first_dir), ("past_end.xls", 10 ** 6)):
        bad = bytearray(data)
        struct.pack_into("<I", bad, (fat0 + 1) * 512 + first_dir * 4, entry)
        (tmp_path / name).write_bytes(bytes(bad))
        assert xls_merges(tmp_path / name) == {}
    # A MERGEDCELLS record saying it holds 65,535 ranges.
    at = bytes(data).find(b"\xe5\x00\x0a\x00\x01\x00")
    assert at > 0
    bad = bytearray(data)
    struct.pack_into("<H", bad, at + 4, 0xFFFF)
    (tmp_path / "count.xls").write_bytes(bytes(bad))
    assert xls_merges(tmp_path / "count.xls") == {"档案": [(3, 1, 6, 1)]}
