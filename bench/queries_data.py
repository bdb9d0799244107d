"""A big warehouse for bench/queries.py, generated in DuckDB SQL straight into
the warehouse tables: shaped like the demo exports (data/generate_demo.py), two
seasons, but 13x the households, 200x the readings and 100x the tickets.

Deterministic: every "random" draw is a hash of the row number and a stream
number, so two builds are identical.
"""
from __future__ import annotations

import time
from pathlib import Path

import duckdb

from metrics import stored
from pipelines.warehouse import connect

SEASONS = (("2024-2025", "2024-11-15", 121), ("2025-2026", "2025-11-15", 121))
HOUSEHOLDS = 250_000
READINGS = 10_000_000
TICKETS = 1_000_000
PER_BUILDING, BUILDINGS_PER_COMMUNITY, COMMUNITIES_PER_STATION, STATIONS_PER_BRANCH = 40, 15, 10, 11

MACROS = """
-- u(i, k): a uniform draw in [0, 1) for row i, stream k.
CREATE OR REPLACE TEMP MACRO u(i, k) AS (hash(i * 16 + k) % 1000000007) / 1000000007.0;
-- z(i, k): roughly standard normal (sum of four uniforms).
CREATE OR REPLACE TEMP MACRO z(i, k) AS
    (u(i, k) + u(i, k + 1) + u(i, k + 2) + u(i, k + 3) - 2.0) * 1.7320508;
"""

BRANCHES = ["张店分公司", "淄川分公司", "周村分公司", "临淄分公司", "博山分公司", "桓台分公司"]

HOUSEHOLDS_SQL = """
CREATE OR REPLACE TEMP TABLE hh AS
WITH g AS (
    SELECT i,
           i // $per_building AS bldg,
           i // $per_building // $bpc AS comm,
           i // $per_building // $bpc // $cps AS st,
           i // $per_building // $bpc // $cps // $spb AS br,
           i % $per_building AS pos
    FROM range($n) t(i)
)
SELECT i, st,
    printf('%02d%09d', br + 1, i) AS household_id,
    $branches[br + 1] AS branch,
    '站' || printf('%03d', st) || '换热站' AS station,
    '小区' || printf('%04d', comm) AS community,
    printf('%d号楼', bldg % $bpc + 1) AS building,
    CAST(pos // 8 + 1 AS VARCHAR) AS unit,
    CAST(pos % 8 + 1 AS VARCHAR) AS floor,
    CAST((pos % 8 + 1) * 100 + pos // 8 + 1 AS VARCHAR) AS room,
    CASE WHEN pos % 8 >= 4 THEN '高区' ELSE '低区' END AS zone,
    CASE WHEN u(i, 1) < 0.028 THEN '非居民' WHEN u(i, 1) < 0.036 THEN '平房' ELSE '居民' END
        AS customer_type,
    round(62 + 50 * u(i, 2), 2) AS heated_area_m2,
    CASE WHEN u(i, 1) < 0.028 THEN (CASE WHEN u(i, 3) < 0.3 THEN 16.0 ELSE 18.0 END)
         WHEN u(i, 1) < 0.036 AND u(i, 3) < 0.4 THEN 16.0 END AS contract_temp_c,
    CASE WHEN u(i, 4) < 0.03 THEN '停热' ELSE '供热' END AS heating_status,
    '户主' || CAST(i AS VARCHAR) AS name,
    '13' || printf('%09d', hash(i) % 1000000000) AS phone,
    '淄博市' || '小区' || printf('%04d', comm) || printf('%d号楼', bldg % $bpc + 1) AS address,
    u(i, 5) < 0.08 AS cold,
    z(i, 6) * 0.8 AS offset_c,
    1 AS batch_id,
    CAST(i + 4 AS INTEGER) AS source_row
FROM g
"""

