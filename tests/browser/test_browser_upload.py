"""The upload desk in a real browser: English, a sample export and a new file
through the file input, the report, the data page, a screenshot; and every
sample export uploaded at once gives the command line's counts."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pipelines.cli import main as cli
from pipelines.demo import sample_files

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "tests" / "data" / "ui"
LOAD_TIMEOUT_MS = 180_000


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="总览")).to_be_visible()


def nav(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def pick(page: Page, box: str, option: str, attempts: int = 4) -> None:
    """Open a select box and choose an option. A rerun still drawing the
    sidebar (a slow machine) can close the menu just opened: open it again."""
    wanted = page.get_by_role("option", name=option)
    for attempt in range(attempts):
        page.get_by_role("combobox", name=box).click()
        try:
            expect(wanted).to_be_visible(timeout=10_000)
            wanted.click()
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def file_box(page: Page, name: str):
    """The bordered section the upload page draws for one file."""
    return page.get_by_test_id("stVerticalBlock").filter(
        has=page.get_by_text(re.compile(rf"^{re.escape(name)} · "))).last


def metrics(box) -> dict[str, int]:
    out = {}
    for m in box.get_by_test_id("stMetric").all():
        label = m.get_by_test_id("stMetricLabel").inner_text().strip()
        out[label] = int(m.get_by_test_id("stMetricValue").inner_text().replace(",", ""))
    return out


@pytest.mark.browser
def test_upload_in_english_then_the_data_page(demo_app, page, output_dir):
    sample = next(p for p in sample_files() if p.name.startswith("客服工单"))
    open_app(page, demo_app)
    page.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    nav(page, "Upload data")
    assert "lang=en" in page.url

    page.locator("input[type=file]").set_input_files([sample, UI / "temperature_new.xlsx"])
    expect(page.get_by_text("Recognised as: Temperature readings · sheet “Sheet1” · header on "
                            "row 3")).to_be_visible()
    expect(page.get_by_text(re.compile(r"This file was already loaded \(batch \d+\); loading "
                                       r"it again changes nothing\."))).to_be_visible()
    page.get_by_role("button", name="Load 2 files").click()

    expect(page.get_by_text(re.compile(r"^Loaded as Temperature readings \(batch \d+, "))) \
        .to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_text(re.compile(r"This file was already loaded \(batch \d+\); "
                                       r"nothing changed\."))).to_be_visible()
    assert metrics(file_box(page, "temperature_new.xlsx")) == {
        "Rows read": 4, "Inserted": 3, "Updated": 0, "Unchanged": 0, "Rejected": 1}
    expect(page.get_by_role("button", name=re.compile("^Download rejected rows"))).to_be_visible()
    page.screenshot(path=output_dir / "upload.png", full_page=True)

    nav(page, "Manage data")
    expect(page.get_by_text("Load history")).to_be_visible()
    expect(page.get_by_role("combobox", name="Batch to undo")).to_have_value(
        re.compile(r"^Batch \d+ · temperature_new\.xlsx · Temperature readings$"))
    page.screenshot(path=output_dir / "data.png", full_page=True)
    assert (output_dir / "data.png").stat().st_size > 20_000


@pytest.mark.browser
def test_a_copied_link_reopens_the_same_filters(demo_app, browser, page, output_dir):
    open_app(page, demo_app)
    page.get_by_role("button", name="上周").click()
    expect(page.get_by_role("combobox", name="周次")).to_be_visible()
    pick(page, "分公司", "淄川分公司")
    page.keyboard.press("Escape")  # a multiselect commits when its menu closes
    expect(page).to_have_url(re.compile("branch="))
    nav(page, "数据管理")
    link = page.url
    assert re.search(r"[?&]period=week&week=\d{4}-W\d{2}&branch=", link), link
    week = page.get_by_role("combobox", name="周次").input_value()

    colleague = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    colleague.goto(link)
    expect(colleague.get_by_role("heading", name="数据管理")).to_be_visible(timeout=60_000)
    expect(colleague.get_by_role("combobox", name="周次")).to_have_value(week)
    expect(colleague.get_by_test_id("stMultiSelect").filter(has_text="分公司")) \
        .to_contain_text("淄川分公司")
    expect(colleague.get_by_role("radio", name="按周")).to_be_checked()
    expect(colleague).to_have_url(link)
    colleague.screenshot(path=output_dir / "link.png", full_page=True)
    colleague.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_every_sample_export_gives_the_command_line_counts(empty_app, page, tmp_path, capsys):
    url, _ = empty_app
    files = sample_files()
    assert len(files) >= 5
    open_app(page, url)
    nav(page, "数据上传")
    # The dropzone's button reads 选择文件 (Streamlit writes "Upload" in any language).
    selector = ('.st-key-upload_files [data-testid="stFileUploaderDropzone"] '
                'button [data-testid="stMarkdownContainer"] p')
    button = page.locator(selector)
    expect(button).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
    # The page's style element may be drawn a moment after the button: wait
    # for the word (a timeout here is a failure: the style never applied).
    page.wait_for_function(
        "sel => getComputedStyle(document.querySelector(sel), '::after').content"
        " === '\"选择文件\"'", arg=selector, timeout=LOAD_TIMEOUT_MS)
    assert button.evaluate("e => getComputedStyle(e, '::after').content") == '"选择文件"'
    assert button.evaluate("e => getComputedStyle(e).fontSize") == "0px"
    page.locator("input[type=file]").set_input_files(files)
    expect(page.get_by_text(re.compile("^识别为:"))).to_have_count(len(files),
                                                                 timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name=f"导入 {len(files)} 个文件").click()
    expect(page.get_by_text("读取行数")).to_have_count(len(files), timeout=LOAD_TIMEOUT_MS)
    shown = {p.name: metrics(file_box(page, p.name)) for p in files}

    reference = tmp_path / "cli.duckdb"
    assert cli(["load", *map(str, files), "--db", str(reference), "--json"]) == 0
    expected = {r["file"]: {"读取行数": r["rows_read"], "新增": r["rows_inserted"],
                            "更新": r["rows_updated"], "未变": r["rows_unchanged"],
                            "拒收": r["rows_rejected"]}
                for r in json.loads(capsys.readouterr().out)}
    assert shown == expected
