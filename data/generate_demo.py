"""Generate the demo exports of a Zibo heating company for two seasons.

Makes a household roster, temperature inspections, hotline tickets, fee bills and
payments for 2024-2025 and 2025-2026, written the way the Chinese source systems
export them (title rows, merged headers, 合计 rows, serial or text dates, a GBK
CSV), with about thirty deliberately bad rows listed in ``sample_expected.json``
beside the sample folder. Output is byte-identical on every run::

    python data/generate_demo.py [--out data/sample] [--expected data/sample_expected.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
import xlwt

SEED = 20251115
COMPANY = "淄博开创热力有限公司"
OPERATOR = "admin"
SEASONS = {
    "2024-2025": (pd.Timestamp(2024, 11, 15), pd.Timestamp(2025, 3, 15)),
    "2025-2026": (pd.Timestamp(2025, 11, 15), pd.Timestamp(2026, 3, 15)),
}
# Each season's exports were pulled the morning after it ended; the roster and
# the fee ledger are current exports.
EXPORTED_AT = {
    "2024-2025": datetime(2025, 3, 16, 9, 0),
    "2025-2026": datetime(2026, 3, 16, 9, 0),
}
CURRENT = "2025-2026"
DESIGN_OUTDOOR_C = -7.4
STOPPED_SHARE = 0.20
PRICE = {"居民": 23.0, "平房": 23.0, "非居民": 31.0}
EXCEL_EPOCH = pd.Timestamp(1899, 12, 30)

STATIONS = {  # station -> (branch, district, communities)
    "华光路换热站": ("张店分公司", "张店区", ["华光小区", "丰泽园小区", "金城花园", "华光路北小区"]),
    "共青团路换热站": ("张店分公司", "张店区", ["共青团路小区", "和平小区", "体育场小区", "世纪花园"]),
    "柳泉路换热站": ("张店分公司", "张店区", ["柳泉花园", "鲁泰花园", "嘉和园", "凯瑞花园"]),
    "人民路换热站": ("张店分公司", "张店区", ["人民西路小区", "新村花苑", "银座花园", "齐悦国际"]),
    "金晶大道换热站": ("张店分公司", "张店区", ["金晶小区", "阳光花园", "兰雁小区", "明珠花园"]),
    "松龄路换热站": ("淄川分公司", "淄川区", ["松龄小区", "般阳花园", "鑫城花园", "杏园小区"]),
    "般阳路换热站": ("淄川分公司", "淄川区", ["西关小区", "昆仑小区", "洪山小区"]),
    "淄城路换热站": ("淄川分公司", "淄川区", ["将军路小区", "张博路小区", "东坪小区"]),
}
BUNGALOW_COMMUNITIES = {"西关小区", "东坪小区"}
INSPECTORS = {  # two inspectors per station
    "华光路换热站": ["王海涛", "李娜"], "共青团路换热站": ["张磊", "刘洋"],
    "柳泉路换热站": ["孙强", "赵丽"], "人民路换热站": ["徐军", "陈静"],
    "金晶大道换热站": ["高勇", "马艳"], "松龄路换热站": ["于杰", "董娟"],
    "般阳路换热站": ["吕涛", "孟霞"], "淄城路换热站": ["宋刚", "韩敏"],
}
COLLECTORS = {  # one cashier per station's service hall
    "华光路换热站": "刘红", "共青团路换热站": "王丽娟", "柳泉路换热站": "张秀梅",
    "人民路换热站": "李建华", "金晶大道换热站": "赵敏", "松龄路换热站": "孙丽",
    "般阳路换热站": "周海燕", "淄城路换热站": "韩雪",
}

SURNAMES = list("王张李刘孙杨赵徐陈高马于董吕孟宋韩郭曹任田魏袁冯周吴郑朱胡林何罗梁谢唐许邓彭石程姜崔丁薛贾范邵侯毕翟鞠")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "霞", "平", "刚", "秀英", "桂英", "建国", "建华", "玉兰", "国庆", "红梅", "海燕",
         "志强", "永刚", "丽华", "淑珍", "凤英", "桂兰", "玉梅", "德胜", "春生", "立新", "文静", "晓东",
         "俊峰", "晓燕", "雪梅", "振华", "卫东", "秀兰", "金凤", "宝山", "树林", "家兴"]
SHOPS = ["便利店", "超市", "药店", "面馆", "理发店", "诊所", "五金店", "干洗店", "烟酒店", "水果店"]
FIRMS = ["恒信", "鲁中", "齐盛", "华通", "金鼎", "泰和", "瑞丰", "宏达"]
MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "152", "158", "159",
                   "186", "187", "188", "133", "153", "189", "180", "130", "131", "132", "155", "156"]

CATEGORIES = ["咨询", "报修", "抢修", "投诉", "举报", "建议"]
CATEGORY_P = [0.28, 0.36, 0.05, 0.20, 0.03, 0.08]
CHANNELS = ["电话", "微信", "网站", "来访", "12345热线"]
CONTENT = {
    "咨询": ["咨询供暖开始时间", "咨询热费缴纳方式", "咨询停热办理流程", "咨询低保减免政策", "咨询发票开具", "咨询热费标准"],
    "报修": ["暖气不热,室温偏低", "暖气片漏水", "进户阀门关不严", "暖气片上热下凉", "家中暖气有异响", "分户阀门损坏", "暖气片需要放气", "卧室暖气不热"],
    "抢修": ["楼道管道爆裂跑水", "单元内供热管道漏水严重", "地下室管道破裂", "井室管道漏水", "户内暖气片爆裂跑水"],
    "投诉": ["室温不达标,多次反映未解决", "维修人员未按约定时间上门", "对热费收取有异议", "室温仅15度,要求退费", "服务人员态度不好", "供热不稳定,忽冷忽热"],
    "举报": ["有人私接暖气管道", "邻居私自加装暖气片", "有人私自放水", "商户未交费私自用热"],
    "建议": ["建议延长供暖期", "建议增加线上缴费渠道", "建议提前通知停热检修", "建议公布维修人员电话"],
}
RESULT = {
    "咨询": ["已解答", "已告知缴费方式", "已告知办理流程", "已解释收费标准"],
    "报修": ["已上门放气,暖气恢复正常", "已更换阀门", "已处理漏水点", "已调节阀门,室温恢复", "已清洗过滤器,用户确认正常", "已上门检查,系统正常运行"],
    "抢修": ["已关闭阀门抢修完毕,恢复供热", "已更换破损管段", "已焊接漏点,恢复供热", "已抢修完毕"],
    "投诉": ["已上门测温并调节管网,室温达到18度以上", "已向用户解释并致歉", "已核实热费,向用户说明收费依据", "已协调维修人员上门处理完毕", "已调整二次网平衡,室温恢复正常"],
    "举报": ["已现场核实并处理", "经核实情况属实,已依规处理", "经核实未发现违规用热"],
    "建议": ["已记录并反馈相关部门", "感谢建议,已转交公司研究"],
}
METHODS = ["现金", "微信", "支付宝", "银行转账", "POS刷卡"]
METHOD_P = [0.16, 0.32, 0.18, 0.14, 0.20]

HOUSEHOLD_COLUMNS = ["户号", "分公司", "供热站", "小区", "楼号", "单元", "楼层", "房号", "高低区", "用户类型",
                     "供热面积(㎡)", "合同温度", "供热状态", "户主姓名", "联系电话", "用户地址"]
TEMPERATURE_COLUMNS = {"户号": "household_id", "小区": "community", "楼号": "building", "房号": "room",
                       "测温时间": "measured_at", "室内温度(℃)": "indoor_c", "室外温度(℃)": "outdoor_c",
                       "用户签字": "signed", "测温人": "inspector", "备注": "note"}
TICKET_COLUMNS = {"工单编号": "ticket_no", "受理时间": "received_at", "工单类型": "category",
                  "受理渠道": "channel", "户号": "household_id", "来电人": "caller_name", "联系电话": "phone",
                  "是否匿名": "anonymous", "反映内容": "description", "责任单位": "station",
                  "派单时间": "dispatched_at", "到场时间": "arrived_at", "办结时间": "resolved_at",
                  "处理结果": "result", "回访时间": "followup_at", "回访满意度": "satisfaction"}
BILL_COLUMNS = {"户号": "household_id", "供暖季": "season", "收费面积": "heated_area_m2",
                "单价(元/㎡)": "unit_price", "减免金额": "exemption", "应收金额": "amount_due",
                "供热状态": "heating_status"}
PAYMENT_COLUMNS = {"收据号": "receipt_no", "户号": "household_id", "供暖季": "season",
                   "缴费日期": "paid_at", "实收金额": "amount", "缴费方式": "method",
                   "收费员": "collector", "发票号": "invoice_no"}


def child_rng(*key: int) -> np.random.Generator:
    """An independent stream per part, so changing one part leaves the others as they were."""
    return np.random.default_rng([SEED, *key])


def cells(values: pd.Series) -> list:
    """Plain Python values for the writers; missing values become None (an empty cell)."""
    obj = values.astype(object)
    return obj.where(values.notna(), None).tolist()


def person_names(rng: np.random.Generator, n: int) -> pd.Series:
    surname = rng.choice(SURNAMES, n)
    given = rng.choice(GIVEN, n)
    return pd.Series(np.char.add(surname, given), dtype=object)


def mobiles(rng: np.random.Generator, n: int) -> pd.Series:
    prefix = rng.choice(MOBILE_PREFIXES, n)
    rest = np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)
    return pd.Series(np.char.add(prefix, rest), dtype=object)


def pick_text(cat: np.ndarray, table: dict, rng: np.random.Generator) -> pd.Series:
    """One phrase per ticket from its category's list."""
    out = np.full(cat.size, None, dtype=object)
    for c, options in table.items():
        mask = cat == c
        out[mask] = rng.choice(options, int(mask.sum()))
    return pd.Series(out, dtype=object)


