"""The one translation table: every label and message, in Chinese and English.

Keys live in the TOML files of this folder (messages.toml for data and
errors, ui.toml for the interface) as `[key]` tables with `zh` and `en`
strings (`{name}` placeholders are filled by `t`). One key, one place: a key
defined in two files is an error. Chinese is the default language.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, str]]:
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict, source: str) -> None:
        if "zh" in node and isinstance(node["zh"], str):
            if prefix in flat:
                raise ValueError(f"translation key {prefix} defined twice ({source})")
            flat[prefix] = node
            return
        for k, v in node.items():
            walk(f"{prefix}.{k}" if prefix else k, v, source)

    for file in sorted(Path(__file__).parent.glob("*.toml")):
        with file.open("rb") as fh:
            walk("", tomllib.load(fh), file.name)
    return flat


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    """The text for `key` in `lang`; a missing key shows itself so tests catch it."""
    entry = table().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format_map(_Safe(params)) if params else text


def has(key: str) -> bool:
    return key in table()


def separator(lang: str = DEFAULT_LANG) -> str:
    """Between the items of a list in running text: 甲、乙 / a, b."""
    return "、" if lang == "zh" else ", "


def join(items, lang: str = DEFAULT_LANG) -> str:
    """A list in running text: 甲、乙 / a, b."""
    return separator(lang).join(str(x) for x in items)


def column_label(field: str, lang: str = DEFAULT_LANG) -> str:
    """A field named as a column to look for in a file: in English with the
    Chinese header too, Household ID (户号), as the exports are in Chinese
    whatever language the reader speaks."""
    label = t(f"field.{field}", lang)
    zh = t(f"field.{field}", "zh")
    return label if lang == "zh" or zh == label else f"{label} ({zh})"
