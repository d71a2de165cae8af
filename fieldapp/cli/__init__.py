"""The ``fieldapp`` command. With no subcommand it starts the desktop app.

Exit status: 0 success, 1 refused or failed (with a message), 2 usage error.

Secrets: no option is matched by a prefix of its name (``allow_abbrev=False`` on every parser),
so ``--passphrase S`` is refused instead of being read as ``--passphrase-file S``; and no
message ever shows a value that could be a secret typed in the wrong place: argparse's own
messages name options and choices, never what was given, and a passphrase or password file is
named by its option, never by its path. Every new secret passes the core's one strength rule
(:mod:`fieldapp.vault.passphrase`). Everything printed goes through :mod:`fieldapp.terminal`.

The package: :func:`main` here; ``parser.py`` every command's options and the one table of
lazily imported command modules; ``shared.py`` what the commands share (exit codes, the
parser class, passphrases, ``open_vault``); one module per command group, imported only when
one of its commands runs: ``vault``, ``visit``, ``catalogue`` (and ``assess``), ``referral``,
``sync`` (``enrol`` and ``sync``), ``demo`` (and ``self-check``), ``profile`` (the inspector
profile), ``practice`` (practice cases and their debrief), and the coordinator's ``links``,
``stats``, ``export``, ``retention``. The command
line sits on top of the core (docs/ARCHITECTURE.md section 2); only ``ui/launch.py`` imports
it, for :func:`main`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Sequence

from fieldapp import hygiene, i18n
from fieldapp.cli.parser import Command, build_parser
from fieldapp.cli.shared import (
    EXIT_FAILED,
    EXIT_USAGE,
    Parser,
    UsageError,
    common_options,
)
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.terminal import emit

__all__ = ["build_parser", "main"]


def main(
    argv: Sequence[str] | None = None,
    start_desktop: Callable[[str | None], int] | None = None,
) -> int:
    """The command line. Without a subcommand it calls ``start_desktop`` with the vault path:
    the core never imports the desktop itself; the ``fieldapp`` command (``ui.launch``) passes
    it in. Without one, it says to use a subcommand."""
    hygiene.harden_process()
    _unbreakable_output()
    argv = list(sys.argv[1:] if argv is None else argv)
    _early_language(argv)
    try:
        args = _desktop_args(argv) or build_parser().parse_args(argv)
        if args.lang:
            i18n.set_language(args.lang)
        if args.command is None:
            if start_desktop is None:
                raise UsageError(t("cli.no_desktop", usage=build_parser().format_usage().strip()))
            return start_desktop(args.vault)
        command: Command = args.command_to_run  # set by the parser for every leaf command
        return command.run(args)
    except UsageError as exc:
        emit(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except FieldAppError as exc:
        emit(t("cli.error_prefix", message=exc.message()), file=sys.stderr)
        if exc.hint:
            emit(exc.hint, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        emit(t("cli.cancelled"), file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        # No path or content in the message: strerror only says what kind of failure it was.
        emit(t("cli.os_error", detail=exc.strerror or type(exc).__name__), file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        # A page that fails its MAC while being read surfaces here as a database error.
        if type(exc).__module__.startswith("sqlcipher3"):
            message = FieldAppError("vault.read_failed").message()
        else:
            message = t("cli.internal_error", kind=type(exc).__name__)
        emit(t("cli.error_prefix", message=message), file=sys.stderr)
        if os.environ.get("FIELDAPP_DEBUG"):
            raise
        return EXIT_FAILED


def _unbreakable_output() -> None:
    """A character the console cannot encode (a Windows code page, a lone surrogate from a
    damaged record) is written as an escape instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError, io.UnsupportedOperation):
                reconfigure(errors="backslashreplace")


def _desktop_args(argv: list[str]) -> argparse.Namespace | None:
    """The arguments when only global options were given (the desktop starts): parsed without
    building every subcommand's parser, which is measurable start-up time. None otherwise."""
    if any(arg in ("-h", "--help") for arg in argv):
        return None
    parser = Parser(prog="fieldapp", add_help=False)
    common_options(parser, suppress=False)
    try:
        args, rest = parser.parse_known_args(argv)
    except UsageError:
        return None
    if rest:
        return None
    args.command = None
    return args


def _early_language(argv: list[str]) -> None:
    """Set the language before argparse builds its (translated) help texts."""
    for index, item in enumerate(argv):
        if item == "--lang" and index + 1 < len(argv) and argv[index + 1] in i18n.LANGUAGES:
            i18n.set_language(argv[index + 1])
        elif item.startswith("--lang=") and item[7:] in i18n.LANGUAGES:
            i18n.set_language(item[7:])