READINGS_SQL = """
INSERT INTO temperature_readings
WITH g AS (
    SELECT i, i // $per_season AS s, i % $per_season AS j
    FROM range($n) t(i)
),
timed AS (
    SELECT i, s,
        CAST($starts[s + 1] AS TIMESTAMP)
            + to_days(CAST(j * $days // $per_season AS INTEGER))
            + to_minutes(CAST(510 + (j * $days % $per_season) * 540 // $per_season AS INTEGER))
            AS measured_at,
        CAST(j * $days // $per_season AS INTEGER) AS d,
        CAST(hash(i * 16 + 7) % $households AS BIGINT) AS h
    FROM g
)
SELECT
    hh.household_id,
    t.measured_at,
    round(greatest(least(20.7 + hh.offset_c - CASE WHEN hh.cold THEN 3.4 ELSE 0 END
                         - CASE WHEN hh.contract_temp_c = 16 THEN 1.5 ELSE 0 END
                         + 0.45 * z(t.i, 8), 26.5), 11.0), 1) AS indoor_c,
    round(5.0 - 9.0 * exp(-pow((t.d - 61) / 40.0, 2))
          - CASE WHEN t.d BETWEEN 58 AND 61 THEN 6.0 ELSE 0 END + 1.5 * z(t.i, 12), 1)
        AS outdoor_c,
    u(t.i, 13) >= 0.05 AS signed,
    '测温员' || CAST(hh.st % 97 AS VARCHAR) AS inspector,
    NULL AS note,
    2 + t.s AS batch_id,
    CAST(t.i % $per_season + 4 AS INTEGER) AS source_row,
    hash(t.i) AS row_hash
FROM timed t
JOIN hh ON hh.i = t.h
ORDER BY t.i
"""

TICKETS_SQL = """
INSERT INTO tickets
WITH g AS (
    SELECT i, i // $per_season AS s, i % $per_season AS j
    FROM range($n) t(i)
),
drawn AS (
    SELECT i, s, j,
        CAST($starts[s + 1] AS TIMESTAMP) - INTERVAL 20 DAY
            + to_seconds(CAST(j * ($days + 20) * 86400 // $per_season AS BIGINT)) AS received_at,
        CASE WHEN u(i, 1) < 0.28 THEN '咨询' WHEN u(i, 1) < 0.64 THEN '报修'
             WHEN u(i, 1) < 0.69 THEN '抢修' WHEN u(i, 1) < 0.89 THEN '投诉'
             WHEN u(i, 1) < 0.92 THEN '举报' ELSE '建议' END AS category,
        CAST(hash(i * 16 + 2) % $households AS BIGINT) AS h
    FROM g
),
timed AS (
    SELECT d.*,
        CASE category WHEN '咨询' THEN 0.0 WHEN '抢修' THEN 4.0 * exp(0.5 * z(i, 3))
             WHEN '投诉' THEN 18.0 * exp(0.7 * z(i, 3)) WHEN '举报' THEN 18.0 * exp(0.7 * z(i, 3))
             WHEN '建议' THEN 30.0 * exp(0.6 * z(i, 3)) ELSE 8.0 * exp(0.8 * z(i, 3)) END
            AS hours,
        category <> '咨询' AND u(i, 7) < 0.015 AS never,
        category IN ('投诉', '举报') AND u(i, 8) < 0.10 AS anon
    FROM drawn d
)
SELECT
    printf('GD%d%08d', 2024 + t.s, t.j) AS ticket_no,
    t.received_at,
    t.category,
    CASE WHEN u(t.i, 9) < 0.5 THEN '电话' WHEN u(t.i, 9) < 0.7 THEN '微信'
         WHEN u(t.i, 9) < 0.75 THEN '网站' WHEN u(t.i, 9) < 0.82 THEN '来访' ELSE '12345热线' END
        AS channel,
    CASE WHEN t.category IN ('咨询', '建议') AND u(t.i, 10) < 0.05 THEN NULL
         ELSE hh.household_id END AS household_id,
    CASE WHEN t.anon AND u(t.i, 11) < 0.3 THEN NULL ELSE hh.name END AS caller_name,
    CASE WHEN t.anon AND u(t.i, 11) < 0.3 THEN NULL ELSE hh.phone END AS phone,
    t.anon AS anonymous,
    t.category || '：' || hh.community AS description,
    hh.station,
    CASE WHEN t.category <> '咨询' THEN t.received_at + INTERVAL 15 MINUTE END AS dispatched_at,
    CASE WHEN t.category IN ('报修', '抢修') AND NOT t.never
         THEN t.received_at + to_seconds(CAST(t.hours * 1800 AS BIGINT)) END AS arrived_at,
    CASE WHEN NOT t.never THEN t.received_at + to_seconds(CAST(t.hours * 3600 AS BIGINT)) END
        AS resolved_at,
    CASE WHEN NOT t.never AND u(t.i, 12) >= 0.003 THEN '已处理' END AS result,
    CASE WHEN NOT t.never AND t.category NOT IN ('咨询', '建议') AND u(t.i, 13) < 0.85
         THEN t.received_at + to_seconds(CAST((t.hours + 20) * 3600 AS BIGINT)) END
        AS followup_at,
    CASE WHEN NOT t.never AND t.category NOT IN ('咨询', '建议') AND u(t.i, 13) < 0.80
         THEN (CASE WHEN u(t.i, 14) < 0.7 THEN '满意' WHEN u(t.i, 14) < 0.92 THEN '基本满意'
                    ELSE '不满意' END) END AS satisfaction,
    4 + t.s AS batch_id,
    CAST(t.j + 4 AS INTEGER) AS source_row,
    hash(t.i) AS row_hash
FROM timed t
JOIN hh ON hh.i = t.h
ORDER BY t.i
"""