def text_time(ts: pd.Series) -> pd.Series:
    """'2025/11/16 8:05': the hotline system drops leading zeros except on minutes."""
    out = pd.Series(None, index=ts.index, dtype=object)
    ok = ts.notna()
    t = ts[ok]
    out[ok] = (t.dt.year.astype(str) + "/" + t.dt.month.astype(str) + "/" + t.dt.day.astype(str) + " "
               + t.dt.hour.astype(str) + ":" + t.dt.minute.astype(str).str.zfill(2))
    return out


def one_text_time(ts: pd.Timestamp) -> str:
    return f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}"


def money_text(amount: np.ndarray, grouped: np.ndarray) -> pd.Series:
    """Cashiers' software writes '1,234.50' for some receipts and '1234.50' for others."""
    plain = pd.Series(amount).map("{:.2f}".format)
    commas = pd.Series(amount).map("{:,.2f}".format)
    return pd.Series(np.where(grouped, commas, plain), dtype=object)


# --------------------------------------------------------------------------- roster

def make_households() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster (one row per household) and its buildings."""
    rng = child_rng(1)
    comm_rows = []
    for station, (branch, district, communities) in STATIONS.items():
        for name in communities:
            comm_rows.append((branch, district, station, name))
    comms = pd.DataFrame(comm_rows, columns=["branch", "district", "station", "community"])
    comms["branch_code"] = np.where(comms["branch"] == "张店分公司", 1, 2)
    comms["comm_code"] = comms.groupby("branch").cumcount() + 1

    n_bldg = rng.integers(10, 18, len(comms))
    b = comms.loc[comms.index.repeat(n_bldg)].reset_index(drop=True)
    b["bldg_no"] = b.groupby("community").cumcount() + 1
    nb = len(b)
    kind = rng.choice(3, nb, p=[0.6, 0.3, 0.1])  # walk-up, mid-rise, high-rise
    floors = np.select([kind == 0, kind == 1],
                       [rng.choice([5, 6, 6, 6, 7], nb), rng.choice([11, 12, 15, 18], nb)],
                       rng.choice([24, 26, 28, 32, 33], nb))
    units = np.select([kind == 0, kind == 1],
                      [rng.integers(2, 5, nb), rng.integers(1, 3, nb)], rng.integers(1, 3, nb))
    per_floor = np.select([kind == 0, kind == 1],
                          [np.full(nb, 2), rng.integers(2, 4, nb)], rng.integers(2, 4, nb))
    b["floors"], b["units"], b["per_floor"] = floors, units, per_floor
    b["base_area"] = np.select([kind == 0, kind == 1], [rng.uniform(62, 92, nb), rng.uniform(80, 118, nb)],
                               rng.uniform(88, 128, nb))
    b["building"] = b["bldg_no"].astype(str) + "号楼"
    b["bungalow"] = False
    b["shops"] = (rng.random(nb) < 0.25) & (kind == 0)
    b["offices"] = False
    b.loc[rng.choice(np.flatnonzero(kind == 1), 3, replace=False), "offices"] = True
    b["cold"] = rng.random(nb) < 0.08

    # Bungalow rows (平房排) sit at the back of two old Zichuan communities.
    bung = comms[comms["community"].isin(BUNGALOW_COMMUNITIES)]
    bung = bung.loc[bung.index.repeat(6)].reset_index(drop=True)
    bung["bldg_no"] = 80 + bung.groupby("community").cumcount() + 1
    bung["building"] = "平房" + (bung["bldg_no"] - 80).astype(str) + "排"
    nbu = len(bung)
    bung["floors"], bung["units"] = 1, 1
    bung["per_floor"] = rng.integers(10, 17, nbu)
    bung["base_area"] = rng.uniform(48, 72, nbu)
    bung["bungalow"], bung["shops"], bung["offices"] = True, False, False
    bung["cold"] = rng.random(nbu) < 0.3
    buildings = pd.concat([b, bung], ignore_index=True)
    buildings["b_off"] = rng.normal(0, 0.5, len(buildings))

    size = (buildings["floors"] * buildings["units"] * buildings["per_floor"]).to_numpy()
    bi = np.repeat(np.arange(len(buildings)), size)
    pos = np.arange(bi.size) - np.repeat(np.cumsum(size) - size, size)
    h = buildings.iloc[bi].reset_index(drop=True)
    h["bi"] = bi
    per_unit = (h["floors"] * h["per_floor"]).to_numpy()
    h["unit"] = pos // per_unit + 1
    rem = pos % per_unit
    h["floor"] = rem // h["per_floor"].to_numpy() + 1
    h["k"] = rem % h["per_floor"].to_numpy() + 1
    n = len(h)

    h["household_id"] = (h["branch_code"].astype(str).str.zfill(2) + h["comm_code"].astype(str).str.zfill(2)
                         + h["bldg_no"].astype(str).str.zfill(2) + h["unit"].astype(str)
                         + h["floor"].astype(str).str.zfill(2) + h["k"].astype(str).str.zfill(2))
    h["room"] = np.where(h["bungalow"], h["k"].astype(str), (h["floor"] * 100 + h["k"]).astype(str))
    h["zone"] = np.where((h["floors"] >= 11) & (h["floor"] > h["floors"] // 2), "高区", "低区")

    ctype = np.full(n, "居民", dtype=object)
    ctype[(h["shops"] & (h["floor"] == 1)).to_numpy()] = "非居民"
    ctype[h["offices"].to_numpy()] = "非居民"
    ctype[h["bungalow"].to_numpy()] = "平房"
    h["customer_type"] = ctype
    contract = np.full(n, np.nan)
    nonres = ctype == "非居民"
    contract[nonres] = rng.choice([16.0, 18.0], n, p=[0.3, 0.7])[nonres]
    bung_mask = ctype == "平房"
    contract[bung_mask] = rng.choice([16.0, 18.0, np.nan], n, p=[0.4, 0.4, 0.2])[bung_mask]
    h["contract_temp_c"] = contract

    # Flats stacked above each other share a floor plan, hence one area per (building, position).
    layout = rng.uniform(-1, 1, (len(buildings), 17))[bi, h["k"].to_numpy() - 1]
    area = h["base_area"].to_numpy() * (1 + 0.22 * layout)
    area = np.where(nonres, rng.uniform(70, 320, n), area)
    h["heated_area_m2"] = np.round(area, 2)
    h["heating_status"] = np.where(rng.random(n) < 0.03, "停热", "供热")

    persons = person_names(rng, n)
    shop = pd.Series(np.char.add(np.char.add(rng.choice(SURNAMES, n), "记"), rng.choice(SHOPS, n)), dtype=object)
    firm = pd.Series(np.char.add(np.char.add("淄博", rng.choice(FIRMS, n)), "商贸有限公司"), dtype=object)
    h["name"] = np.where(h["offices"], firm, np.where(nonres, shop, persons))
    h["phone"] = mobiles(rng, n)
    place = "淄博市" + h["district"] + h["community"] + h["building"]
    h["address"] = np.where(h["bungalow"], place + h["room"] + "号",
                            place + h["unit"].astype(str) + "单元" + h["room"])

    top = h["floor"] == h["floors"]
    end_flat = ((h["unit"] == 1) | (h["unit"] == h["units"])) & ((h["k"] == 1) | (h["k"] == h["per_floor"]))
    high_top = (h["zone"] == "高区") & (h["floor"] >= 0.8 * h["floors"])
    h["cold_hh"] = h["cold"] & (top | high_top | (end_flat & (rng.random(n) < 0.6)) | h["bungalow"])
    h["hh_off"] = rng.normal(0, 0.8, n)
    h = h.sort_values("household_id", kind="stable").reset_index(drop=True)
    return h, buildings


def households_export(h: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "户号": h["household_id"], "分公司": h["branch"], "供热站": h["station"], "小区": h["community"],
        "楼号": h["building"], "单元": h["unit"], "楼层": h["floor"], "房号": h["room"], "高低区": h["zone"],
        "用户类型": h["customer_type"], "供热面积(㎡)": h["heated_area_m2"], "合同温度": h["contract_temp_c"],
        "供热状态": h["heating_status"], "户主姓名": h["name"], "联系电话": h["phone"], "用户地址": h["address"],
    })


# --------------------------------------------------------------------------- weather

def make_weather(season: str) -> pd.Series:
    """Daily mean outdoor temperature for a Zibo winter, indexed by date."""
    rng = child_rng(2, int(season[:4]))
    start, end = SEASONS[season]
    days = pd.date_range(start - pd.Timedelta(days=40), end + pd.Timedelta(days=1), freq="D")
    d = (days - pd.Timestamp(start.year + 1, 1, 15)).days.to_numpy()
    seasonal = 7.0 - 9.0 * np.exp(-(d / 46.0) ** 2)
    white = rng.normal(0, 1, days.size + 11)
    smooth = np.convolve(white, 0.75 ** np.arange(12), mode="valid")
    smooth = smooth / smooth.std() * 2.0
    spells = np.zeros(days.size)
    # Three cold waves a winter; the January one pushes days below the design temperature.
    for centre, depth in ((-24 + rng.integers(-3, 4), 5.0), (rng.integers(-4, 6), 9.0),
                          (24 + rng.integers(-3, 4), 5.5)):
        spells -= depth * np.exp(-((d - centre) / 2.3) ** 2)
    return pd.Series(np.round(seasonal + smooth + spells, 1), index=days)


# --------------------------------------------------------------------------- planting

@dataclass
class Planter:
    """Plants faulty rows into an export frame and remembers where they ended up."""

    df: pd.DataFrame
    rng: np.random.Generator
    canon: dict
    extras: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.df = self.df.astype(object).reset_index(drop=True)
        self.df["_order"] = np.arange(len(self.df), dtype=float)
        self.df["_code"] = None
        self.df["_col"] = None
        self.df["_used"] = False
        self.df["_warn"] = None
        self.warned: list[dict] = []

    def pick(self, mask: pd.Series | None = None) -> int:
        ok = ~self.df["_used"].astype(bool)
        if mask is not None:
            ok &= mask.reindex(self.df.index, fill_value=False).astype(bool)
        idx = int(self.rng.choice(np.flatnonzero(ok.to_numpy())))
        self.df.at[idx, "_used"] = True
        return idx

    def set(self, header: str, value, code: str, mask: pd.Series | None = None, idx: int | None = None) -> int:
        idx = self.pick(mask) if idx is None else idx
        self.df.at[idx, header] = value
        self.df.at[idx, "_code"] = code
        self.df.at[idx, "_col"] = self.canon[header]
        return idx

    def warn(self, header: str, value, code: str, mask: pd.Series | None = None) -> int:
        """A cell the loader keeps its row for, with that field empty and a
        load warning (`code`): the row loads, the planted cell does not."""
        idx = self.pick(mask)
        self.df.at[idx, header] = value
        self.df.at[idx, "_warn"] = f"{self.canon[header]}|{code}"
        return idx

    def duplicate(self, key: str, changes: dict, mask: pd.Series | None = None) -> int:
        """Insert an earlier copy of a row: the later (original) row wins, the copy is the reject."""
        idx = self.pick(mask)
        row = self.df.loc[idx].copy()
        for header, value in changes.items():
            row[header] = value
        row["_order"] = self.df.at[idx, "_order"] - 0.5
        row["_code"], row["_col"], row["_used"] = "duplicate", self.canon[key], True
        self.extras.append(row)
        return idx

    def extra(self, values: dict, code: str, header: str, after: int) -> None:
        row = pd.Series({c: None for c in self.df.columns}, dtype=object)
        for k, v in values.items():
            row[k] = v
        row["_order"] = self.df.at[after, "_order"] + 0.5
        row["_code"], row["_col"], row["_used"] = code, self.canon[header], True
        self.extras.append(row)

    def finish(self, file: str, sheet: str, first_row: int) -> tuple[pd.DataFrame, list[dict]]:
        out = pd.concat([self.df, pd.DataFrame(self.extras)], ignore_index=True) if self.extras else self.df
        out = out.sort_values("_order", kind="stable").reset_index(drop=True)
        bad = out.index[out["_code"].notna()]
        rejects = [{"file": file, "sheet": sheet, "row": int(first_row + i),
                    "column": out.at[i, "_col"], "code": out.at[i, "_code"]} for i in bad]
        self.warned = [{"file": file, "sheet": sheet, "row": int(first_row + i),
                        **dict(zip(("column", "code"), out.at[i, "_warn"].split("|")))}
                       for i in out.index[out["_warn"].notna()]]
        return out, rejects


def loaded(df: pd.DataFrame) -> pd.DataFrame:
    """The rows a correct loader keeps."""
    return df[df["_code"].isna()]


# --------------------------------------------------------------------------- temperature

def make_readings(h: pd.DataFrame, season: str, weather: pd.Series,
                  stopped: np.ndarray) -> pd.DataFrame:
    """`stopped`: per household, stopped (停热) that season (its bill's status):
    no one measures a room that is not heated."""
    rng = child_rng(3, int(season[:4]))
    start, end = SEASONS[season]
    n = len(h)
    point = rng.random(n) < 0.08  # designated measurement points are visited regularly
    lam = np.where(point, 5.0, 0.9) + np.where(h["cold_hh"], 1.5, 0.0)
    lam = np.where(stopped, 0.0, lam)
    lam *= 25_000 / lam.sum()
    hi = np.repeat(np.arange(n), rng.poisson(lam))
    m = hi.size

    days = pd.date_range(start, end, freq="D")
    w = np.where(days.day_of_week < 5, 1.0, 0.35) * (1 + 0.6 * np.exp(-np.arange(days.size) / 10))
    day = days[rng.choice(days.size, m, p=w / w.sum())]
    minute = rng.integers(8 * 60 + 30, 17 * 60 + 31, m)
    ts = pd.Series(day + pd.to_timedelta(minute, unit="min"))
    r = pd.DataFrame({"hi": hi, "ts": ts}).drop_duplicates(["hi", "ts"]).sort_values(["ts", "hi"])
    r = r.reset_index(drop=True)
    m = len(r)
    hh = h.iloc[r["hi"].to_numpy()].reset_index(drop=True)

    daily = weather.reindex(r["ts"].dt.normalize()).to_numpy()
    hour = (r["ts"].dt.hour + r["ts"].dt.minute / 60).to_numpy()
    outdoor = np.round(daily + 3.0 * np.cos(2 * np.pi * (hour - 14.5) / 24) + rng.normal(0, 0.7, m), 1)
    indoor = (20.9 + hh["hh_off"] + hh["b_off"] - 0.4 * (hh["floor"] == hh["floors"])
              - 0.3 * (hh["floor"] == 1) - 0.3 * (hh["zone"] == "高区") - 3.4 * hh["cold_hh"]
              - 1.5 * (hh["contract_temp_c"] == 16.0) - 0.6 * (hh["customer_type"] == "平房")
              + 0.12 * (daily - 2.0) + rng.normal(0, 0.45, m))
    indoor = np.round(np.clip(indoor.to_numpy(dtype=float), 13.0, 26.5), 1)

    # Residents sign with their name, a tick or a stamp-like 已签字; about 5% do not sign.
    u = rng.random(m)
    signed = hh["name"].to_numpy(dtype=object).copy()
    signed[u < 0.75] = "√"
    signed[u < 0.45] = "已签字"
    signed[u < 0.05] = "未签"
    signed[u < 0.025] = None
    indoor_cell = pd.Series(indoor, dtype=object)
    with_unit = rng.random(m) < 0.03
    indoor_cell[with_unit] = pd.Series(indoor[with_unit]).map("{:.1f}℃".format).to_numpy(dtype=object)
    note = np.full(m, None, dtype=object)
    note[rng.random(m) < 0.02] = "用户要求复测"
    note[point[r["hi"].to_numpy()] & (rng.random(m) < 0.3)] = "定点测温"
    note[(indoor < 18.0) & (rng.random(m) < 0.5)] = "室温偏低,已报修"
    pair = np.array([INSPECTORS[s] for s in STATIONS])
    station_idx = pd.Categorical(hh["station"], categories=list(STATIONS)).codes
    inspector = pair[station_idx, rng.integers(0, 2, m)]
    room = np.where(hh["bungalow"], hh["room"] + "号", hh["unit"].astype(str) + "单元" + hh["room"])

    return pd.DataFrame({
        "户号": hh["household_id"], "小区": hh["community"], "楼号": hh["building"], "房号": room,
        "测温时间": ((r["ts"] - EXCEL_EPOCH) / pd.Timedelta(days=1)).to_numpy(),
        "室内温度(℃)": indoor_cell, "室外温度(℃)": outdoor, "用户签字": signed,
        "测温人": inspector, "备注": note,
        "_indoor": indoor, "_outdoor": outdoor, "_ts": r["ts"], "_type": hh["customer_type"],
        "_contract": hh["contract_temp_c"],
    })


def plant_readings(df: pd.DataFrame, season: str) -> Planter:
    p = Planter(df, child_rng(4, int(season[:4])), TEMPERATURE_COLUMNS)
    numeric = df["室内温度(℃)"].map(lambda v: isinstance(v, float))
    if season == "2025-2026":
        p.set("室内温度(℃)", 185.0, "out_of_range", numeric & (df["_indoor"] == 18.5))
        p.set("室内温度(℃)", -3.0, "out_of_range", numeric)
        p.set("室外温度(℃)", 55.0, "out_of_range")
        p.set("测温时间", "2025-13-45", "bad_date")
        p.set("户号", None, "missing_required")
        p.duplicate("测温时间", {"室内温度(℃)": None}, numeric)
    else:
        p.set("室内温度(℃)", 36.0, "out_of_range", numeric)
        p.set("室外温度(℃)", -45.0, "out_of_range")
        p.set("室内温度(℃)", "未测", "bad_number", numeric)
        p.duplicate("测温时间", {"室内温度(℃)": None}, numeric)
    # The earlier copy of a duplicate carries the first, later corrected, reading.
    for row in p.extras:
        if row["_code"] == "duplicate":
            row["室内温度(℃)"] = round(float(row["_indoor"]) - 1.0, 1)
    return p


# --------------------------------------------------------------------------- tickets

def make_tickets(h: pd.DataFrame, season: str, weather: pd.Series) -> pd.DataFrame:
    rng = child_rng(5, int(season[:4]))
    start, end = SEASONS[season]
    exported = pd.Timestamp(EXPORTED_AT[season])
    pre = 20
    days = pd.date_range(start - pd.Timedelta(days=pre), end, freq="D")
    d = np.arange(days.size) - pre
    cold = np.clip((2.0 - weather.reindex(days).to_numpy()) / 6.0, 0, 2)
    early = np.exp(-np.clip(d, 0, None) / 7.0)
    day_w = {
        "咨询": (1 + 1.5 * early, 0.35), "报修": (1 + 2.0 * early + 0.5 * cold, 0.12),
        "抢修": (1 + 1.0 * early + 0.8 * cold, 0.15), "投诉": (1 + 4.0 * early + 0.6 * cold, 0.03),
        "举报": (1 + 3.0 * early, 0.03), "建议": (np.ones(days.size), 0.1),
    }
    counts = rng.multinomial(4980, CATEGORY_P)
    cat = np.repeat(CATEGORIES, counts)
    day = np.empty(cat.size, dtype="datetime64[ns]")
    for c, k in zip(CATEGORIES, counts):  # six categories, each sampled in one call
        w, pre_w = day_w[c]
        w = np.where(d < 0, pre_w, w)
        day[cat == c] = days.to_numpy()[rng.choice(days.size, k, p=w / w.sum())]

    n = len(h)
    stopped = (h["heating_status"] == "停热").to_numpy()
    cold_hh = h["cold_hh"].to_numpy()
    w_any = np.where(stopped, 0.2, 1.0)
    # Cold flats call for repairs far more often; complaints lean the same way, less steeply.
    w_fix = w_any * np.where(cold_hh, 8.0, 1.0)
    w_complain = w_any * np.where(cold_hh, 2.0, 1.0)
    hi = np.select([cat == "报修", cat == "投诉"],
                   [rng.choice(n, cat.size, p=w_fix / w_fix.sum()),
                    rng.choice(n, cat.size, p=w_complain / w_complain.sum())],
                   rng.choice(n, cat.size, p=w_any / w_any.sum()))

    # A handful of households keep calling about the same cold flat.
    rep = rng.choice(np.flatnonzero(cold_hh & ~stopped), 10, replace=False)
    rep_n = rng.integers(2, 4, rep.size)
    rep_hi = np.repeat(rep, rep_n)
    first = start + pd.to_timedelta(rng.integers(3, 95, rep.size), unit="D")
    gap = rng.integers(3, 10, rep_hi.size) * (np.arange(rep_hi.size) - np.repeat(np.cumsum(rep_n) - rep_n, rep_n))
    rep_day = np.repeat(first.to_numpy(), rep_n) + pd.to_timedelta(gap, unit="D").to_numpy()
    cat = np.concatenate([cat, np.full(rep_hi.size, "投诉")])
    day = np.concatenate([day, rep_day])
    hi = np.concatenate([hi, rep_hi])
    m = cat.size

    hour_w = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 2.6, 2.8, 2.5, 2.0,
                       1.6, 1.7, 2.0, 2.0, 1.8, 1.6, 1.8, 2.0, 1.7, 1.2, 0.8, 0.5])
    minute = rng.choice(24, m, p=hour_w / hour_w.sum()) * 60 + rng.integers(0, 60, m)
    received = pd.Series(day + pd.to_timedelta(minute, unit="min").to_numpy())

    t = pd.DataFrame({"cat": cat, "hi": hi, "received": received})
    t = t.sort_values(["received", "hi"], kind="stable").reset_index(drop=True)
    cat, received = t["cat"].to_numpy(), t["received"]
    hh = h.iloc[t["hi"].to_numpy()].reset_index(drop=True)
    is_c = {c: cat == c for c in CATEGORIES}
    complaint = is_c["投诉"] | is_c["举报"]

    def hours(median: float, sigma: float) -> pd.Series:
        return pd.Series(pd.to_timedelta(np.round(median * 60 * np.exp(rng.normal(0, sigma, m))), unit="min"))

    dispatched = received + pd.to_timedelta(np.clip(np.round(15 * np.exp(rng.normal(0, 0.6, m))), 2, 180), unit="min")
    dispatched[is_c["咨询"]] = pd.NaT
    arrived = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    arrived[is_c["抢修"]] = (received + hours(0.92, 0.55))[is_c["抢修"]]
    arrived[is_c["报修"]] = (received + hours(4.0, 0.7))[is_c["报修"]]
    visit = complaint & (rng.random(m) < 0.6)
    arrived[visit] = (received + hours(6.0, 0.6))[visit]
    arrived = arrived.where(arrived.isna() | (arrived > dispatched), dispatched + pd.Timedelta(minutes=10))

    resolved = received + hours(8.0, 0.8)
    resolved[is_c["抢修"]] = (arrived + hours(3.0, 0.5))[is_c["抢修"]]
    resolved[complaint] = (received + hours(18.0, 0.7))[complaint]
    resolved[is_c["建议"]] = (received + hours(30.0, 0.6))[is_c["建议"]]
    resolved = resolved.where(arrived.isna() | (resolved > arrived), arrived + pd.Timedelta(minutes=30))
    resolved[is_c["咨询"]] = received[is_c["咨询"]]
    overdue = ~is_c["咨询"] & (rng.random(m) < 0.015)
    resolved[overdue | (resolved > exported)] = pd.NaT
    arrived[arrived > exported] = pd.NaT

    result = pick_text(cat, RESULT, rng)
    result[resolved.isna()] = None
    empty_result = rng.choice(np.flatnonzero(resolved.notna().to_numpy() & ~is_c["咨询"]), 15, replace=False)
    result[empty_result] = None

    fu_cat = is_c["报修"] | is_c["抢修"] | complaint
    followed = fu_cat & resolved.notna().to_numpy() & result.notna().to_numpy() & (rng.random(m) < 0.85)
    followup = (resolved + hours(20.0, 0.6)).where(followed)
    followup[followup > exported] = pd.NaT
    late_fix = (resolved - received) > pd.Timedelta(hours=48)
    u = rng.random(m) - np.where(late_fix, 0.25, 0.0) - np.where(complaint, 0.08, 0.0)
    rating = pd.Series(None, index=t.index, dtype=object)
    rating[u > 0.03] = "不满意"
    rating[u > 0.10] = "基本满意"
    rating[u > 0.30] = "满意"
    rating[followup.isna()] = None

    anonymous = complaint & (rng.random(m) < 0.10)
    own = rng.random(m) < 0.7
    title = np.char.add(rng.choice(SURNAMES, m), rng.choice(["先生", "女士"], m))
    caller = pd.Series(np.where(own, hh["name"], title), dtype=object)
    phone = pd.Series(np.where(rng.random(m) < 0.8, hh["phone"], mobiles(rng, m)), dtype=object)
    hid = hh["household_id"].astype(object).copy()
    no_hh = (is_c["咨询"] | is_c["建议"]) & (rng.random(m) < 0.05)
    hid[no_hh] = None
    hidden = anonymous & (rng.random(m) < 0.3)
    caller[hidden], phone[hidden] = None, None

    where = hh["community"] + hh["building"] + np.where(hh["bungalow"], hh["room"] + "号",
                                                        hh["unit"].astype(str) + "单元" + hh["room"])
    text = pick_text(cat, CONTENT, rng)
    located = ~no_hh & ~is_c["咨询"] & ~is_c["建议"] & (rng.random(m) < 0.7)
    text[located] = (where + text)[located]

    channel_p = np.where(complaint[:, None], [0.35, 0.12, 0.05, 0.08, 0.40], [0.50, 0.20, 0.05, 0.07, 0.18])
    slot = (rng.random(m)[:, None] > np.cumsum(channel_p, axis=1)).sum(axis=1)
    channel = np.array(CHANNELS)[np.minimum(slot, len(CHANNELS) - 1)]

    date_key = received.dt.strftime("%Y%m%d")
    seq = t.groupby(date_key.to_numpy()).cumcount() + 1
    ticket_no = "GD" + date_key + seq.astype(str).str.zfill(5)

    return pd.DataFrame({
        "工单编号": ticket_no, "受理时间": text_time(received), "工单类型": cat, "受理渠道": channel,
        "户号": hid, "来电人": caller, "联系电话": phone, "是否匿名": np.where(anonymous, "是", "否"),
        "反映内容": text, "责任单位": hh["station"], "派单时间": text_time(dispatched),
        "到场时间": text_time(arrived), "办结时间": text_time(resolved), "处理结果": result,
        "回访时间": text_time(followup), "回访满意度": rating,
        "_received": received, "_resolved": resolved,
    })


def plant_tickets(df: pd.DataFrame, season: str) -> Planter:
    p = Planter(df, child_rng(6, int(season[:4])), TICKET_COLUMNS)
    has_fu = df["回访时间"].notna() & df["回访满意度"].notna()
    repair_fu = has_fu & (df["工单类型"] == "报修")

    def before_received() -> None:
        idx = p.pick(repair_fu)
        # A mistyped day in the close-out: it reads as closed days before it was received.
        bad = df.at[idx, "_received"] - pd.Timedelta(days=10)
        p.set("办结时间", one_text_time(bad), "before_received", idx=idx)
        # Only the close-out time is wrong; nothing else on the row may contradict it.
        for header in ("派单时间", "到场时间", "回访时间", "回访满意度"):
            p.df.at[idx, header] = None

    open_state = {"办结时间": None, "处理结果": None, "回访时间": None, "回访满意度": None, "到场时间": None}
    if season == "2025-2026":
        p.set("工单编号", None, "missing_required")
        p.set("工单类型", "其他类", "bad_value")
        # No rating word: the ticket loads unrated, the user is told (the
        # same pick as when such a cell rejected its ticket).
        p.warn("回访满意度", "还行", "unknown_values", has_fu)
        p.set("受理时间", "2026/02/30 9:00", "date_not_exist")
        p.set("派单时间", "明天", "bad_date", df["派单时间"].notna())
        p.duplicate("工单编号", open_state, has_fu)
        before_received()
    else:
        p.set("回访时间", "2025-13-45 08:00", "bad_date", has_fu)
        p.duplicate("工单编号", open_state, has_fu)
        before_received()
    return p


def repeat_complainers(t: pd.DataFrame) -> list[str]:
    # An anonymous complaint is tied to no household (service rules art. 20).
    c = t[t["工单类型"].isin(["投诉", "举报"]) & t["户号"].notna() & (t["是否匿名"] != "是")][
        ["户号", "_received"]]
    c = c.sort_values(["户号", "_received"])
    gap = c.groupby("户号")["_received"].diff()
    return sorted(c.loc[gap <= pd.Timedelta(days=30), "户号"].unique().tolist())


# --------------------------------------------------------------------------- bills

def make_bills(h: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    rng = child_rng(7)
    n = len(h)
    status_now = h["heating_status"].to_numpy()
    flip = rng.random(n) < 0.01  # households that stopped or resumed between seasons
    status_prev = np.where(flip, np.where(status_now == "停热", "供热", "停热"), status_now)
    dibao = (h["customer_type"] == "居民").to_numpy() & (rng.random(n) < 0.10)
    price = h["customer_type"].map(PRICE).to_numpy()
    area = h["heated_area_m2"].to_numpy()

    frames = []
    for season, status in (("2024-2025", status_prev), ("2025-2026", status_now)):
        stopped = status == "停热"
        exemption = np.where(dibao & ~stopped, np.round(np.minimum(area, 60.0) * price * 0.5, 2), 0.0)
        full = area * price
        due = np.round(np.where(stopped, full * STOPPED_SHARE, full) - exemption, 2)
        frames.append(pd.DataFrame({"hi": np.arange(n), "户号": h["household_id"], "供暖季": season,
                                    "收费面积": area, "单价(元/㎡)": price, "减免金额": exemption,
                                    "应收金额": due, "供热状态": status}))
    bills = pd.concat(frames, ignore_index=True)

    cur = bills["供暖季"] == CURRENT
    heated = cur & (bills["供热状态"] == "供热")
    picks = rng.permutation(np.flatnonzero(heated.to_numpy()))
    unbilled, wrong, not_exempted = picks[:10], picks[10:16], picks[16:]
    not_exempted = not_exempted[(bills.loc[not_exempted, "减免金额"] > 0).to_numpy()][:2]
    stopped_full = rng.choice(np.flatnonzero((cur & (bills["供热状态"] == "停热")).to_numpy()), 4, replace=False)
    stopped_full, stopped_reject = stopped_full[:3], stopped_full[3]

    full = bills["收费面积"] * bills["单价(元/㎡)"]
    # Typical ledger slips: a wrong price, a wrong area, a manual round-off, a missed exemption.
    slips = [np.round(bills.loc[wrong[:2], "收费面积"] * 25.0, 2),
             np.round(bills.loc[wrong[2:4], "应收金额"] * 1.1, 2),
             np.round(bills.loc[wrong[4:], "应收金额"] - 120.0, 2)]
    for rows, amounts in zip((wrong[:2], wrong[2:4], wrong[4:]), slips):
        bills.loc[rows, "应收金额"] = amounts.to_numpy()
    bills.loc[not_exempted, "应收金额"] = np.round(full[not_exempted], 2).to_numpy()
    bills.loc[stopped_full, "应收金额"] = np.round(full[stopped_full], 2).to_numpy()

    hid = bills["户号"]
    facts = {
        "heated_without_bill_2025_2026": sorted(hid[unbilled].tolist()),
        "bill_wrong_amount_2025_2026": sorted(hid[np.concatenate([wrong, not_exempted, stopped_full])].tolist()),
        "bill_stopped_charged_full_2025_2026": sorted(hid[stopped_full].tolist()),
        "bill_exempt_charged_full_2025_2026": sorted(hid[not_exempted].tolist()),
    }
    bills = bills.drop(index=unbilled).reset_index(drop=True)
    facts["_stopped_reject_id"] = hid[stopped_reject]
    return bills, facts


def plant_bills(bills: pd.DataFrame, facts: dict) -> Planter:
    p = Planter(bills.drop(columns=["hi"]), child_rng(8), BILL_COLUMNS)
    cur = bills["供暖季"] == CURRENT
    # Rejected bills belong to stopped households so the unbilled-heated list stays exact.
    a = facts.pop("_stopped_reject_id")
    p.set("收费面积", "待测", "bad_number", cur & (bills["户号"] == a))
    prev_stopped = (bills["供暖季"] != CURRENT) & (bills["供热状态"] == "停热")
    p.set("应收金额", "待核", "bad_number", prev_stopped)
    after = p.pick(cur)
    p.extra({"户号": None, "供暖季": CURRENT, "收费面积": 86.4, "单价(元/㎡)": 23.0, "减免金额": 0.0,
             "应收金额": 1987.2, "供热状态": "供热"}, "missing_required", "户号", after)
    facts["bill_rejected_households_2025_2026"] = [a]
    return p


# --------------------------------------------------------------------------- payments

def make_payments(h: pd.DataFrame, bills: pd.DataFrame, season: str) -> pd.DataFrame:
    rng = child_rng(9, int(season[:4]))
    start, end = SEASONS[season]
    b = bills[bills["供暖季"] == season]
    due = pd.to_numeric(b["应收金额"], errors="coerce").fillna(0.0).to_numpy()
    hi = b["hi"].to_numpy()
    n = hi.size
    r = rng.random(n)
    full, partial = r < 0.92, (r >= 0.92) & (r < 0.96)
    early = rng.random(n) < 0.68
    before = np.round(rng.triangular(1, 6, 75, n)).astype(int)
    after = np.minimum(np.round(rng.exponential(28, n)).astype(int), 118)
    first = pd.Series(start + pd.to_timedelta(np.where(early, -before, after), unit="D"))
    two = full & (rng.random(n) < 0.12)
    part1 = np.where(two, np.clip(np.round(due * rng.uniform(0.4, 0.6, n) / 100) * 100, 100, None), due)
    part1 = np.where(two & (part1 >= due), np.round(due / 2, 2), part1)
    part1 = np.where(partial, np.round(due * rng.uniform(0.3, 0.7, n), 2), part1)
    second = (first + pd.to_timedelta(rng.integers(15, 90, n), unit="D")).clip(upper=end)

    payer = full | partial
    pays = pd.concat([
        pd.DataFrame({"hi": hi[payer], "paid": first.to_numpy()[payer], "amount": part1[payer]}),
        pd.DataFrame({"hi": hi[two], "paid": second.to_numpy()[two], "amount": np.round(due[two] - part1[two], 2)}),
    ], ignore_index=True)
    pays = pays[pays["amount"] > 0]
    pays = pays.sort_values(["paid", "hi"], kind="stable").reset_index(drop=True)
    m = len(pays)
    hh = h.iloc[pays["hi"].to_numpy()].reset_index(drop=True)

    date_key = pays["paid"].dt.strftime("%Y%m%d")
    receipt = "SF" + date_key + (pays.groupby(date_key.to_numpy()).cumcount() + 1).astype(str).str.zfill(6)
    invoice = pd.Series((3_120_000 + int(season[:4]) % 10 * 100_000 + np.arange(m)).astype(str), dtype=object)
    invoice = invoice.str.zfill(8)
    invoice[rng.random(m) < 0.012] = None
    return pd.DataFrame({
        "收据号": receipt, "户号": hh["household_id"], "供暖季": season, "缴费日期": pays["paid"],
        "实收金额": pays["amount"].to_numpy(), "缴费方式": rng.choice(METHODS, m, p=METHOD_P),
        "收费员": hh["station"].map(COLLECTORS), "发票号": invoice,
        "_amount": pays["amount"].to_numpy(), "_paid": pays["paid"],
    })


def plant_payments_csv(df: pd.DataFrame) -> Planter:
    rng = child_rng(10)
    df = df.copy()
    df["缴费日期"] = df["缴费日期"].dt.strftime("%Y-%m-%d")
    df["实收金额"] = money_text(df["_amount"].to_numpy(), (df["_amount"] >= 1000).to_numpy() & (rng.random(len(df)) < 0.5))
    p = Planter(df, rng, PAYMENT_COLUMNS)
    p.set("实收金额", "二百元", "bad_number")
    p.set("户号", None, "missing_required")
    p.set("缴费日期", "2026/02/30", "date_not_exist")
    p.set("缴费日期", "明天", "bad_date")
    p.duplicate("收据号", {}, None)
    for row in p.extras:
        row["缴费方式"] = "现金" if row["缴费方式"] != "现金" else "微信"
    return p


def plant_payments_xlsx(df: pd.DataFrame) -> Planter:
    df = df.copy()
    df["缴费日期"] = df["缴费日期"].dt.to_pydatetime()
    p = Planter(df, child_rng(11), PAYMENT_COLUMNS)
    p.set("缴费日期", "2024/11/31", "date_not_exist")
    p.set("户号", None, "missing_required")
    p.duplicate("收据号", {}, None)
    for row in p.extras:
        row["实收金额"] = round(float(row["_amount"]) + 100.0, 2)
    return p


# --------------------------------------------------------------------------- writers

def new_workbook(path: Path, season: str) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False})
    # A fixed creation time keeps the file byte-identical between runs.
    wb.set_properties({"author": OPERATOR, "company": COMPANY, "created": EXPORTED_AT[season]})
    return wb


def export_info(season: str) -> str:
    return f"导出时间:{EXPORTED_AT[season]:%Y-%m-%d %H:%M}  操作员:{OPERATOR}"


def write_xlsx(path: Path, sheet: str, title: str, season: str, df: pd.DataFrame, headers: list[str],
               total_col: str, total_value, formats: dict | None = None, two_row: bool = False) -> None:
    wb = new_workbook(path, season)
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    fmts = {k: wb.add_format({"num_format": v}) for k, v in (formats or {}).items()}
    last = len(headers) - 1
    ws.merge_range(0, 0, 0, last, title, title_fmt)
    ws.write_string(1, 0, export_info(season))
    if two_row:
        for j, name in enumerate(headers):
            if 4 <= j <= 7:
                continue
            ws.merge_range(2, j, 3, j, name, bold)
        ws.merge_range(2, 4, 2, 7, "房屋信息", bold)
        ws.write_row(3, 4, headers[4:8], bold)
        first = 4
    else:
        ws.write_row(2, 0, headers, bold)
        first = 3
    for j, name in enumerate(headers):
        ws.write_column(first, j, cells(df[name]), fmts.get(name))
        ws.set_column(j, j, max(8, min(30, 2 * len(name) + 4)))
    end = first + len(df)
    ws.write_string(end, 0, "合计")
    ws.write_number(end, headers.index(total_col), total_value, fmts.get(total_col))
    ws.freeze_panes(first, 0)
    wb.close()


def write_bills_xls(path: Path, df: pd.DataFrame) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("收费台账")
    headers = list(BILL_COLUMNS)
    title = xlwt.easyxf("font: bold on, height 280; align: horiz center")
    head = xlwt.easyxf("font: bold on; align: horiz center; borders: left thin, right thin, top thin, bottom thin")
    money = xlwt.easyxf(num_format_str="0.00")
    plain = xlwt.Style.default_style
    ws.write_merge(0, 0, 0, len(headers) - 1, f"{COMPANY} 收费台账", title)
    ws.write(1, 0, export_info(CURRENT))
    for j, name in enumerate(headers):
        ws.write(2, j, name, head)
        ws.col(j).width = 256 * (14 if j else 16)
    numeric = {"收费面积", "单价(元/㎡)", "减免金额", "应收金额"}
    for j, name in enumerate(headers):
        style = money if name in numeric else plain
        for i, v in enumerate(cells(df[name])):
            if v is not None:
                ws.write(3 + i, j, v, style if isinstance(v, float) else plain)
    end = 3 + len(df)
    ws.write(end, 0, "合计")
    due = pd.to_numeric(df["应收金额"], errors="coerce").sum()
    ws.write(end, headers.index("应收金额"), round(float(due), 2), money)
    wb.save(str(path))


def write_payments_csv(path: Path, df: pd.DataFrame, season: str) -> None:
    headers = list(PAYMENT_COLUMNS)
    total = float(pd.to_numeric(loaded(df)["_amount"]).sum())
    with open(path, "w", encoding="gbk", newline="") as f:
        f.write(f"{COMPANY} 收费明细 {season}\r\n")
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(headers)
        w.writerows(zip(*[["" if v is None else v for v in cells(df[c])] for c in headers]))
        w.writerow(["合计", "", "", "", f"{total:.2f}", "", "", ""])


# --------------------------------------------------------------------------- facts

def temperature_facts(df: pd.DataFrame) -> dict:
    ok = loaded(df)
    signed = ok["用户签字"].notna() & (ok["用户签字"] != "未签")
    exempt = ok["_outdoor"] < DESIGN_OUTDOOR_C
    target = np.where(ok["_type"] == "居民", 18.0, ok["_contract"].astype(float).fillna(18.0))
    counted = signed & ~exempt
    return {"readings_loaded": int(len(ok)), "unsigned": int((~signed).sum()),
            "exempt_signed": int((signed & exempt).sum()), "valid_non_exempt": int(counted.sum()),
            "compliant": int((counted & (ok["_indoor"] >= target)).sum()),
            "indoor_with_unit_text": int(ok["室内温度(℃)"].map(lambda v: isinstance(v, str)).sum())}


def ticket_facts(df: pd.DataFrame) -> dict:
    ok = loaded(df)
    resolved = ok["办结时间"].notna()
    return {"tickets_loaded": int(len(ok)),
            "resolved_empty_result": sorted(ok.loc[resolved & ok["处理结果"].isna(), "工单编号"].tolist()),
            "open": sorted(ok.loc[~resolved, "工单编号"].tolist()),
            "repeat_complaint_households": repeat_complainers(ok),
            "anonymous": int((ok["是否匿名"] == "是").sum()),
            "by_category": {c: int(v) for c, v in ok["工单类型"].value_counts().sort_index().items()}}


def fee_facts(bills: pd.DataFrame, pays: pd.DataFrame, season: str) -> dict:
    b = loaded(bills)
    b = b[b["供暖季"] == season]
    due = b.set_index("户号")["应收金额"].astype(float)
    p = loaded(pays)
    paid = p.groupby("户号")["_amount"].sum().astype(float)
    start = SEASONS[season][0]
    paid_by_start = p[p["_paid"] < start].groupby("户号")["_amount"].sum().astype(float)
    got = paid.reindex(due.index, fill_value=0.0)
    got_start = paid_by_start.reindex(due.index, fill_value=0.0)
    return {"households_billed": int(len(due)), "amount_due": round(float(due.sum()), 2),
            "amount_paid": round(float(p["_amount"].astype(float).sum()), 2),
            "households_fully_paid": int((got >= due - 0.005).sum()),
            "households_fully_paid_by_season_start": int((got_start >= due - 0.005).sum()),
            "payments_loaded": int(len(p))}


# --------------------------------------------------------------------------- main

def generate(out: Path, expected: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    h, buildings = make_households()
    rows: dict[str, int] = {}
    rejects: list[dict] = []
    warned: list[dict] = []   # cells loaded empty, their rows kept, with a load warning
    planted: dict = {}

    hx = households_export(h)
    write_xlsx(out / "用户档案.xlsx", "用户档案", f"{COMPANY} 用户档案", CURRENT, hx, HOUSEHOLD_COLUMNS,
               "供热面积(㎡)", round(float(h["heated_area_m2"].sum()), 2),
               {"供热面积(㎡)": "0.00"}, two_row=True)
    rows["用户档案.xlsx"] = len(hx)
    cold = buildings[buildings["cold"] & ~buildings["bungalow"]]
    planted["households"] = {
        "count": int(len(h)), "heated": int((h["heating_status"] == "供热").sum()),
        "stopped": int((h["heating_status"] == "停热").sum()),
        "heated_area_m2": round(float(h["heated_area_m2"].sum()), 2),
        "by_customer_type": {k: int(v) for k, v in h["customer_type"].value_counts().sort_index().items()},
        "cold_buildings": sorted((cold["community"] + cold["building"]).tolist()),
    }

    bills, bill_facts = make_bills(h)
    planted["bills"] = bill_facts
    for season in SEASONS:
        weather = make_weather(season)
        fname = f"测温记录_{season}.xlsx"
        # the season's bill's status; a household without one, the roster's
        billed = bills[bills["供暖季"] == season].set_index("hi")["供热状态"]
        status = billed.reindex(np.arange(len(h))).fillna(h["heating_status"]).to_numpy()
        tp = plant_readings(make_readings(h, season, weather, status == "停热"), season)
        tdf, rj = tp.finish(fname, "测温记录", 4)
        write_xlsx(out / fname, "测温记录", f"{COMPANY} 测温记录 {season}", season, tdf,
                   list(TEMPERATURE_COLUMNS), "小区", int(len(tdf)))
        rows[fname], rejects = len(tdf), rejects + rj
        days = weather[SEASONS[season][0]:SEASONS[season][1]]
        planted[f"temperature_{season}"] = temperature_facts(tdf) | {
            "days_daily_mean_below_design": int((days < DESIGN_OUTDOOR_C).sum())}

        fname = f"客服工单_{season}.xlsx"
        kp = plant_tickets(make_tickets(h, season, weather), season)
        kdf, rj = kp.finish(fname, "客服工单", 4)
        write_xlsx(out / fname, "客服工单", f"{COMPANY} 客服工单 {season}", season, kdf,
                   list(TICKET_COLUMNS), "受理时间", int(len(kdf)))
        rows[fname], rejects, warned = len(kdf), rejects + rj, warned + kp.warned
        planted[f"tickets_{season}"] = ticket_facts(kdf)

    bp = plant_bills(bills, bill_facts)
    bdf, rj = bp.finish("收费台账.xls", "收费台账", 4)
    write_bills_xls(out / "收费台账.xls", bdf)
    rows["收费台账.xls"], rejects = len(bdf), rejects + rj

    fname = "收费明细_2024-2025.xlsx"
    pp = plant_payments_xlsx(make_payments(h, bills, "2024-2025"))
    pdf_prev, rj = pp.finish(fname, "收费明细", 4)
    write_xlsx(out / fname, "收费明细", f"{COMPANY} 收费明细 2024-2025", "2024-2025", pdf_prev,
               list(PAYMENT_COLUMNS), "实收金额", round(float(loaded(pdf_prev)["_amount"].sum()), 2),
               {"缴费日期": "yyyy-mm-dd", "实收金额": "#,##0.00"})
    rows[fname], rejects = len(pdf_prev), rejects + rj

    fname = "收费明细_2025-2026.csv"
    cp = plant_payments_csv(make_payments(h, bills, CURRENT))
    pdf_cur, rj = cp.finish(fname, "收费明细_2025-2026", 3)
    write_payments_csv(out / fname, pdf_cur, CURRENT)
    rows[fname], rejects = len(pdf_cur), rejects + rj

    planted["fees_2024-2025"] = fee_facts(bdf, pdf_prev, "2024-2025")
    planted["fees_2025-2026"] = fee_facts(bdf, pdf_cur, CURRENT)

    planted["notes"] = {
        "temperature": "computed on loaded rows; signed = 用户签字 present and not 未签; exempt = outdoor < "
                       "-7.4; target = 18 for 居民, else 合同温度 (18 when empty); a household stopped (停热) in a "
                       "season, by its bill, has no readings that season",
        "tickets": "open = no 办结时间 at export; repeat = a 投诉/举报 within 30 days of the same household's "
                   "previous one",
        "bills": "wrong amounts differ from area x price - exemption (x 0.20 when 停热) by more than 5 yuan; "
                 "bill_rejected_households lost their only 2025-2026 bill to a planted reject (they are 停热)",
        "fees": "amount_paid sums every loaded payment row; fully paid = paid >= due",
    }
    rejects.sort(key=lambda r: (r["file"], r["sheet"], r["row"]))
    doc = {"rejects": rejects, "warnings": warned, "rows": rows, "planted": planted}
    expected.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return doc


def main() -> None:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=here / "sample", help="folder for the exports")
    ap.add_argument("--expected", type=Path, default=None,
                    help="where to write the list of planted rejects (default: beside --out)")
    args = ap.parse_args()
    expected = args.expected or args.out.parent / "sample_expected.json"
    t0 = time.perf_counter()
    doc = generate(args.out, expected)
    codes: dict[str, int] = {}
    for r in doc["rejects"]:
        codes[r["code"]] = codes.get(r["code"], 0) + 1
    for name, n in doc["rows"].items():
        print(f"{name:28s} {n:7d} rows")
    print("planted rejects:", len(doc["rejects"]), dict(sorted(codes.items())))
    print(f"done in {time.perf_counter() - t0:.1f} s -> {args.out}, {expected}")


if __name__ == "__main__":
    main()
