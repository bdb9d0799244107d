"""Problems a report request can have. The edge (page or CLI) turns them into
words in the user's language (i18n keys ``report.error.<code>``)."""
from __future__ import annotations


class ReportError(ValueError):
    """A report that cannot be built as asked, e.g. a malformed week."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")

    def message(self, lang: str = "zh") -> str:
        from i18n import separator, t
        sep = separator(lang)
        params = {k: sep.join(map(str, v)) if isinstance(v, (list, tuple)) else v
                  for k, v in self.params.items()}
        return t(f"report.error.{self.code}", lang, **params)