BILLS_SQL = """
INSERT INTO fee_bills
WITH b AS (
    SELECT hh.*, s.season, s.k,
        CASE customer_type WHEN '非居民' THEN 31.0 ELSE 23.0 END AS price,
        customer_type = '居民' AND u(i, 20) < 0.10 AS dibao
    FROM hh, (SELECT unnest($seasons) AS season, unnest([0, 1]) AS k) s
)
SELECT household_id, season, heated_area_m2, price,
    CASE WHEN dibao AND heating_status = '供热' THEN round(least(heated_area_m2, 60) * price * 0.5, 2)
         ELSE 0 END AS exemption,
    round(heated_area_m2 * price * CASE WHEN heating_status = '停热' THEN 0.2 ELSE 1 END
          - CASE WHEN dibao AND heating_status = '供热'
                 THEN round(least(heated_area_m2, 60) * price * 0.5, 2) ELSE 0 END, 2)
        AS amount_due,
    heating_status,
    6 AS batch_id,
    CAST(k * $households + i + 4 AS INTEGER) AS source_row,
    hash(i, k) AS row_hash
FROM b
ORDER BY k, i
"""

PAYMENTS_SQL = """
INSERT INTO fee_payments
WITH b AS (
    SELECT fb.household_id, fb.season, fb.amount_due, fb.source_row AS r,
        CAST(left(fb.season, 4) AS INTEGER) - 2024 AS k
    FROM fee_bills fb
),
plan AS (
    SELECT *,
        u(r, 1) AS pay,
        u(r, 1) < 0.92 AND u(r, 2) < 0.12 AS split,
        CAST($starts[k + 1] AS TIMESTAMP)
            + to_days(CAST(CASE WHEN u(r, 3) < 0.64 THEN -1 - 74 * u(r, 4) ELSE 118 * u(r, 4) * u(r, 5) END
                           AS INTEGER))
            + to_minutes(CAST(480 + 540 * u(r, 6) AS INTEGER)) AS first_at
    FROM b
),
pays AS (
    SELECT household_id, season, r, k, first_at AS paid_at,
        CASE WHEN split THEN round(amount_due / 2, 2)
             WHEN pay < 0.92 THEN amount_due
             ELSE round(amount_due * (0.3 + 0.4 * u(r, 7)), 2) END AS amount, 0 AS part
    FROM plan WHERE pay < 0.96
    UNION ALL
    SELECT household_id, season, r, k, first_at + to_days(CAST(15 + 60 * u(r, 8) AS INTEGER)),
        amount_due - round(amount_due / 2, 2), 1
    FROM plan WHERE split
)
SELECT
    printf('SF%d%09d%d', 2024 + k, r, part) AS receipt_no,
    household_id, season, paid_at, amount,
    CASE WHEN u(r, 9 + part) < 0.16 THEN '现金' WHEN u(r, 9 + part) < 0.48 THEN '微信'
         WHEN u(r, 9 + part) < 0.66 THEN '支付宝' WHEN u(r, 9 + part) < 0.80 THEN '银行转账'
         ELSE 'POS刷卡' END AS method,
    '收费员' || CAST(hash(household_id) % 60 AS VARCHAR) AS collector,
    CASE WHEN u(r, 11 + part) >= 0.012 THEN printf('%08d', r * 2 + part) END AS invoice_no,
    7 + k AS batch_id,
    CAST(row_number() OVER (ORDER BY paid_at, r, part) + 3 AS INTEGER) AS source_row,
    hash(r, part) AS row_hash
FROM pays
ORDER BY paid_at
"""

