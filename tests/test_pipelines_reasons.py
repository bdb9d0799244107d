"""A reject's reason in the viewer's language, whoever loaded the file; a
CSV's sheet named after the file, not after the upload's temporary file; a
load warning's counts grouped."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.batches import batch_rejects, list_batches
from pipelines.load import load_file, warning
from pipelines.mappings import plan_remembered
from pipelines.warehouse import connect

# One of each kind of reason: the values they name (allowed values, the row
# that won, a shifted line's fields, the date column, a range in 万元) are
# what a reason written again in another language needs.
FILES = {
    "tickets.csv": "工单编号,受理时间,工单类型,户号,办结时间\n"
                   "T1,2025-12-01 08:00,闲聊,0101,\n"
                   "T2,2025-12-01 09:00,投诉,0101,\n"
                   "T2,2025-12-01 10:00,投诉,0101,\n"
                   "T3,2025-12-01 11:00,投诉,0101,,extra\n"
                   "T4,12月8日 8:30,报修,0101,\n"
                   "T5,2025-12-01 11:00,报修,0101,2025-11-30 10:00\n"
                   ",2025-12-01 11:00,报修,0101,\n"
                   "T6,2026/11/31 9:00,报修,0101,\n"
                   "T7,25/11/2026 10:00,报修,0101,\n"
                   "T8,05/11/2026 10:00,报修,0101,\n",
    "readings.csv": "户号,测温日期,测温时间,室内温度,用户签字\n"
                    "0101,2025-12-05,2025-12-06 08:00,18,张三\n"
                    "0102,2025-12-05,08:00,99,张三\n"
                    "0103,2025-12-05,08:00,十八点,张三\n",
    "payments.csv": "收据号,户号,供暖季,缴费日期,实收金额(万元)\n"
                    "S1,0101,2025-2026,2025-11-01,200\n"
                    "S2,0101,2025,2025-11-01,0.1\n",
}
CODES = {"bad_value", "duplicate", "extra_fields", "date_no_year", "before_received",
         "missing_required", "date_conflict", "out_of_range", "bad_number", "bad_season",
         "date_not_exist", "date_day_first", "date_year_last"}
ALLOWED = {"zh": "(允许:咨询、报修、抢修、投诉、举报、建议)",
           "en": "(allowed: 咨询, 报修, 抢修, 投诉, 举报, 建议)"}
UPLOAD_ID = "d7d59ac2-a164-41d5-9602-f6a817e1b45f"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("reasons")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in FILES]


def _loaded(files: list[Path], lang: str):
    con = connect(":memory:")
    for path in files:
        assert load_file(con, path, lang=lang).status == "loaded"
    return con


def test_a_reason_reads_in_the_viewers_language_whoever_loaded_the_file(files):
    # QA: 数据管理 showed rejects.reason, written in the loading user's
    # language: an English viewer read a Chinese loader's reasons. Written
    # again from what the reject kept, each reads as the viewer's own load
    # would have written it.
    loaded = {lang: _loaded(files, lang) for lang in ("zh", "en")}
    try:
        codes = set()
        for batch in (1, 2, 3):
            stored = {lang: batch_rejects(con, batch) for lang, con in loaded.items()}
            codes |= set(stored["zh"]["code"])
            for by, viewer in (("zh", "en"), ("en", "zh")):
                shown = batch_rejects(loaded[by], batch, viewer)
                assert shown["reason"].tolist() == stored[viewer]["reason"].tolist()
            assert stored["zh"]["reason"].tolist() != stored["en"]["reason"].tolist()
        assert codes == CODES
    finally:
        for con in loaded.values():
            con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_allowed_values_are_listed_with_the_languages_separator(files, lang):
    # QA, English: "Category is not an allowed value (allowed: 咨询、报修、…)".
    con = connect(":memory:")
    try:
        report = load_file(con, files[0], lang=lang)
        [said] = [x.reason for x in report.rejects if x.code == "bad_value"]
        assert said.endswith(ALLOWED[lang]), said
        other = "en" if lang == "zh" else "zh"
        [again] = [x.reason_in(other) for x in report.rejects if x.code == "bad_value"]
        assert again.endswith(ALLOWED[other]), again
    finally:
        con.close()


def test_an_older_warehouse_gains_params_and_keeps_its_stored_reasons(files, tmp_path):
    # A warehouse made before rejects kept their params: opened again, it has
    # the column; its rejects show the words stored at their load, and a new
    # load's show in the viewer's language.
    db = tmp_path / "old.duckdb"
    con = connect(db)
    assert load_file(con, files[0]).status == "loaded"
    stored = batch_rejects(con, 1)["reason"].tolist()
    con.execute("ALTER TABLE rejects DROP COLUMN params")   # as it was
    con.close()
    con = connect(db)
    try:
        assert batch_rejects(con, 1, "en")["reason"].tolist() == stored
        assert load_file(con, files[1]).status == "loaded"
        english = batch_rejects(con, 2, "en")["reason"].tolist()
    finally:
        con.close()
    other = connect(":memory:")
    try:
        assert english == [x.reason for x in load_file(other, files[1], lang="en").rejects]
    finally:
        other.close()


def test_a_csv_sheet_is_named_after_the_file_not_the_upload(tmp_path):
    # QA: a CSV uploaded in the dashboard named its sheet after the upload's
    # temporary file (the uploader's file id), on 数据管理's rejected rows
    # and in the download. It is the file's name, as a command-line load
    # names it.
    path = tmp_path / f"{UPLOAD_ID}.csv"
    path.write_text(FILES["tickets.csv"], encoding="utf-8")
    con = connect(":memory:")
    try:
        plan, _ = plan_remembered(con, path, file_name="工单导出.csv")
        assert plan.sheet.name == "工单导出"
        report = load_file(con, path, file_name="工单导出.csv")
        assert report.sheet == "工单导出"
        assert {x.sheet for x in report.rejects} == {"工单导出"}
        assert con.execute("SELECT sheet FROM batches").fetchall() == [("工单导出",)]
        assert set(con.execute("SELECT sheet FROM rejects").fetchall()) == {("工单导出",)}
        # One loaded before stored the file id: it reads as the file's name.
        con.execute("UPDATE rejects SET sheet = ?", [UPLOAD_ID])
        con.execute("UPDATE batches SET sheet = ?", [UPLOAD_ID])
        assert set(batch_rejects(con, 1)["sheet"]) == {"工单导出"}
        assert list_batches(con)["sheet"].tolist() == ["工单导出"]
    finally:
        con.close()


@pytest.mark.parametrize("lang, words", [
    ("zh", "1,200 行(共 1,200 户)的户号在用户档案中找不到"),
    ("en", "1,200 row(s) (1,200 household(s)) name a household ID"),
])
def test_a_warnings_counts_are_grouped(lang, words):
    said = warning("not_in_roster", {"n": 1200, "households": 1200,
                                     "examples": ["77777", "88888"]}, lang)
    assert said.startswith(words), said
