"""What each export contains: canonical fields, their types, and the header
names real source systems use for them.

A dataset is one warehouse table. The user-facing *kind* groups datasets:
the fee system exports bills (收费台账) and payments (收费明细) as separate files,
both of kind ``fees``; which one a file is follows from its headers.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Field types understood by the staging SQL (pipelines/stage.py).
TEXT, ID, TIMESTAMP, NUMBER, BOOL, SIGNATURE, ENUM, SEASON = (
    "text", "id", "timestamp", "number", "bool", "signature", "enum", "season",
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    synonyms: tuple[str, ...]
    required: bool = False
    # ENUM: canonical value -> words that mean it (the canonical value included).
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # NUMBER: plausible range, inclusive; outside is a reject.
    min: float | None = None
    max: float | None = None
    # Personal data: masked for roles without the personal_data permission.
    personal: bool = False
    # NUMBER in yuan: a header giving the unit 万元 scales its cells (wan_yuan).
    money: bool = False
    # ENUM: when no word matches the whole cell, the canonical values named in
    # settings.toml found inside it decide (stage.contained_values): "categories"
    # (工单类型: 投诉类, 供热投诉 -> 投诉; none or two of them found is unknown),
    # "ratings" (回访满意度: 非常不满意 -> 不满意, 已回访,满意 -> 满意).
    contains: str | None = None
    # Phrases that, found in a cell, say it holds no value (回访满意度: 未回访,
    # 无法联系, 电话无人接听): the cell reads as empty.
    blank_phrases: tuple[str, ...] = ()
    # BOOL: words for yes / no in this column only, besides YES_WORDS / NO_WORDS
    # (which the signature column shares).
    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    name: str          # warehouse table
    kind: str          # what the user picks: households, temperature, tickets, fees
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    # Headers that identify this dataset over its siblings of the same kind.
    signature: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


def _f(name, type_, *synonyms, **kw) -> Field:
    return Field(name, type_, tuple(synonyms), **kw)


HOUSEHOLD_ID = ("户号", "用户编号", "用户号", "客户编号", "客户号", "热用户编号", "用户代码",
                "户编号", "缴费号", "用户卡号", "household_id", "household id", "account no",
                "customer id", "customer no")
BRANCH = ("分公司", "所属分公司", "供热分公司", "分公司名称", "branch")
STATION = ("供热站", "换热站", "热力站", "所属站", "所属换热站", "站点", "供热站名称",
           "责任单位", "处理单位", "承办单位", "所属供热站", "station")
HEATED_AREA = ("供热面积", "采暖面积", "面积", "收费面积", "计费面积", "建筑面积",
               "供暖面积", "heated area", "area", "heated_area_m2", "area m2")
HEATING_STATUS = {"供热": ("供热", "正常", "正常供热", "在供", "用热", "heating", "normal"),
                  "停热": ("停热", "停暖", "报停", "停供", "暂停", "stopped", "stop")}
SEASON_SYNONYMS = ("供暖季", "采暖季", "采暖期", "供暖期", "供热季", "年度", "收费年度",
                   "采暖年度", "season")

DATASETS: dict[str, Dataset] = {}


def _register(ds: Dataset) -> Dataset:
    DATASETS[ds.name] = ds
    return ds


_register(Dataset(
    "households", "households", ("household_id",), (
        _f("household_id", ID, *HOUSEHOLD_ID, required=True),
        _f("branch", TEXT, *BRANCH, required=True),
        _f("station", TEXT, *STATION, required=True),
        _f("community", TEXT, "小区", "小区名称", "片区", "社区", "所属小区", "community"),
        _f("building", TEXT, "楼号", "楼栋", "楼座", "楼栋号", "幢号", "栋号", "building"),
        _f("unit", TEXT, "单元", "单元号", "unit"),
        _f("floor", TEXT, "楼层", "层", "所在楼层", "floor"),
        _f("room", TEXT, "房号", "门牌号", "室号", "房间号", "room", personal=True),
        _f("zone", ENUM, "高低区", "分区", "区域(高低区)", "zone",
           values={"高区": ("高区", "高", "high"), "低区": ("低区", "低", "low")}),
        _f("customer_type", ENUM, "用户类型", "用户性质", "用户类别", "类型", "性质", "用热性质",
           "customer type", "customer_type",
           values={"居民": ("居民", "住宅", "民用", "居民用户", "residential"),
                   "非居民": ("非居民", "非住宅", "商业", "公建", "单位", "非居民用户",
                            "non-residential", "commercial"),
                   "平房": ("平房", "平房用户", "bungalow")}),
        _f("heated_area_m2", NUMBER, *HEATED_AREA, required=True, min=0.01, max=100000),
        _f("contract_temp_c", NUMBER, "合同温度", "约定室温", "合同室温", "约定温度",
           "contract temperature", "contract_temp_c", min=5, max=30),
        _f("heating_status", ENUM, "供热状态", "用热状态", "状态", "供暖状态", "heating status",
           values=HEATING_STATUS),
        _f("name", TEXT, "户主姓名", "用户姓名", "户名", "姓名", "户主", "用户名称", "客户名称",
           "name", personal=True),
        _f("phone", TEXT, "联系电话", "电话", "手机号", "手机", "联系方式", "phone", personal=True),
        _f("address", TEXT, "用户地址", "地址", "住址", "房屋地址", "address", personal=True),
    )))

_register(Dataset(
    "temperature_readings", "temperature", ("household_id", "measured_at"), (
        _f("household_id", ID, *HOUSEHOLD_ID, required=True),
        _f("measured_at", TIMESTAMP, "测温时间", "检测时间", "测量时间", "测温日期", "检测日期",
           "测温日期时间", "measured at", "measured_at", "time", required=True),
        _f("indoor_c", NUMBER, "室温", "室内温度", "测温值", "实测室温", "室内温度(℃)",
           "实测温度", "室内", "indoor", "indoor temperature", "indoor_c",
           required=True, min=0, max=35),
        _f("outdoor_c", NUMBER, "室外温度", "室外气温", "室外", "气温", "外温", "室外温",
           "外界温度", "户外温度", "outdoor",
           "outdoor temperature", "outdoor_c", min=-40, max=45),
        _f("signed", SIGNATURE, "用户签字", "签字", "是否签字", "用户确认", "用户签名", "签名",
           "signed", "signature", required=True),
        _f("inspector", TEXT, "测温人", "检测人员", "测温人员", "检测人", "inspector"),
        _f("note", TEXT, "备注", "说明", "note", "remark"),
    )))

CATEGORIES = {
    "咨询": ("咨询", "业务咨询", "consultation"),
    "报修": ("报修", "维修", "repair"),
    "抢修": ("抢修", "紧急抢修", "emergency repair", "emergency"),
    "投诉": ("投诉", "complaint"),
    "举报": ("举报", "report"),
    "建议": ("建议", "意见建议", "suggestion"),
}
# 较满意 is 比较满意 (基本满意), not 满意; 好评 / 差评 are the praise and the
# complaint of a rating. 一般 (neutral) is no rating word: whether it counts
# as satisfied is the company's call, so such a cell loads unrated, with a
# warning (stage._unknown_choices).
SATISFACTION = {
    "满意": ("满意", "非常满意", "好评", "satisfied"),
    "基本满意": ("基本满意", "比较满意", "较满意", "fairly satisfied"),
    "不满意": ("不满意", "很不满意", "差评", "dissatisfied", "unsatisfied"),
}
# A follow-up cell saying the resident gave no rating: not reached, not called
# back, or declined. Found anywhere in the cell (电话无人接听), it reads as empty.
NOT_RATED = ("未回访", "无法联系", "联系不上", "无人接听", "未接通", "拒绝评价", "拒评", "不予评价",
             "未评价", "无评价", "关机", "停机", "空号")

_register(Dataset(
    "tickets", "tickets", ("ticket_no",), (
        _f("ticket_no", ID, "工单号", "工单编号", "受理编号", "服务单号", "单号", "受理单号",
           "流水号", "ticket no", "ticket_no", "ticket id", required=True),
        _f("received_at", TIMESTAMP, "受理时间", "来电时间", "申请时间", "登记时间", "接单时间",
           "反映时间", "received at", "received_at", required=True),
        _f("category", ENUM, "工单类型", "类别", "业务类型", "诉求类型", "工单类别", "受理类型",
           "category", required=True, values=CATEGORIES, contains="categories"),
        _f("channel", TEXT, "受理渠道", "渠道", "来源", "来源渠道", "channel"),
        _f("household_id", ID, *HOUSEHOLD_ID),
        _f("caller_name", TEXT, "来电人", "联系人", "反映人", "客户姓名", "用户姓名", "姓名",
           "caller", "caller name", personal=True),
        _f("phone", TEXT, "联系电话", "来电号码", "电话", "手机号", "phone", personal=True),
        # 保密 / 不公开: the caller asked to stay unnamed (shown as anonymous).
        _f("anonymous", BOOL, "是否匿名", "匿名", "anonymous",
           yes=("保密", "要求匿名", "不公开", "要求保密", "匿名来电", "匿名投诉", "匿名举报",
                "匿名(保密)", "匿名（保密）", "非实名", "隐藏号码", "号码保密", "不留名",
                "不愿留名"),
           no=("实名", "不匿名", "公开", "实名来电", "实名投诉", "实名举报")),
        _f("description", TEXT, "反映内容", "诉求内容", "问题描述", "内容", "受理内容", "工单内容",
           "description"),
        _f("station", TEXT, *STATION),
        _f("dispatched_at", TIMESTAMP, "派单时间", "派工时间", "转派时间", "dispatched at",
           "dispatched_at"),
        _f("arrived_at", TIMESTAMP, "到场时间", "上门时间", "到达时间", "arrived at", "arrived_at"),
        _f("resolved_at", TIMESTAMP, "办结时间", "完成时间", "处理完成时间", "结案时间",
           "resolved at", "resolved_at"),
        _f("result", TEXT, "处理结果", "办理结果", "回复内容", "处理情况", "答复内容", "result"),
        _f("followup_at", TIMESTAMP, "回访时间", "回访日期", "follow-up at", "followup_at"),
        _f("satisfaction", ENUM, "回访满意度", "满意度", "回访结果", "回访评价", "评价",
           "satisfaction", values=SATISFACTION, contains="ratings", blank_phrases=NOT_RATED),
    )))

_register(Dataset(
    "fee_bills", "fees", ("household_id", "season"), (
        _f("household_id", ID, *HOUSEHOLD_ID, required=True),
        _f("season", SEASON, *SEASON_SYNONYMS, required=True),
        _f("heated_area_m2", NUMBER, *HEATED_AREA, min=0.01, max=100000),
        _f("unit_price", NUMBER, "单价", "收费标准", "单价(元/㎡)", "价格", "unit price",
           "unit_price", min=0, max=1000),
        _f("exemption", NUMBER, "减免金额", "减免", "优惠金额", "exemption", min=0, money=True),
        _f("amount_due", NUMBER, "应收金额", "应缴金额", "应收", "应收热费", "应缴热费", "应交金额",
           "amount due", "amount_due", required=True, min=0, money=True),
        _f("heating_status", ENUM, "供热状态", "用热状态", "状态", "heating status",
           values=HEATING_STATUS),
    ),
    signature=("amount_due",)))

_register(Dataset(
    "fee_payments", "fees", ("receipt_no",), (
        _f("receipt_no", ID, "收据号", "票据号", "收费单号", "交易流水号", "流水号", "收款单号",
           "receipt no", "receipt_no", required=True),
        _f("household_id", ID, *HOUSEHOLD_ID, required=True),
        _f("season", SEASON, *SEASON_SYNONYMS, required=True),
        _f("paid_at", TIMESTAMP, "缴费日期", "收费时间", "缴费时间", "收款日期", "收费日期",
           "交费日期", "paid at", "paid_at", "payment date", required=True),
        _f("amount", NUMBER, "实收金额", "实缴金额", "缴费金额", "实收", "收款金额", "交费金额",
           "amount", "amount paid", required=True, min=-1000000, max=1000000, money=True),
        _f("method", TEXT, "缴费方式", "支付方式", "收费方式", "付款方式", "收款方式", "结算方式",
           "支付渠道", "缴费渠道", "method", "payment method"),
        _f("collector", TEXT, "收费员", "操作员", "收款人", "收费人员", "collector"),
        _f("invoice_no", ID, "发票号", "发票号码", "票据编号", "invoice no", "invoice_no"),
    ),
    signature=("receipt_no",)))

# Columns a blank cell of a file never clears in a loaded row, nor an undo
# (pipelines.load, pipelines.batches): a ticket the caller asked to keep
# anonymous stays so when a later export leaves 是否匿名 blank.
STICKY = {"tickets": ("anonymous",)}

KINDS: dict[str, list[str]] = {}
for _ds in DATASETS.values():
    KINDS.setdefault(_ds.kind, []).append(_ds.name)

YES_WORDS = ("是", "√", "✓", "✔", "y", "yes", "true", "1", "有", "已签", "已签字", "签字", "匿名", "t")
NO_WORDS = ("否", "×", "✗", "x", "n", "no", "false", "0", "无", "未签", "未签字", "没签", "不匿名",
            "非匿名", "f", "-", "/")
# A signature cell that says the resident did NOT sign (service rules art. 11(7):
# such a reading is invalid). Besides the no-words above: these whole cells, and
# any cell the pattern finds in (lower case, spaces removed): a refusal (拒签,
# 家属拒签, 用户拒绝签字), a negation or "pending" before 签 (未签名, 用户未签, 不签,
# 无签字, 没有签, 待签), "签字:无", nobody home (不在家, 无人, 空房), a consent
# that is no signature (电话确认, 口头同意, 微信已确认; not a name beside a phone
# number, nor 微信签名), a placeholder for no value
# (暂无, 空白, 未知, N/A, null, (空), ?), the column's label with nothing after
# it (用户签字：), the resident away (用户外出) or disputing the reading (用户不认可,
# 对温度有异议). Anything else (a name, 已签, 签字, √) is a signature.
UNSIGNED_WORDS = ("空", "未", "没有", "✕", "✖", "✘", "╳", "—", "--", "——",
                  "暂无", "空白", "未知", "不详", "待定", "待补", "后补", "n/a", "na", "nan", "null",
                  "none", "nil", "无签名", "无签字", "(空)", "（空）", "[空]", "【空】", "<空>")
UNSIGNED_PATTERN = (r"拒|(未|不|无|没|待|缺)[^已]{0,2}签|签[字名]?[:：]?(无|否|空|没有|未)"
                    r"|^(用户|住户|户主|业主|客户)?(签字|签名|确认)[:：]$"
                    r"|不在|未在|没在|无人|空房|空置|空户|外出"
                    r"|不认可|不认同|有异议|不同意|不确认"
                    r"|(电话|口头|微信|短信)已?(确认|同意|告知|通知|联系|回复)|^[?？]+$")
# ... unless the cell also says someone did sign in the end: 不在家,家属已签;
# 户主不在家由家属签字; 无人签字后补签; 微信同意后签字 are signed readings.
SIGNED_PATTERN = r"已签|代签|补签|后签|(家属|亲属|家人)签|由[^拒未不无没]{0,6}签"
# ... but a signature still to be made up is none: 未补签, 待补签, 需补签,
# 尚未补签, 补签中, 等待补签, 待补 (后补 alone: UNSIGNED_WORDS).
PENDING_PATTERN = r"(未|待|需|须|要|应|没|无|等)[^已]{0,2}补签|补签中|待补"

_UNIT_SUFFIX = re.compile(r"[（(][^）)]*[）)]$")
_SPACE = re.compile(r"\s+")
# A unit written after the name without brackets (室内温度℃, 供热面积㎡,
# 室内温度/℃; NFKC makes ℃ °c and ㎡ m2), the name's marker of a required
# column (*户号) before it. Not 元 or 度: 单元 and 温度 end in them.
_BARE_UNIT = re.compile(r"/?(°c|m2|平方米|平米)$")


# Headers saying only "date" or "time" (normalize_label's form).
DAY_OR_TIME = frozenset({"日期", "时间", "时刻", "date", "time"})


def normalize_label(text: object) -> str:
    """Header text as compared with synonyms: NFKC, no spaces, lower case,
    a trailing unit in brackets removed ("室内温度(℃)" -> "室内温度"), or after the
    name (室内温度℃, 供热面积㎡), and a required mark before it (*户号)."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACE.sub("", s).lower().replace("_", "").lstrip("*")
    stripped = _UNIT_SUFFIX.sub("", s)
    stripped = _BARE_UNIT.sub("", stripped) or stripped
    return stripped or s


