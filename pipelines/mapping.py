"""Step 3, map columns: header labels -> canonical fields, and the kind of export.

Each field's synonyms are tried in order against the normalised labels; a
column serves one field only. The dataset is the one whose required fields are
all found with the most fields matched; ties go to the dataset whose signature
fields (e.g. a receipt number for payments) are present.

A roster's columns (户号, 分公司, 供热站, 面积) often stand beside a bill's, a
reading's or a ticket's: a file is a roster only when no other export's
required columns are all in it and it has none of the columns that belong to
one other kind only (`DECISIVE`). When two kinds fit equally, the kind is
unclear and the user chooses it (`kind_unclear`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import PipelineError
from .fields import (DATASETS, ID, KINDS, NUMBER, SEASON, SIGNATURE, TIMESTAMP, Dataset, Field,
                     normalize_label)

ROSTER = "households"
# Columns that belong to one kind of export only: a file holding one is not a
# roster with extra columns (a bills ledger with 分公司, 供热站 and 面积 beside
# each bill is bills).
DECISIVE: dict[str, tuple[str, ...]] = {
    "temperature_readings": ("measured_at", "indoor_c"),
    "tickets": ("ticket_no", "received_at"),
    "fee_bills": ("amount_due",),
    "fee_payments": ("receipt_no", "amount"),
}

# An override meaning "the file has no such column" (the mapping form's
# 文件中没有这一列), allowed only for fields where absence has a meaning.
ABSENT = -1


def may_be_absent(f: Field) -> bool:
    """Whether a required field may be declared absent from a file. Only the
    resident's signature: without it every reading is unsigned, hence invalid
    (service rules art. 11(7)) but still loaded and counted as unsigned. Key and
    measured fields (household, time, temperature, ticket number, ...) may not:
    a row without them means nothing."""
    return f.type == SIGNATURE


@dataclass
class Mapping:
    dataset: str
    columns: dict[str, int]                   # field -> column index (c<i>)
    missing: list[str] = field(default_factory=list)  # required fields not found
    absent: list[str] = field(default_factory=list)   # declared not in the file (ABSENT)
    # The file's labels, normalised (one per column), as mapped.
    labels: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def kind(self) -> str:
        return DATASETS[self.dataset].kind


def map_columns(labels: list[str | None], dataset: str,
                overrides: dict[str, int] | None = None) -> Mapping:
    """Map `labels` onto `dataset`'s fields; `overrides` (field -> column index)
    come from the user's mapping form and win over synonyms."""
    ds = DATASETS[dataset]
    normal = [normalize_label(x) if x else "" for x in labels]
    columns: dict[str, int] = {}
    taken: set[int] = set()
    absent: list[str] = []
    for name, index in (overrides or {}).items():
        if name in ds.columns and 0 <= index < len(labels) and index not in taken:
            columns[name] = index
            taken.add(index)
        elif index == ABSENT and name in ds.columns and may_be_absent(ds.field(name)):
            absent.append(name)
    for f in ds.fields:
        if f.name in columns or f.name in absent:
            continue
        for syn in f.synonyms:
            wanted = normalize_label(syn)
            index = next((i for i, x in enumerate(normal) if x == wanted and i not in taken), None)
            if index is not None:
                columns[f.name] = index
                taken.add(index)
                break
    missing = [f.name for f in ds.required if f.name not in columns and f.name not in absent]
    return Mapping(dataset, columns, missing, [f.name for f in ds.fields if f.name in absent],
                   tuple(normal))


def decisive(m: Mapping) -> list[str]:
    """The columns of `m` found that belong to its kind only (`DECISIVE`),
    by a name only that kind's exports use: 工单编号 and 受理时间, not 单号 or
    登记时间, which a roster may have for itself."""
    return [f for f in DECISIVE.get(m.dataset, ()) if f in m.columns
            and (not m.labels or m.labels[m.columns[f]] not in _GENERIC)]


# Names of DECISIVE fields that other exports use for their own columns too.
_GENERIC = frozenset(normalize_label(x) for x in (
    "单号", "流水号", "交易流水号", "申请时间", "登记时间", "接单时间", "反映时间", "time", "室内",
    "indoor", "应收", "实收", "amount"))


class _Score(NamedTuple):
    """How well a mapping fits, compared field by field in this order."""
    complete: bool
    decisive: bool          # has a column only its kind's exports have
    signature: bool
    required_found: int
    columns: int


def _score(ds: Dataset, m: Mapping) -> _Score:
    signature = all(s in m.columns for s in ds.signature)
    required_found = len(ds.required) - len(m.missing)
    return _Score(m.complete, bool(decisive(m)), signature, required_found, len(m.columns))


def _best(mappings: list[Mapping]) -> Mapping:
    return max(mappings, key=lambda m: _score(DATASETS[m.dataset], m))


