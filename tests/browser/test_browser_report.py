"""The 周报 page in a real browser: open it from a link, read the paragraph,
download the workbook and the printable summary, and print the summary to a
one-page A4 PDF with nothing of the app's frame on it."""
from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect

WEEK = "2025-W48"
BUILD_TIMEOUT_MS = 60_000


def nav(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name).click()


def open_report(page: Page, url: str) -> None:
    page.goto(f"{url}/?season=2025-2026&period=week&week={WEEK}")
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    nav(page, "周报")
    expect(page.get_by_role("heading", name="周报")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^本周室温达标率 "))).to_be_visible(
        timeout=BUILD_TIMEOUT_MS)


def main(page: Page):
    """The page body (the sidebar has a week picker of its own)."""
    return page.get_by_test_id("stMainBlockContainer")


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


@pytest.mark.browser
def test_the_report_page_downloads_and_prints(demo_app, page, output_dir):
    open_report(page, demo_app)
    paragraph = page.get_by_text(re.compile(r"^本周室温达标率 ")).inner_text().strip()
    expect(main(page).get_by_role("combobox", name="周次")).to_have_value(re.compile("第48周"))
    page.screenshot(path=output_dir / "report.png", full_page=True)

    with page.expect_download() as info:
        page.get_by_role("button", name="下载 Excel 周报").click()
    download = info.value
    assert download.suggested_filename == f"周报_{WEEK}.xlsx"
    xlsx = output_dir / download.suggested_filename
    download.save_as(xlsx)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["摘要", "室温", "工单", "收费", "待办", "说明"]
    assert wb["摘要"]["A5"].value == paragraph

    with page.expect_download() as info:
        page.get_by_role("button", name="下载可打印摘要").click()
    html = output_dir / info.value.suggested_filename
    info.value.save_as(html)
    assert html.suffix == ".html" and paragraph in html.read_text(encoding="utf-8")

    page.get_by_text("可打印摘要", exact=True).click()
    summary = page.locator(".hk-report")
    expect(summary).to_be_visible(timeout=BUILD_TIMEOUT_MS)
    expect(summary).to_contain_text(paragraph)
    page.emulate_media(media="print")
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(main(page).get_by_role("combobox", name="周次")).to_be_hidden()
    expect(summary).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (output_dir / "summary.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1
    page.screenshot(path=output_dir / "print.png", full_page=True)

    # Both downloads are in the audit trail, the workbook marked as personal data.
    page.emulate_media(media="screen")
    page.get_by_text("可打印摘要", exact=True).click()
    nav(page, "审计日志")
    log = page.get_by_test_id("stDataFrame")
    expect(log).to_contain_text(download.suggested_filename)


@pytest.mark.browser
def test_the_report_page_in_english(demo_app, page):
    page.goto(f"{demo_app}/?season=2025-2026&period=week&week={WEEK}&lang=en")
    nav(page, "Weekly report")
    expect(page.get_by_role("heading", name="Weekly report")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Room-temperature compliance this week was "))) \
        .to_be_visible(timeout=BUILD_TIMEOUT_MS)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the Excel report").click()
    assert info.value.suggested_filename == f"weekly_report_{WEEK}.xlsx"

    # The English summary is the longer one: it still prints on one A4 page,
    # its table text no smaller than 10.5 px.
    page.get_by_text("Printable summary", exact=True).click()
    summary = page.locator(".hk-report")
    expect(summary).to_contain_text("Room-temperature compliance this week was ")
    page.emulate_media(media="print")
    assert summary.locator("td.n").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)") >= 10.5
    assert pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True)) == 1
