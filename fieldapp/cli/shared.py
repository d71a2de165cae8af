"""What every command module shares: exit codes, the parser and its redaction of values, the
global options, passphrases, opening the vault, and a few small helpers.

Cheap to import: ``fieldapp --help`` loads this module and :mod:`fieldapp.cli.parser`, and no
command module. Output goes through :mod:`fieldapp.terminal` (``emit``, ``emit_json``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

from fieldapp import i18n
from fieldapp.errors import FieldAppError, VaultNotFound, VaultRolledBack
from fieldapp.i18n import t
from fieldapp.paths import resolve_vault_dir
from fieldapp.terminal import emit
from fieldapp.vault.layout import vault_exists
from fieldapp.vault.passphrase import require_strong

if TYPE_CHECKING:
    from fieldapp.vault.vault import Vault

PASSPHRASE_ENV = "FIELDAPP_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
NEW_PASSPHRASE_ENV = "FIELDAPP_NEW_PASSPHRASE"  # noqa: S105
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_N = TypeVar("_N")  # a namespace given to parse_args

Handler = Callable[[argparse.Namespace], int]
Commands = Mapping[str, Handler]
"""A command module's ``COMMANDS``: each of its leaf commands by name, and the function that
runs it."""


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors translated and raised (exit status 2), no option taken
    by a prefix of its name, and no value from the command line in any message: a value can be
    a secret typed in the wrong place. Options and choices are named; values are not."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    # argparse's own overloads: the namespace given, or a new one.
    @overload
    def parse_args(
        self, args: Iterable[str] | None = None, namespace: None = None
    ) -> argparse.Namespace: ...
    @overload
    def parse_args(self, args: Iterable[str] | None, namespace: _N) -> _N: ...
    @overload
    def parse_args(self, *, namespace: _N) -> _N: ...
    def parse_args(self, args: Iterable[str] | None = None, namespace: Any = None) -> Any:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {redacted_arguments(extras)}")
        return parsed

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(str, action.choices))
            raise argparse.ArgumentError(action, f"invalid choice (choose from {choices})")

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError:
            kind = getattr(action.type, "__name__", "")
            raise argparse.ArgumentError(action, f"invalid {kind} value") from None

    def error(self, message: str) -> NoReturn:
        detail = redacted_message(message)
        raise UsageError(t("cli.usage_error", detail=detail, usage=self.format_usage().strip()))


# An option name a message may show: a long option of lower-case words, or one short letter.
# Anything else given on the command line (a value, a word in the wrong place) is shown as "…".
_SHOWN_OPTION = re.compile(r"--[a-z]+(?:-[a-z]+)*|-[A-Za-z]")


def redacted_arguments(words: Sequence[str]) -> str:
    """Command-line words as an error message may show them: option names, never values."""
    shown = []
    for word in words:
        name, has_value, _ = word.partition("=")
        if _SHOWN_OPTION.fullmatch(name):
            shown.append(name + ("=…" if has_value else ""))
        else:
            shown.append("…")
    return " ".join(shown)


def redacted_message(message: str) -> str:
    """argparse's messages with any value it quotes taken out (a backstop: ``Parser`` already
    words the common ones without values)."""
    message = re.sub(r"ignored explicit argument .*", "ignored explicit argument", message)
    message = re.sub(r"invalid choice: .*? \(choose from", "invalid choice (choose from", message)
    message = re.sub(
        r"ambiguous option: (\S+)",
        lambda match: "ambiguous option: " + redacted_arguments([match.group(1)]),
        message,
    )
    return re.sub(
        r"unrecognized arguments: (.*)",
        lambda match: "unrecognized arguments: " + redacted_arguments(match.group(1).split()),
        message,
    )


def common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Global options, accepted before or after the subcommand."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument(
        "--vault", metavar="PATH", help=t("cli.help.vault_path"), **(default or {"default": None})
    )
    parser.add_argument(
        "--passphrase-file",
        metavar="F",
        help=t("cli.help.passphrase_file"),
        **(default or {"default": None}),
    )
    parser.add_argument(
        "--lang", choices=i18n.LANGUAGES, help=t("cli.help.lang"), **(default or {"default": None})
    )
    parser.add_argument(
        "--accept-older",
        action="store_true",
        help=t("cli.help.accept_older"),
        **(default or {"default": False}),
    )


# -- passphrases -------------------------------------------------------------------------


def read_passphrase(args: argparse.Namespace, *, prompt_key: str = "cli.prompt.passphrase") -> str:
    """From ``--passphrase-file``, else ``FIELDAPP_PASSPHRASE`` (for automation), else a prompt."""
    if args.passphrase_file:
        return passphrase_from_file(args.passphrase_file, "--passphrase-file")
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    return _prompt(prompt_key)


def read_new_passphrase(
    args: argparse.Namespace, file_option: str | None, user_inputs: Sequence[str] = ()
) -> str:
    """A new vault passphrase (``--new-passphrase-file``, ``FIELDAPP_NEW_PASSPHRASE`` or typed
    twice), judged by the core's one rule; ``user_inputs`` are the inspector's own words."""
    if file_option:
        passphrase = passphrase_from_file(file_option, "--new-passphrase-file")
        return require_strong(passphrase, user_inputs=user_inputs)
    if os.environ.get(NEW_PASSPHRASE_ENV):
        return require_strong(os.environ[NEW_PASSPHRASE_ENV], user_inputs=user_inputs)
    passphrase = _prompt("cli.prompt.new_passphrase")
    repeat = _prompt("cli.prompt.repeat_passphrase")
    return require_strong(passphrase, repeat, user_inputs=user_inputs)


def passphrase_from_file(name: str, option: str) -> str:
    """The first line of a secret's file. A message names the option, never the file: by
    mistake, people type the secret itself where its file name belongs."""
    try:
        with open(name, encoding="utf-8") as handle:
            line = handle.readline(4096)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FieldAppError("cli.secret_file_unreadable", option=option) from exc
    passphrase = line.rstrip("\r\n")
    if not passphrase:
        raise FieldAppError("cli.secret_file_empty", option=option)
    return passphrase


def _prompt(key: str) -> str:
    if not sys.stdin.isatty():
        raise FieldAppError("cli.no_passphrase")
    return getpass.getpass(t(key) + " ")


# -- the vault ---------------------------------------------------------------------------


def vault_dir(args: argparse.Namespace) -> Path:
    return resolve_vault_dir(args.vault)


def open_vault(args: argparse.Namespace, passphrase: str | None = None) -> Vault:
    """The vault of ``--vault`` (or the default), unlocked with the given passphrase or the
    one :func:`read_passphrase` finds; its notices are said on stderr."""
    from fieldapp.vault.vault import Vault  # noqa: PLC0415 - keep start-up light: SQLCipher, Argon2

    folder = vault_dir(args)
    if not vault_exists(folder):
        raise VaultNotFound(path=str(folder))
    try:
        vault = Vault.unlock(
            folder,
            passphrase if passphrase is not None else read_passphrase(args),
            accept_older=bool(getattr(args, "accept_older", False)),
        )
    except VaultRolledBack as exc:
        # Say how to confirm a deliberate restore, after the message itself (main prints it).
        exc.hint = t("vault.rolled_back.cli_hint")
        raise
    # What the user should hear although the vault opened (a full disk, a confirmed older
    # state): on stderr, so output meant for scripts stays clean.
    for notice in vault.notices:
        emit(t("cli.warning_prefix", message=notice.message()), file=sys.stderr)
    return vault


def write_recovery_key(vault: Vault, target: Path) -> None:
    """A coordinator's recovery key (``vault init --recovery-key-out``, ``enrol recovery-key``)."""
    from fieldapp.sync import keys  # noqa: PLC0415 - keep start-up light: the age keys load here

    keys.write_recovery_key(vault, target)
    emit(t("sync.cli.recovery_key_written", path=str(target)))


# -- small helpers -----------------------------------------------------------------------


def new_file(name: str) -> Path:
    """A file to write that does not exist yet (checked before the vault is opened)."""
    target = Path(name)
    if target.exists():
        raise FieldAppError("cli.file_exists", path=str(target))
    return target


def existing_folder(name: str) -> Path:
    """A folder to write into, which must exist (checked before the vault is opened)."""
    target = Path(name)
    if not target.is_dir():
        raise FieldAppError("sync.export.no_folder", path=str(target))
    return target


def short_id(record_uuid: str) -> str:
    """The random end of a time-ordered id; `visit show` accepts it."""
    return record_uuid[-8:]
