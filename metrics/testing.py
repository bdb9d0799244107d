"""Tiny warehouses for tests, built row by row so every KPI can be worked out
by hand (tests/test_metrics_*.py hold the arithmetic in comments).

    con = pipelines.warehouse.connect(":memory:")
    add_households(con); add_readings(con); add_tickets(con); add_fees(con)

Every row gets a batch (file) and a source row, so drill-through shows both.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import duckdb

WEEK = ("2025-12-01", "2025-12-07")   # a Monday to Sunday inside season 2025-2026
ZD, ZC = "张店分公司", "淄川分公司"

FILES = {1: "用户档案.xlsx", 2: "测温记录.xlsx", 3: "客服工单.xlsx", 4: "收费台账.xls",
         5: "收费明细.csv"}
_KIND = {1: ("households", "households"), 2: ("temperature", "temperature_readings"),
         3: ("tickets", "tickets"), 4: ("fees", "fee_bills"), 5: ("fees", "fee_payments")}


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping]) -> None:
    """Insert dict rows; columns left out are NULL."""
    for row in rows:
        cols = list(row)
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' for _ in cols)})", [row[c] for c in cols])


def add_batch(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    kind, dataset = _KIND[batch_id]
    if con.execute("SELECT count(*) FROM batches WHERE batch_id = ?", [batch_id]).fetchone()[0]:
        return
    insert(con, "batches", [{"batch_id": batch_id, "kind": kind, "dataset": dataset,
                             "file_name": FILES[batch_id], "status": "loaded"}])


def _rows(batch_id: int, first_row: int, rows: list[dict]) -> list[dict]:
    return [{**r, "batch_id": batch_id, "source_row": first_row + i} for i, r in enumerate(rows)]


# Households h1..h8. h5 is stopped (停热); h4 is residential with a contract of
# 20 °C that does not apply (residential target is 18); h7 has no bill; h8 is
# non-residential with a contract of 20 °C.
HOUSEHOLDS = [
    dict(household_id="h1", branch=ZD, station="S1", community="C1", building="1号楼",
         zone="低区", customer_type="居民", heated_area_m2=80.0, heating_status="供热",
         name="赵一", phone="13000000001", address="C1 1号楼 101", room="101"),
    dict(household_id="h2", branch=ZD, station="S1", community="C1", building="1号楼",
         zone="高区", customer_type="非居民", heated_area_m2=100.0, contract_temp_c=16.0,
         heating_status="供热", name="钱二商店", phone="13000000002", address="C1 1号楼 1201",
         room="1201"),
    dict(household_id="h3", branch=ZD, station="S2", community="C2", building="平房1排",
         zone="低区", customer_type="平房", heated_area_m2=60.0, heating_status="供热",
         name="孙三", phone="13000000003", address="C2 平房1排 3号", room="3"),
    dict(household_id="h4", branch=ZC, station="S3", community="C3", building="3号楼",
         zone="低区", customer_type="居民", heated_area_m2=90.0, contract_temp_c=20.0,
         heating_status="供热", name="李四户主", phone="13000000004", address="C3 3号楼 301",
         room="301"),
    dict(household_id="h5", branch=ZC, station="S3", community="C3", building="3号楼",
         zone="低区", customer_type="居民", heated_area_m2=70.0, heating_status="停热",
         name="周五", phone="13000000005", address="C3 3号楼 302", room="302"),
    dict(household_id="h6", branch=ZC, station="S3", community="C3", building="4号楼",
         zone="高区", customer_type="居民", heated_area_m2=100.0, heating_status="供热",
         name="吴六", phone="13000000006", address="C3 4号楼 1501", room="1501"),
]
EXTRA_HOUSEHOLDS = [   # only in the refund warehouse
    dict(household_id="h7", branch=ZC, station="S3", community="C3", building="4号楼",
         zone="高区", customer_type="居民", heated_area_m2=75.0, heating_status="供热",
         name="郑七", phone="13000000007", address="C3 4号楼 1502", room="1502"),
    dict(household_id="h8", branch=ZC, station="S3", community="C3", building="商铺",
         zone="低区", customer_type="非居民", heated_area_m2=120.0, contract_temp_c=20.0,
         heating_status="供热", name="王八餐馆", phone="13000000008", address="C3 商铺 1",
         room="1"),
]


def add_households(con: duckdb.DuckDBPyConnection, extra: bool = False) -> None:
    add_batch(con, 1)
    insert(con, "households", _rows(1, 4, HOUSEHOLDS + (EXTRA_HOUSEHOLDS if extra else [])))


def reading(hid, at, indoor, outdoor, signed):
    return dict(household_id=hid, measured_at=ts(at), indoor_c=indoor, outdoor_c=outdoor,
                signed=signed, inspector="王海涛")


# Readings r1..r12 (source rows 5..16 of 测温记录.xlsx).
READINGS = {
    "r1": reading("h1", "2025-12-01 09:00", 17.9, 0.0, True),
    "r2": reading("h1", "2025-12-03 09:00", 18.0, -2.0, True),
    "r3": reading("h1", "2025-12-04 09:00", 16.0, -8.0, True),    # exempt
    "r4": reading("h1", "2025-12-05 09:00", 19.0, 1.0, False),    # unsigned
    "r5": reading("h2", "2025-12-02 10:00", 16.5, None, True),    # no outdoor: not exempt
    "r6": reading("h2", "2025-12-06 10:00", 16.0, -7.4, True),    # -7.4 is not below -7.4
    "r7": reading("h3", "2025-12-02 11:00", 17.0, 0.0, True),
    "r8": reading("h4", "2025-12-07 23:59", 18.5, 0.0, True),
    "r9": reading("h4", "2025-11-30 10:00", 10.0, 0.0, True),     # before the week
    "r10": reading("h4", "2025-12-08 00:00", 10.0, 0.0, True),    # at the cut-off: after
    "r11": reading("h3", "2025-12-05 10:00", 19.0, -9.0, None),   # no signature recorded
    "r12": reading("h3", "2025-12-01 09:00", 18.2, 0.0, True),
}


def add_readings(con: duckdb.DuckDBPyConnection, readings: Mapping | None = None) -> None:
    add_batch(con, 2)
    insert(con, "temperature_readings", _rows(2, 5, list((readings or READINGS).values())))


def ticket(no, category, received, station, hid, resolved=None, result=None, followup=None,
            satisfaction=None, anonymous=False, caller=None, phone=None, channel="电话"):
    return dict(ticket_no=no, category=category, received_at=ts(received), station=station,
                household_id=hid, resolved_at=ts(resolved), result=result,
                followup_at=ts(followup), satisfaction=satisfaction, anonymous=anonymous,
                caller_name=caller, phone=phone, channel=channel,
                description=f"{category} {no}")


ANONYMOUS_CALLER, ANONYMOUS_PHONE = "匿名张三", "13800001111"

# Tickets t1..t12 (source rows 5..16 of 客服工单.xlsx).
TICKETS = {
    "t1": ticket("t1", "报修", "2025-12-01 08:00", "S1", "h1", "2025-12-02 08:00", "已修",
                  "2025-12-03 09:00", "满意", caller="赵一", phone="13000000001"),
    "t2": ticket("t2", "报修", "2025-12-01 10:00", "S1", "h2", "2025-12-02 10:01", "已修",
                  "2025-12-03 10:00", None, channel="微信"),
    "t3": ticket("t3", "投诉", "2025-12-06 09:00", "S2", "h3", "2025-12-09 09:00", "已处理",
                  caller="李四", phone="13900002222"),
    "t4": ticket("t4", "投诉", "2025-11-20 09:00", "S2", "h3", caller="李四",
                  phone="13900002222"),
    "t5": ticket("t5", "咨询", "2025-12-03 14:00", "S3", None, "2025-12-03 14:00", "已解答"),
    "t6": ticket("t6", "咨询", "2025-12-07 20:00", "S3", None),
    "t7": ticket("t7", "抢修", "2025-12-04 02:00", "S1", "h1", "2025-12-04 06:00", None),
    "t8": ticket("t8", "举报", "2025-12-05 12:00", "S3", "h4", "2025-12-06 12:00", "已核实",
                  "2025-12-06 18:00", "不满意", anonymous=True, caller=ANONYMOUS_CALLER,
                  phone=ANONYMOUS_PHONE),
    "t9": ticket("t9", "投诉", "2025-11-28 12:00", "S3", "h4", "2025-12-01 12:00", "已调节",
                  "2025-12-02 09:00", "基本满意", caller="李四户主", phone="13000000004"),
    "t10": ticket("t10", "建议", "2025-12-02 09:00", None, "h6", "2025-12-04 09:00", "已记录"),
    "t11": ticket("t11", "投诉", "2025-12-07 09:00", "S9", None),
    "t12": ticket("t12", "报修", "2025-12-08 00:00", "S1", "h1"),
}


def add_tickets(con: duckdb.DuckDBPyConnection, tickets: Mapping | None = None) -> None:
    add_batch(con, 3)
    insert(con, "tickets", _rows(3, 5, list((tickets or TICKETS).values())))


def bill(hid, area, price, exemption, due, status="供热", season="2025-2026"):
    return dict(household_id=hid, season=season, heated_area_m2=area, unit_price=price,
                exemption=exemption, amount_due=due, heating_status=status)


# Bills b1..b6 (source rows 4..9 of 收费台账.xls).
BILLS = {
    "b1": bill("h1", 80.0, 23.0, 0.0, 1840.00),
    "b2": bill("h2", 100.0, 31.0, 0.0, 3100.40),          # 0.40 off: within tolerance
    "b3": bill("h3", 60.0, 23.0, 690.0, 690.00),          # exemption applied
    "b4": bill("h4", 90.0, 23.0, 500.0, 2070.00),         # exemption not applied
    "b5": bill("h5", 70.0, 23.0, 0.0, 1610.00, "停热"),    # stopped, charged in full
    "b6": bill("h1", 80.0, 22.5, 0.0, 1800.00, season="2024-2025"),
}


def payment(no, hid, at, amount, method, collector, invoice, season="2025-2026"):
    return dict(receipt_no=no, household_id=hid, season=season, paid_at=ts(at), amount=amount,
                method=method, collector=collector, invoice_no=invoice)


# Payments p1..p10 (source rows 3..12 of 收费明细.csv).
PAYMENTS = {
    "p1": payment("p1", "h1", "2025-11-01 09:00", 1840.00, "微信", "刘红", "INV1"),
    "p2": payment("p2", "h2", "2025-12-02 10:00", 1000.00, "现金", "刘红", None),
    "p3": payment("p3", "h2", "2025-12-05 14:00", 2100.39, "POS刷卡", "刘红", "INV3"),
    "p4": payment("p4", "h3", "2025-12-03 09:00", 300.00, "现金", "王丽娟", "  "),
    "p5": payment("p5", "h3", "2025-12-04 09:00", -50.00, "现金", "王丽娟", "INV5"),
    "p6": payment("p6", "h4", "2025-12-08 00:00", 2070.00, "微信", "韩雪", "INV6"),
    "p7": payment("p7", "h4", "2025-12-07 23:59", 1000.00, "微信", "韩雪", "INV7"),
    "p8": payment("p8", "h6", "2025-12-06 10:00", 500.00, "支付宝", "韩雪", "INV8"),
    "p9": payment("p9", "h1", "2025-12-02 11:00", 1000.00, "现金", "刘红", "INV9",
               season="2024-2025"),
    "p10": payment("p10", "h5", "2025-11-10 09:00", 1610.00, "微信", "韩雪", "INV10"),
}


def add_fees(con: duckdb.DuckDBPyConnection, bills: Mapping | None = None,
             payments: Mapping | None = None) -> None:
    add_batch(con, 4)
    add_batch(con, 5)
    insert(con, "fee_bills", _rows(4, 4, list((bills or BILLS).values())))
    insert(con, "fee_payments", _rows(5, 3, list((payments or PAYMENTS).values())))


def everything(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Households, readings, tickets and fees: the whole tiny warehouse."""
    add_households(con)
    add_readings(con)
    add_tickets(con)
    add_fees(con)
    return con


# The two ways a warehouse answers: models computed from their SQL files, or
# read from what metrics/stored.py keeps (a loaded warehouse). Hand-worked
# tests run both (a fixture parametrized over these).
STORAGE = ("computed", "stored")


def use_storage(con: duckdb.DuckDBPyConnection, storage: str) -> duckdb.DuckDBPyConnection:
    """After the rows are in: keep the stored models (as a load does) or not."""
    from . import stored
    if storage == "stored":
        stored.rebuild(con)
        assert stored.is_fresh(con)
    else:
        assert not stored.is_fresh(con)
    return con
