import sys


def _command(args: list[str]) -> str | None:
    """The subcommand: the first argument that is not --lang or its value."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] == "--lang" else 1
    return args[i] if i < len(args) else None


if _command(sys.argv[1:]) in ("load", "demo"):
    # The Excel reader's server imports the reader while this process imports
    # the rest: the first file is read about 0.2 s sooner.
    from .reader_server import start_reader_server
    start_reader_server()

from i18n.cli import exit_with  # noqa: E402

from .cli import main  # noqa: E402

exit_with(main)
