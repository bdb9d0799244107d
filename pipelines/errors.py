"""Domain exceptions. Each carries a message code and its parameters; the edge
(CLI or page) turns it into words in the user's language via i18n."""
from __future__ import annotations


class PipelineError(Exception):
    """A problem with the user's input or the warehouse that the user can act on."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")

    def message(self, lang: str = "zh") -> str:
        from i18n import column_label, separator, t
        sep = separator(lang)
        params = {}
        for k, v in self.params.items():
            if k == "requirements":
                # [(dataset, [field, ...]), ...]: each export and the columns it needs.
                v = (";" if lang == "zh" else "; ").join(
                    f"{t(f'dataset.{d}', lang)}{':' if lang == 'zh' else ': '}"
                    + sep.join(t(f"field.{f}", lang) for f in fields) for d, fields in v)
            elif k == "missing_fields":
                # Columns to find in a Chinese file: named as it heads them too.
                v = sep.join(column_label(x, lang) for x in v) or "-"
            elif isinstance(v, (list, tuple)):
                # *_fields hold canonical field names, shown by their labels.
                v = sep.join(t(f"field.{x}", lang) if k.endswith("_fields") else str(x)
                             for x in v) or "-"
            elif k.endswith("_kind"):
                v = t(f"kind.{v}", lang)
            elif k.endswith("_dataset"):
                v = t(f"dataset.{v}", lang)
            params[k] = v
        return t(f"error.{self.code}", lang, **params)

    def unsaid_detail(self, lang: str = "zh") -> str | None:
        """The technical detail the message leaves out (a damaged file's reader
        error, often English), for whoever looks into it; None when there is
        none or the message already says it."""
        detail = self.params.get("detail")
        if not detail or str(detail) in self.message(lang):
            return None
        return str(detail)