def _kind_of_file(labels: list[str | None], mappings: list[Mapping]) -> Mapping:
    """Among the mappings of every dataset, the one the file is (no kind
    asked). Another kind whose required columns are all found wins over the
    roster; two such kinds, or a complete roster beside columns of one other
    kind only, leave the kind unclear (`kind_unclear`)."""
    others = [m for m in mappings if m.kind != ROSTER]
    fitting = [m for m in others if m.complete]
    kinds = list(dict.fromkeys(m.kind for m in fitting))
    if len(kinds) > 1:
        raise kind_unclear(labels, kinds, mappings)
    if fitting:
        return _best(fitting)
    roster = next((m for m in mappings if m.kind == ROSTER), None)
    if roster is not None and roster.complete:
        hinted = list(dict.fromkeys(m.kind for m in others if decisive(m)))
        if hinted:
            raise kind_unclear(labels, [ROSTER, *hinted], mappings)
        return roster
    return _best(mappings)


def kind_unclear(labels: list[str | None], kinds: list[str],
                 mappings: list[Mapping]) -> PipelineError:
    """The file fits more than one kind of export (`kinds`, the roster first
    when it is one): the user chooses. The message names the first two kinds
    with the file's columns that point to each; for a roster and another
    kind, that kind's required columns the file lacks."""
    def best(kind: str) -> Mapping:
        return _best([m for m in mappings if m.kind == kind])

    def pointing(m: Mapping) -> list[str]:
        return [str(labels[m.columns[f]]) for f in decisive(m)]

    first, second = kinds[0], kinds[1]
    if first == ROSTER:
        other = best(second)
        return PipelineError("kind_unclear_roster", other_kind=second, other_option=second,
                             hint_columns=pointing(other), missing_fields=other.missing)
    return PipelineError("kind_unclear", first_kind=first, second_kind=second,
                         first_option=first, second_option=second,
                         first_columns=pointing(best(first)),
                         second_columns=pointing(best(second)))


def detect(labels: list[str | None], kind: str | None = None,
           overrides: dict[str, int] | None = None) -> Mapping:
    """The best mapping among the datasets of `kind` (all kinds when None).

    Raises `wrong_kind` when a kind was asked for but another kind fits the file,
    `kind_unclear` when no kind was asked for and the file fits two, and
    `unknown_kind` when nothing fits; a best but incomplete mapping is
    returned so the caller can name the missing columns: with all kinds, only
    when it has some of the required columns."""
    if kind is not None and kind not in KINDS:
        raise PipelineError("bad_kind", kind=kind, kinds=", ".join(KINDS))
    candidates = KINDS[kind] if kind else list(DATASETS)
    mappings = [map_columns(labels, name, overrides) for name in candidates]
    best = _best(mappings) if kind else _kind_of_file(labels, mappings)
    if kind and not best.complete:
        # A roster's columns beside columns of the kind asked for only
        # (应收金额 for fees): that kind lacking some columns, not a roster.
        others = [map_columns(labels, n) for n in DATASETS if DATASETS[n].kind != kind]
        fitting = [m for m in others if m.complete and not (m.kind == ROSTER and decisive(best))]
        if fitting:
            found = _best(fitting)
            raise PipelineError("wrong_kind", asked_kind=kind, found_kind=found.kind)
    if not best.columns or (not best.complete and len(best.columns) < 2):
        raise unknown_kind(labels)
    if kind is None and not best.complete and \
            len(best.missing) == len(DATASETS[best.dataset].required):
        # Not one column any export needs (姓名, 电话, 金额: a roster's name and
        # phone, but no household): no export, rather than a roster whose 户号
        # a form would let be mapped to 姓名. Its columns are mapped only to a
        # kind the user picked.
        raise unknown_kind(labels)
    return best


def _other_kinds_labels() -> dict[str, list[str]]:
    """Normalised header label -> the kinds other than the roster with a
    field of that name the roster has no field for: an ID, time, number,
    season or signature (工单编号, 测温时间, 应收金额, 供暖季, 用户签字); not free
    text or a choice (备注, 类别), which a roster may hold for itself."""
    roster = set(DATASETS[ROSTER].columns)
    index: dict[str, list[str]] = {}
    for ds in DATASETS.values():
        if ds.kind == ROSTER:
            continue
        for f in ds.fields:
            if f.name in roster or f.type not in (ID, TIMESTAMP, NUMBER, SEASON, SIGNATURE):
                continue
            for syn in f.synonyms:
                kinds = index.setdefault(normalize_label(syn), [])
                if ds.kind not in kinds:
                    kinds.append(ds.kind)
    return index


_OTHER_KINDS = _other_kinds_labels()
# Normalised label -> the kind whose own column it names (DECISIVE, by a name
# no other export uses).
_DECISIVE_LABELS = {normalize_label(syn): DATASETS[name].kind
                    for name, fields in DECISIVE.items() for f in fields
                    for syn in DATASETS[name].field(f).synonyms
                    if normalize_label(syn) not in _GENERIC}


