"""Step 3, map columns: header labels -> canonical fields, and the kind of export.

Each field's synonyms are tried in order against the normalised labels; a
column serves one field only. The dataset is the one whose required fields are
all found with the most fields matched; ties go to the dataset whose signature
fields (e.g. a receipt number for payments) are present.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import PipelineError
from .fields import DATASETS, KINDS, SIGNATURE, Dataset, Field, normalize_label

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
    return Mapping(dataset, columns, missing, [f.name for f in ds.fields if f.name in absent])


def _score(ds: Dataset, m: Mapping) -> tuple:
    signature = all(s in m.columns for s in ds.signature)
    required_found = len(ds.required) - len(m.missing)
    return (m.complete, signature, required_found, len(m.columns))


def detect(labels: list[str | None], kind: str | None = None,
           overrides: dict[str, int] | None = None) -> Mapping:
    """The best mapping among the datasets of `kind` (all kinds when None).

    Raises `wrong_kind` when a kind was asked for but another kind fits the file
    and `unknown_kind` when nothing fits; a best but incomplete mapping is
    returned so the caller can name the missing columns: with all kinds, only
    when it has some of the required columns."""
    if kind is not None and kind not in KINDS:
        raise PipelineError("bad_kind", kind=kind, kinds=", ".join(KINDS))
    candidates = KINDS[kind] if kind else list(DATASETS)
    mappings = [map_columns(labels, name, overrides) for name in candidates]
    best = max(mappings, key=lambda m: _score(DATASETS[m.dataset], m))
    if kind and not best.complete:
        others = [map_columns(labels, n) for n in DATASETS if DATASETS[n].kind != kind]
        fitting = [m for m in others if m.complete]
        if fitting:
            found = max(fitting, key=lambda m: _score(DATASETS[m.dataset], m))
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
    if top[2] and scores.count(top) == 1:
        best = mappings[scores.index(top)]
        return PipelineError("unknown_kind_closest", columns=found_columns(labels),
                             closest_dataset=best.dataset, missing_fields=best.missing)
    # Nothing known, or a column every export has (户号): what each one needs.
    return PipelineError("unknown_kind", columns=found_columns(labels),
                         requirements=[(n, [f.name for f in d.required])
                                       for n, d in DATASETS.items()])
