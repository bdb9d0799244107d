"""Command lines in the user's language: the language asked for (`--lang`),
known before the arguments are parsed, and argparse's own messages, which are
English whatever the language, said in it.

Each command has its words under a prefix of the translation table
(`report.cli`, `metrics.cli`): required, unrecognized, bad_choice,
needs_value, bad_value, usage_error, and no_command / unknown_command for its
sub-command.
"""
from __future__ import annotations

import argparse
import os
import re
import sys

from . import DEFAULT_LANG, LANGS, separator, t


def lang_of(argv: list[str]) -> str:
    """The message language, known before parsing (argparse errors need it too)."""
    for arg, following in zip(argv, argv[1:] + [""]):
        value = arg.removeprefix("--lang=") if arg.startswith("--lang=") else \
            following if arg == "--lang" else None
        if value in LANGS:
            return value
    return DEFAULT_LANG


# argparse's messages a user meets; anything else keeps argparse's text.
_ARGPARSE = (
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)"), "unrecognized"),
    (re.compile(r"argument (?P<option>\S+?): invalid choice: (?P<value>'[^']*') "
                r"\(choose from (?P<choices>.+)\)"), "bad_choice"),
    (re.compile(r"argument (?P<option>\S+?): expected one argument"), "needs_value"),
    # a value its type refused, with the type's own words (already the user's)
    (re.compile(r"argument (?P<option>\S+?): (?P<detail>.+)"), "bad_value"),
)


def usage_message(message: str, lang: str, prefix: str) -> str:
    """argparse's error `message` as the user reads it, in the words under
    `prefix`."""
    sep = separator(lang)
    for pattern, key in _ARGPARSE:
        m = pattern.fullmatch(message.strip())
        if not m:
            continue
        params = m.groupdict()
        if key == "required" and params["names"] == "command":
            return t(f"{prefix}.no_command", lang)
        if key == "bad_choice" and params["option"] == "command":
            return t(f"{prefix}.unknown_command", lang, command=params["value"].strip("'"))
        for name in ("names", "choices"):
            if name in params:
                params[name] = sep.join(x.strip().strip("'")
                                        for x in params[name].split(","))
        if "option" in params:
            params["option"] = params["option"].split("/")[-1]
        if "value" in params:
            params["value"] = params["value"].strip("'")
        return t(f"{prefix}.{key}", lang, **params)
    return t(f"{prefix}.usage_error", lang, detail=message)


def parser_class(lang: str, prefix: str) -> type[argparse.ArgumentParser]:
    """An ArgumentParser whose usage errors are said in `lang` (usage_message
    under `prefix`), after the usage line; exit code 2, as argparse's."""
    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):
            super().add_usage(usage, actions, groups,
                              t("cli.usage", lang) if prefix is None else prefix)

    class Parser(argparse.ArgumentParser):
        # argparse's own words in the help (usage:, options:, -h's help)
        # are English whatever the language: said in it.
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("formatter_class", Formatter)
            add_help = kwargs.pop("add_help", True)
            super().__init__(*args, add_help=False, **kwargs)
            self._positionals.title = t("cli.positionals", lang)
            self._optionals.title = t("cli.options", lang)
            if add_help:
                self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                                  help=t("cli.help", lang))

        def error(self, message: str):
            self.print_usage(sys.stderr)
            print(usage_message(message, lang, prefix), file=sys.stderr)
            raise SystemExit(2)
    return Parser


def exit_with(main) -> None:
    """`sys.exit(main())`, but quiet when the reader of the output stops early
    (`... --json | head`): no traceback for the closed pipe, exit status 1."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit and would print a second
        # error; point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    sys.exit(code)
