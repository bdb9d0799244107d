"""A date of "today" that reaches the user is the company's (Asia/Shanghai),
not the server's: at 05:22 in Zibo on 30 November a server on UTC is still on
the 29th."""
from __future__ import annotations

import datetime as dt
import os
import time
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pandas as pd

from pipelines.settings import load_settings
from ui import sidebar, tables


def company_now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(load_settings()["company"]["timezone"]))


@contextmanager
def server_on_another_day():
    """The process's clock in a time zone whose date is not the company's now."""
    before = os.environ.get("TZ")
    # UTC-12 is a day behind Zibo until 20:00 there; UTC+14 a day ahead from 18:00.
    os.environ["TZ"] = "Etc/GMT+12" if company_now().hour < 20 else "Etc/GMT-14"
    time.tzset()
    try:
        assert dt.date.today() != company_now().date()
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_a_downloads_name_carries_the_companys_date(monkeypatch):
    names: list[str] = []
    monkeypatch.setattr(tables.st, "download_button",
                        lambda *a, **k: names.append(k["file_name"]))
    monkeypatch.setattr(tables.session, "audited_download",
                        lambda build, target, detail=None: build)
    with server_on_another_day():
        tables.download(pd.DataFrame({"a": [1]}), "zh", key="k", file_name="工单_漏件清单",
                        detail="1 rows")
        assert names == [f"工单_漏件清单_{company_now():%Y%m%d}.xlsx"]


def test_the_sidebars_today_is_the_companys():
    with server_on_another_day():
        assert sidebar.today() == company_now().date()
