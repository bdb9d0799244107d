"""Everything the report page needs for one week, built in one call so the
page can cache it: the paragraph, the headline table and the printable
summary; the workbook is written from the same figures when it is asked for,
with the week-by-week trends its charts draw read then (writing it takes as
long as gathering the figures, and most visits only read the summary)."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipelines.warehouse import data_version

from .data import WeeklyData, gather, with_trends
from .labels import scope
from .printable import headline_frame, summary_document, summary_fragment
from .text import summary_paragraph
from .weekly import workbook_bytes


@dataclass(frozen=True)
class WeeklyBundle:
    week: str
    scope: str                 # whom it covers, in the language it was built in
    paragraph: str
    headline: pd.DataFrame     # text, headed in the language
    data: WeeklyData           # the figures the workbook is written from
    lang: str
    html_fragment: str
    html_document: str
    can_see_personal: bool
    seconds: float             # time to build it

    def xlsx(self, con: duckdb.DuckDBPyConnection) -> bytes:
        """The workbook, the same as `python -m reports weekly` writes. Read
        from `con` now: the trends, or everything when a load or an undo has
        changed the warehouse since the page was built."""
        d = self.data
        if data_version(con) != d.data_version:
            d = gather(con, d.week, d.branch, d.can_see_personal,
                       None if d.scope is None else d.scope[0], d.row_lists)
        return workbook_bytes(with_trends(con, d), self.lang)


def weekly_bundle(con: duckdb.DuckDBPyConnection, week: str, branch: str | None = None,
                  lang: str = "zh", can_see_personal: bool = False,
                  scope_branch: str | None = None, row_lists: bool = True,
                  now: dt.datetime | None = None) -> WeeklyBundle:
    """The week's report in every form the page shows or offers; `now`: the
    time it is built at (a week not over is figured as of then; default the
    company's clock)."""
    started = time.monotonic()
    data = gather(con, week, branch, can_see_personal, scope_branch, row_lists, now=now,
                  trends=False)
    return WeeklyBundle(
        week=data.week, scope=scope(data.branch, data.scope, lang),
        paragraph=summary_paragraph(data, lang), headline=headline_frame(data, lang),
        data=data, lang=lang, html_fragment=summary_fragment(data, lang),
        html_document=summary_document(data, lang), can_see_personal=can_see_personal,
        seconds=round(time.monotonic() - started, 1))
