"""Domain exceptions of the KPI layer. The edge (page or CLI) turns them into
words in the user's language through i18n (keys ``metrics.error.<code>``)."""
from __future__ import annotations


class MetricError(ValueError):
    """A request the KPI layer cannot answer, e.g. a filter a KPI has no column for."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")

    def message(self, lang: str = "zh") -> str:
        from i18n import t
        params = {k: _text(v, lang) for k, v in self.params.items()}
        return t(f"metrics.error.{self.code}", lang, **params)


def _text(value, lang: str) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        from i18n import join
        return join(value, lang)
    return str(value)