# Amounts in 万元 (10,000 yuan): a money column's header ending in the unit,
# "应收金额(万元)", "实收金额（单位：万元）", or a title row above the header
# saying "单位:万元" / "(万元)". Matched after NFKC with spaces removed.
WAN_YUAN = 10000
_WAN_HEADER = re.compile(r"\((单位:?)?万元?\)$")
_WAN_TITLE = re.compile(r"单位:?万元|\(万元\)")
_ANY_UNIT = re.compile(r"\([^()]*\)$")


def _compact(text: object) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text or "")))


def wan_yuan(label: object) -> bool:
    """Whether a header names the unit 万元: "应收金额(万元)"."""
    return bool(_WAN_HEADER.search(_compact(label)))


def has_unit(label: object) -> bool:
    """Whether a header ends in a unit in brackets ("应收金额(元)")."""
    return bool(_ANY_UNIT.search(_compact(label)))


def wan_yuan_title(text: object) -> bool:
    """Whether a title row says the amounts are in 万元."""
    return bool(_WAN_TITLE.search(_compact(text)))


def _synonym_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for ds in DATASETS.values():
        for f in ds.fields:
            for syn in f.synonyms:
                index.setdefault(normalize_label(syn), set()).add(ds.name)
    return index


SYNONYM_INDEX = _synonym_index()


def is_known_label(text: object) -> bool:
    return normalize_label(text) in SYNONYM_INDEX