BATCHES = [(1, "households", "households", "用户档案.xlsx"),
           (2, "temperature", "temperature_readings", "测温记录_2024-2025.xlsx"),
           (3, "temperature", "temperature_readings", "测温记录_2025-2026.xlsx"),
           (4, "tickets", "tickets", "客服工单_2024-2025.xlsx"),
           (5, "tickets", "tickets", "客服工单_2025-2026.xlsx"),
           (6, "fees", "fee_bills", "收费台账.xls"),
           (7, "fees", "fee_payments", "收费明细_2024-2025.xlsx"),
           (8, "fees", "fee_payments", "收费明细_2025-2026.csv")]


def build(path: Path, households: int = HOUSEHOLDS, readings: int = READINGS,
          tickets: int = TICKETS, log=print) -> None:
    """Create the warehouse file at `path` (replacing it)."""
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    con = connect(path)
    try:
        con.execute(MACROS)
        starts = [s[1] for s in SEASONS]
        common = {"starts": starts, "days": SEASONS[0][2], "households": households}
        steps = [
            ("households", HOUSEHOLDS_SQL, {
                "n": households, "per_building": PER_BUILDING, "bpc": BUILDINGS_PER_COMMUNITY,
                "cps": COMMUNITIES_PER_STATION, "spb": STATIONS_PER_BRANCH,
                "branches": BRANCHES}),
            ("readings", READINGS_SQL, {**common, "n": readings,
                                        "per_season": readings // len(SEASONS)}),
            ("tickets", TICKETS_SQL, {**common, "n": tickets,
                                      "per_season": tickets // len(SEASONS)}),
            ("bills", BILLS_SQL, {"seasons": [s[0] for s in SEASONS],
                                  "households": households}),
            ("payments", PAYMENTS_SQL, {"starts": starts}),
        ]
        for name, sql, params in steps:
            started = time.perf_counter()
            used = {k: v for k, v in params.items() if f"${k}" in sql}
            con.execute(sql, used)
            if name == "households":
                con.execute("INSERT INTO households SELECT household_id, branch, station, "
                            "community, building, unit, floor, room, zone, customer_type, "
                            "heated_area_m2, contract_temp_c, heating_status, name, phone, "
                            "address, batch_id, source_row, hash(household_id) FROM hh")
            log(f"  {name:<10} {time.perf_counter() - started:6.1f} s")
        con.executemany("INSERT INTO batches (batch_id, kind, dataset, file_name, status) "
                        "VALUES (?, ?, ?, ?, 'loaded')", BATCHES)
        # What the loader keeps beside the readings and tickets (metrics/stored.py).
        started = time.perf_counter()
        stored.rebuild(con)
        log(f"  {'stored':<10} {time.perf_counter() - started:6.1f} s")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("households", "temperature_readings", "tickets", "fee_bills",
                      "fee_payments")}
