"""The weekly report (周报) for the Monday meeting: an Excel workbook per ISO
week, built from the KPI layer, for the command line (`python -m reports`),
a scheduler and the report page. No Streamlit here.

    from reports import build_weekly
    xlsx_bytes = build_weekly(con, "2025-W48", lang="zh")
"""
from .data import WeeklyData, gather, last_complete_week, parse_week
from .errors import ReportError
from .text import summary_paragraph
from .weekly import XLSX_MIME, build_weekly, file_name, workbook_bytes, write_weekly

__all__ = ["XLSX_MIME", "ReportError", "WeeklyData", "build_weekly", "file_name", "gather",
           "last_complete_week", "parse_week", "summary_paragraph", "workbook_bytes",
           "write_weekly"]