def ignored_columns(labels: list[str | None], m: Mapping) -> tuple[list[str], list[str]]:
    """For a roster mapping: the file's columns it leaves unmapped that name
    a field of another kind of export only (供暖季, 应收金额 of a bills
    ledger loaded as a roster), and the kind they point to: only when one
    of them is that kind's own (DECISIVE: 应收金额, not 供暖季 or 单价, which a
    roster may carry for itself); the first such kind."""
    if m.kind != ROSTER:
        return [], []
    taken = set(m.columns.values())
    columns, kinds = [], []
    for i, label in enumerate(labels):
        if not label or i in taken:
            continue
        if _OTHER_KINDS.get(normalize_label(label)):
            columns.append(str(label))
        kind = _DECISIVE_LABELS.get(normalize_label(label))
        if kind and kind not in kinds:
            kinds.append(kind)
    return (columns, kinds[:1]) if kinds else ([], [])


# Every name a field of some export is known by: a reading's 小区 or 楼号 is
# the roster's, read from the roster, not news the loader drops.
_KNOWN = frozenset(normalize_label(syn) for ds in DATASETS.values() for f in ds.fields
                   for syn in f.synonyms)
# Columns that hold no data of their own: a row's place in the file.
_NO_DATA = frozenset(normalize_label(x) for x in ("序号", "行号", "序", "no", "no.", "#"))


def _synonyms(dataset: str) -> frozenset[str]:
    return frozenset(normalize_label(syn) for f in DATASETS[dataset].fields for syn in f.synonyms)


def unknown_columns(labels: list[str | None], m: Mapping) -> list[str]:
    """The file's columns `m` leaves unmapped whose name no field of any
    export is known by (票据状态, 当日气象温度): not loaded, so the load names them,
    rather than count a voided receipt or leave a cold day's reading
    unexempted without a word. Blank headers and row numbers (序号) are not
    named. (A bare 状态 the export does not read is said by its values:
    pipelines.load.status_marks.)"""
    taken = set(m.columns.values())
    return [str(label) for i, label in enumerate(labels)
            if label and i not in taken and normalize_label(label) not in _KNOWN
            and normalize_label(label) not in _NO_DATA]


def also_named(labels: list[str | None], m: Mapping, used: Iterable[int] = ()
               ) -> dict[str, list[int]]:
    """Per field `m` reads, the file's other columns named as that field and
    read as nothing (答复内容 beside 处理情况, both the result; 业务类型 beside
    工单类型): the first name found won, the rest was dropped without a word,
    an answer or a phone number with it. `used`: columns read otherwise (a
    time's date column)."""
    taken = set(m.columns.values()) | set(used)
    out = {}
    for f in DATASETS[m.dataset].fields:
        if f.name not in m.columns:
            continue
        names = {normalize_label(s) for s in f.synonyms}
        others = [i for i, label in enumerate(labels)
                  if label and i not in taken and normalize_label(label) in names]
        if others:
            out[f.name] = others
    return out


def status_column(labels: list[str | None], m: Mapping) -> int | None:
    """The file's column headed 状态 (or 票据状态, 交易类型 …) when this export
    does not read it (the roster's heating status is known by that word; a
    payments file's marks voided or refunded receipts, a tickets file's
    withdrawn tickets)."""
    names = _STATUS_NAMES - _synonyms(m.dataset)
    taken = set(m.columns.values())
    return next((i for i, label in enumerate(labels)
                 if label and i not in taken and normalize_label(label) in names), None)


_STATUS = "状态"
# A column saying what became of a row: voided, reversed, refunded, withdrawn.
_STATUS_NAMES = frozenset(normalize_label(x) for x in (
    _STATUS, "票据状态", "收据状态", "单据状态", "交易状态", "收费状态", "缴费状态", "工单状态",
    "交易类型", "收费类型", "业务类型"))
# A bills ledger (收费台账) often carries what was paid beside what is due.
# Payments are records of their own (a receipt each): from a ledger only the
# bills load, so its payment columns are named.
_PAYMENT_ONLY = _synonyms("fee_payments") - _synonyms("fee_bills")


def payment_columns(labels: list[str | None], m: Mapping) -> list[int]:
    """For a bills mapping: the file's unmapped columns that only a payments
    export has (实收金额, 缴费日期, 收据号)."""
    if m.dataset != "fee_bills":
        return []
    taken = set(m.columns.values())
    return [i for i, label in enumerate(labels)
            if label and i not in taken and normalize_label(label) in _PAYMENT_ONLY]


def found_columns(labels: list[str | None]) -> list[str]:
    """The non-empty header labels, for messages."""
    return [str(x) for x in labels if x]


def unknown_kind(labels: list[str | None]) -> PipelineError:
    """No export fits these header labels. When some label is known (户号 of
    户号,温度,时间), the message names the export it comes closest to and the
    required columns that one lacks, rather than "no household ID found"."""
    mappings = [map_columns(labels, name) for name in DATASETS]
    scores = [_score(DATASETS[m.dataset], m) for m in mappings]
    top = max(scores)
    if top.required_found and scores.count(top) == 1:
        best = mappings[scores.index(top)]
        return PipelineError("unknown_kind_closest", columns=found_columns(labels),
                             closest_dataset=best.dataset, missing_fields=best.missing)
    # Nothing known, or a column every export has (户号): what each one needs.
    return PipelineError("unknown_kind", columns=found_columns(labels),
                         requirements=[(n, [f.name for f in d.required])
                                       for n, d in DATASETS.items()])
