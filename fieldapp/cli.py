"""The ``fieldapp`` command. With no subcommand it starts the desktop app.

Exit status: 0 success, 1 refused or failed (with a message), 2 usage error.

Secrets: no option is matched by a prefix of its name (``allow_abbrev=False`` on every parser),
so ``--passphrase S`` is refused instead of being read as ``--passphrase-file S``; and no
message ever shows a value that could be a secret typed in the wrong place: argparse's own
messages name options and choices, never what was given, and a passphrase or password file is
named by its option, never by its path. Every new secret passes the core's one strength rule
(:mod:`fieldapp.vault.passphrase`). Everything printed goes through :mod:`fieldapp.terminal`.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import io
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

from fieldapp import i18n
from fieldapp.agencies import agency_name
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.localtime import date_text, datetime_text
from fieldapp.paths import resolve_vault_dir
from fieldapp.terminal import clean, emit, emit_json, emit_json_text
from fieldapp.vault.passphrase import MIN_PDF_PASSWORD_LENGTH, guessable_words, require_strong

PASSPHRASE_ENV = "FIELDAPP_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
NEW_PASSPHRASE_ENV = "FIELDAPP_NEW_PASSPHRASE"  # noqa: S105
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors translated and raised (exit status 2), no option taken
    by a prefix of its name, and no value from the command line in any message: a value can be
    a secret typed in the wrong place. Options and choices are named; values are not."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
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


def build_parser() -> Parser:
    parser = Parser(prog="fieldapp", description=t("cli.description"))
    _common_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    vault = commands.add_parser("vault", help=t("cli.help.vault")).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    init = _leaf(vault, "init", t("cli.help.vault_init"), cmd_vault_init)
    init.add_argument("--role", choices=("field", "coordinator"), required=True)
    init.add_argument("--recovery-key-out", metavar="F", help=t("sync.cli.help.recovery_key_out"))
    _leaf(vault, "check", t("cli.help.vault_check"), cmd_vault_check, json_flag=True)
    passwd = _leaf(vault, "passwd", t("cli.help.vault_passwd"), cmd_vault_passwd)
    passwd.add_argument("--new-passphrase-file", metavar="F", help=t("cli.help.new_passphrase"))
    _leaf(vault, "rekey", t("cli.help.vault_rekey"), cmd_vault_rekey)
    backup = _leaf(vault, "backup", t("cli.help.vault_backup"), cmd_vault_backup)
    backup.add_argument("--out", required=True, metavar="FILE")
    restore = _leaf(vault, "restore", t("cli.help.vault_restore"), cmd_vault_restore)
    restore.add_argument("file", metavar="FILE")

    visit = commands.add_parser("visit", help=t("cli.help.visit")).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    add = _leaf(visit, "add", t("cli.help.visit_add"), cmd_visit_add)
    add.add_argument("--json", dest="json_file", required=True, metavar="FILE|-")
    listing = _leaf(visit, "list", t("cli.help.visit_list"), cmd_visit_list, json_flag=True)
    listing.add_argument("--search", metavar="TEXT")
    listing.add_argument("--limit", type=int, default=50)
    show = _leaf(visit, "show", t("cli.help.visit_show"), cmd_visit_show, json_flag=True)
    show.add_argument("id", metavar="ID")

    catalogue = commands.add_parser("catalogue", help=t("cli.help.catalogue")).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    cat_list = _leaf(
        catalogue, "list", t("cli.help.catalogue_list"), cmd_catalogue_list, json_flag=True
    )
    cat_list.add_argument("--form", choices=("labour", "sexual", "criminal", "organ_removal"))
    cat_list.add_argument("--search", metavar="TEXT")
    cat_list.add_argument("--version", dest="catalogue_version", metavar="V")
    cat_show = _leaf(
        catalogue, "show", t("cli.help.catalogue_show"), cmd_catalogue_show, json_flag=True
    )
    cat_show.add_argument("id", metavar="ID")
    cat_show.add_argument("--version", dest="catalogue_version", metavar="V")

    assess = _leaf(commands, "assess", t("cli.help.assess"), cmd_assess)
    assess.add_argument("--visit", metavar="ID")
    assess.add_argument("--person", metavar="REF")
    assess.add_argument("--text", action="store_true", help=t("cli.help.assess_text"))

    referral = commands.add_parser("referral", help=t("cli.help.referral")).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    make = _leaf(referral, "make", t("cli.help.referral_make"), cmd_referral_make, json_flag=True)
    make.add_argument("--visit", required=True, metavar="ID")
    make.add_argument("--person", metavar="REF")
    make.add_argument(
        "--to",
        required=True,
        dest="recipient",
        choices=("police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous"),
    )
    make.add_argument("--out", metavar="FILE")
    protection = make.add_mutually_exclusive_group()
    protection.add_argument("--password-file", metavar="F")
    protection.add_argument("--no-encrypt", action="store_true")
    _leaf(referral, "list", t("cli.help.referral_list"), cmd_referral_list, json_flag=True)
    export = _leaf(referral, "export", t("cli.help.referral_export"), cmd_referral_export)
    export.add_argument("id", metavar="ID")
    export.add_argument("--out", required=True, metavar="FILE")
    export_protection = export.add_mutually_exclusive_group()
    export_protection.add_argument("--password-file", metavar="F")
    export_protection.add_argument("--no-encrypt", action="store_true")

    _sync_commands(commands)
    from fieldapp.coordinator.commands import register  # noqa: PLC0415

    register(commands, _leaf, Parser)
    demo = _leaf(commands, "demo", t("cli.help.demo"), cmd_demo)
    demo.add_argument("--visits", type=int, default=50, metavar="N")
    demo.add_argument("--seed", type=int, default=2026)
    _leaf(commands, "self-check", t("cli.help.self_check"), cmd_self_check)
    return parser


def _common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
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


def _leaf(
    group: Any,
    name: str,
    help_text: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    json_flag: bool = False,
) -> Parser:
    parser: Parser = group.add_parser(name, help=help_text, description=help_text)
    _common_options(parser, suppress=True)
    if json_flag:
        parser.add_argument("--json", action="store_true", help=t("cli.help.json"))
    parser.set_defaults(handler=handler)
    return parser


# -- passphrases -------------------------------------------------------------------------


def read_passphrase(args: argparse.Namespace, *, prompt_key: str = "cli.prompt.passphrase") -> str:
    """From ``--passphrase-file``, else ``FIELDAPP_PASSPHRASE`` (for automation), else a prompt."""
    if args.passphrase_file:
        return _passphrase_from_file(args.passphrase_file, "--passphrase-file")
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
        passphrase = _passphrase_from_file(file_option, "--new-passphrase-file")
        return require_strong(passphrase, user_inputs=user_inputs)
    if os.environ.get(NEW_PASSPHRASE_ENV):
        return require_strong(os.environ[NEW_PASSPHRASE_ENV], user_inputs=user_inputs)
    passphrase = _prompt("cli.prompt.new_passphrase")
    repeat = _prompt("cli.prompt.repeat_passphrase")
    return require_strong(passphrase, repeat, user_inputs=user_inputs)


def _passphrase_from_file(name: str, option: str) -> str:
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


# -- commands ----------------------------------------------------------------------------


def _vault_dir(args: argparse.Namespace) -> Path:
    return resolve_vault_dir(args.vault)


def open_vault(args: argparse.Namespace, passphrase: str | None = None) -> Any:
    from fieldapp.errors import VaultNotFound, VaultRolledBack  # noqa: PLC0415 - fast --help
    from fieldapp.vault import Vault  # noqa: PLC0415
    from fieldapp.vault.vault import vault_exists  # noqa: PLC0415

    folder = _vault_dir(args)
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


def cmd_vault_init(args: argparse.Namespace) -> int:
    from fieldapp.domain import Role  # noqa: PLC0415
    from fieldapp.errors import VaultExists  # noqa: PLC0415
    from fieldapp.vault import Vault  # noqa: PLC0415
    from fieldapp.vault.vault import vault_exists  # noqa: PLC0415

    folder = _vault_dir(args)
    if vault_exists(folder):
        raise VaultExists(path=str(folder))
    recovery_out = _recovery_key_target(args)
    if args.passphrase_file or os.environ.get(PASSPHRASE_ENV):
        passphrase = require_strong(read_passphrase(args))
    else:
        passphrase = read_new_passphrase(args, None)
    with Vault.create(folder, passphrase, Role(args.role)) as vault:
        emit(
            t(
                "cli.vault_created",
                path=str(folder),
                role=vault.info.role.value,
                vault_id=vault.info.vault_id,
                device_id=vault.info.device_id,
            )
        )
        _init_coordinator_keys(vault, recovery_out)
    emit(t("cli.passphrase_warning"))
    return EXIT_OK


def cmd_vault_check(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        report = vault.check()
    if args.json:
        emit_json({"ok": report.ok, "checks": report.results})
    else:
        for name, detail in report.results.items():
            status = t("cli.check.ok") if detail is None else t("cli.check.failed", detail=detail)
            emit(f"{name:24} {status}")
        emit(t("cli.check.summary_ok") if report.ok else t("cli.check.summary_failed"))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_vault_passwd(args: argparse.Namespace) -> int:
    from fieldapp.store.store import Store  # noqa: PLC0415

    current = read_passphrase(args)
    with open_vault(args, current) as vault:
        profile = Store(vault).setting("profile", {}) or {}
        words = guessable_words(
            str(profile.get(name) or "") for name in ("name", "employee_number", "region")
        )
        new = read_new_passphrase(args, args.new_passphrase_file, words)
        vault.change_passphrase(current, new)
    emit(t("cli.passphrase_changed"))
    return EXIT_OK


def cmd_vault_rekey(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args)
    with open_vault(args, passphrase) as vault:
        vault.rekey(passphrase)
    emit(t("cli.rekeyed"))
    return EXIT_OK


def cmd_vault_backup(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists():
        raise FieldAppError("cli.file_exists", path=str(out))
    with open_vault(args) as vault:
        vault.backup(out)
    emit(t("cli.backup_written", path=str(out)))
    return EXIT_OK


def cmd_vault_restore(args: argparse.Namespace) -> int:
    from fieldapp.vault import Vault  # noqa: PLC0415

    folder = _vault_dir(args)
    with Vault.restore(Path(args.file), folder, read_passphrase(args)) as vault:
        emit(t("cli.restored", path=str(folder), vault_id=vault.info.vault_id))
    return EXIT_OK


def cmd_visit_add(args: argparse.Namespace) -> int:
    from fieldapp.catalogue import load_catalogue  # noqa: PLC0415
    from fieldapp.store.store import Store  # noqa: PLC0415
    from fieldapp.visit_json import MAX_JSON_BYTES, parse_visit_json  # noqa: PLC0415

    if args.json_file == "-":
        raw = sys.stdin.buffer.read(MAX_JSON_BYTES + 1)
    else:
        try:
            with open(args.json_file, "rb") as handle:
                raw = handle.read(MAX_JSON_BYTES + 1)
        except OSError as exc:
            raise FieldAppError("cli.input_unreadable", path=args.json_file) from exc
    catalogue = load_catalogue()
    new_visit = parse_visit_json(raw, catalogue)  # refused before the vault is even opened
    with open_vault(args) as vault:
        visit_uuid = Store(vault).record_visit(new_visit, catalogue.version)
    emit(visit_uuid)
    return EXIT_OK


def cmd_visit_list(args: argparse.Namespace) -> int:
    from fieldapp.store.store import Store  # noqa: PLC0415

    with open_vault(args) as vault:
        store = Store(vault)
        limit = max(1, min(args.limit, 10_000))
        visits = (
            store.search_visits(args.search, limit) if args.search else store.list_visits(limit)
        )
    if args.json:
        emit_json([asdict(visit) for visit in visits])
        return EXIT_OK
    if not visits:
        emit(t("cli.no_visits"))
        return EXIT_OK
    header = (
        t("cli.col.id"),
        t("cli.col.date"),
        t("cli.col.status"),
        t("cli.col.site"),
        t("cli.col.place"),
        t("cli.col.persons"),
        t("cli.col.signals"),
    )
    rows = [
        (
            short_id(visit.uuid),
            clean(date_text(visit.started_at)),
            t(f"visit_status.{visit.status.value}"),
            clean(visit.site_name),  # one line each, whatever the record holds
            clean(visit.place),
            str(visit.person_count),
            str(visit.observed_count),
        )
        for visit in visits
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        emit("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return EXIT_OK


def cmd_visit_show(args: argparse.Namespace) -> int:
    from fieldapp.store.store import Store  # noqa: PLC0415

    with open_vault(args) as vault:
        store = Store(vault)
        detail = store.visit_detail(store.find_visit(args.id))
    if args.json:
        emit_json(asdict(detail))
        return EXIT_OK
    visit, site = detail.visit, detail.site
    emit(
        t(
            "cli.show.visit",
            id=visit.meta.uuid,
            started=clean(datetime_text(visit.started_at)),
            type=t(f"visit_type.{visit.type.value}"),
            status=t(f"visit_status.{visit.status.value}"),
        )
    )
    emit(
        t(
            "cli.show.site",
            name=clean(site.name),
            address=clean(site.address.one_line()),
            municipality=clean(site.municipality or "-"),
            sector=t(f"sector.{site.sector.value}"),
            kvk=clean(site.kvk or "-"),
        )
    )
    if visit.notes:
        emit(t("cli.show.notes", notes=visit.notes))
    labels = {person.meta.uuid: clean(person.label) for person in detail.persons}
    for person in detail.persons:
        emit(
            t(
                "cli.show.person",
                label=clean(person.label),
                role=t(f"person_role.{person.role.value}"),
                age=person.age if person.age is not None else "?",
                nationality=clean(person.nationality or "?"),
            )
        )
    for obs in detail.observations:
        who = labels.get(obs.person_uuid or "", t("cli.show.everyone"))
        emit(
            t(
                "cli.show.observation",
                who=who,
                indicator=clean(obs.indicator_id),
                status=t(f"observation_status.{obs.status.value}"),
                evidence=t(f"evidence.{obs.evidence.value}") if obs.evidence else "-",
            )
        )
    return EXIT_OK


def cmd_catalogue_list(args: argparse.Namespace) -> int:
    from fieldapp.catalogue import load_catalogue  # noqa: PLC0415
    from fieldapp.catalogue.export import indicator_to_json  # noqa: PLC0415

    catalogue = load_catalogue(args.catalogue_version)
    lang = i18n.current_language()
    items = catalogue.search(args.search or "", lang)
    if args.form:
        items = [item for item in items if args.form in item.forms]
    if args.json:
        emit_json([indicator_to_json(item) for item in items])
        return EXIT_OK
    emit(
        t(
            "cli.catalogue.header",
            version=catalogue.version,
            hash=catalogue.content_hash[:12],
            count=len(items),
        )
    )
    for item in items:
        counted = catalogue.indicators[item.maps_to[0]] if item.maps_to else item
        grade = counted.grades["adult_labour"]
        shown = f"{grade.grade or '-'}{'?' if grade.grade and not grade.confirmed else ''}"
        acute = " !" if item.acute else ""
        emit(f"{item.id:12} {item.dimension:9} {shown:3} {item.label[lang]}{acute}")
    return EXIT_OK


def cmd_catalogue_show(args: argparse.Namespace) -> int:
    from fieldapp.catalogue import load_catalogue  # noqa: PLC0415
    from fieldapp.catalogue.export import indicator_to_json  # noqa: PLC0415

    catalogue = load_catalogue(args.catalogue_version)
    item = catalogue.get(args.id.strip().upper())
    if item is None:
        raise FieldAppError("cli.catalogue.unknown_id", id=args.id)
    document = indicator_to_json(item)
    if args.json:
        emit_json(document)
        return EXIT_OK
    lang = i18n.current_language()
    emit(f"{item.id}: {item.label[lang]}")
    emit(
        t(
            "cli.catalogue.show",
            framework=item.framework,
            forms=", ".join(item.forms),
            dimension=item.dimension,
            source=item.source,
        )
    )
    emit(t("cli.catalogue.prompt", prompt=item.prompt[lang]))
    for profile, grade in item.grades.items():
        emit(f"  {profile:13} {grade.grade or '-'} ({t('grade_status.' + grade.status)})")
    if item.maps_to:
        emit(
            t(
                "cli.catalogue.maps_to",
                targets=", ".join(item.maps_to),
                note=item.mapping_note or "",
            )
        )
    if item.acute and item.acute_reason:
        emit(t("cli.catalogue.acute", reason=item.acute_reason[lang]))
    return EXIT_OK


def cmd_assess(args: argparse.Namespace) -> int:
    from fieldapp.assessment import assess, assessment_to_json  # noqa: PLC0415
    from fieldapp.assessment.case_json import parse_case_json  # noqa: PLC0415
    from fieldapp.assessment.render import assessment_to_text  # noqa: PLC0415
    from fieldapp.catalogue.loader import assessment_catalogue  # noqa: PLC0415

    if bool(args.visit) != bool(args.person):
        raise UsageError(t("cli.assess.visit_and_person"))
    if args.visit:
        from fieldapp.assessment.from_store import case_for_person  # noqa: PLC0415
        from fieldapp.store.store import Store  # noqa: PLC0415

        with open_vault(args) as vault:
            store = Store(vault)
            case = case_for_person(store, store.find_visit(args.visit), args.person)
    else:
        case = parse_case_json(sys.stdin.buffer.read(1024 * 1024 + 1))
    result = assess(case, assessment_catalogue())
    if args.text:
        emit(assessment_to_text(result))
    else:
        emit_json(assessment_to_json(result))
    return EXIT_OK


@dataclass(frozen=True, slots=True)
class _PdfOut:
    """Where a referral goes and how it is protected, all checked before the vault is opened:
    a new file in a folder that exists, and a password that passes the strength rule."""

    target: Path
    password: str | None  # None: --no-encrypt, explicitly
    generated: bool


def _pdf_out(args: argparse.Namespace) -> _PdfOut:
    from fieldapp.referral.protect import check_target, generate_password  # noqa: PLC0415

    target = check_target(Path(args.out))
    if args.no_encrypt:
        return _PdfOut(target, None, False)
    if args.password_file:
        password = _passphrase_from_file(args.password_file, "--password-file")
        require_strong(password, minimum=MIN_PDF_PASSWORD_LENGTH)
        return _PdfOut(target, password, False)
    return _PdfOut(target, generate_password(), True)


def _pdf_bytes(pdf: bytes, out: _PdfOut) -> bytes:
    """The file's bytes, encrypted in memory, and the room for them checked on the target."""
    from fieldapp.referral.protect import check_room, protected  # noqa: PLC0415

    data = protected(pdf, out.password)
    check_room(out.target, len(data))
    return data


def _write_pdf(data: bytes, out: _PdfOut) -> None:
    from fieldapp.referral.protect import password_bits, write_pdf  # noqa: PLC0415

    write_pdf(out.target, data)
    path = str(out.target)
    if out.password is None:
        emit(t("cli.referral.written_plain", path=path), file=sys.stderr)
    elif out.generated:
        emit(
            t(
                "cli.referral.written_password",
                path=path,
                password=out.password,
                bits=password_bits(),
            ),
            file=sys.stderr,
        )
    else:
        emit(t("cli.referral.written", path=path), file=sys.stderr)


def _check_out_options(args: argparse.Namespace) -> None:
    if (args.password_file or args.no_encrypt) and not args.out:
        raise UsageError(
            t("cli.usage_error", detail=t("cli.referral.protection_needs_out"), usage="").strip()
        )


def cmd_referral_make(args: argparse.Namespace) -> int:
    """Everything that can be checked is checked before the referral is made and stored: the
    options, the target, the password (before the vault is opened), the recipient's rules and
    the room for the file (after rendering, before storing). If writing fails after all, the
    referral stays in the vault and the message says so, with the command to export it again."""
    from fieldapp.referral.service import prepare_referral, store_referral  # noqa: PLC0415
    from fieldapp.store.store import Store  # noqa: PLC0415

    _check_out_options(args)
    out = _pdf_out(args) if args.out else None
    lang = i18n.current_language()
    with open_vault(args) as vault:
        store = Store(vault)
        prepared = prepare_referral(
            store, store.find_visit(args.visit), args.recipient, person_ref=args.person, lang=lang
        )
        data = _pdf_bytes(prepared.pdf, out) if out else None
        made = store_referral(store, prepared)
        referral = made.referral
        if out is not None and data is not None:
            try:
                _write_pdf(data, out)
            except OSError as exc:
                raise FieldAppError(
                    "referral.stored_not_written",
                    document_id=referral.document_id,
                    version=referral.version,
                    path=str(out.target),
                    detail=exc.strerror or type(exc).__name__,
                ) from exc
            vault.record("export", "referral", referral.meta.uuid)
    if args.json:
        emit_json(
            {
                "id": referral.meta.uuid,
                "document_id": referral.document_id,
                "version": referral.version,
                "recipient": referral.recipient,
                "status": referral.status.value,
                "urgency": referral.urgency,
                "content_hash": referral.content_hash,
                "left_out": list(made.plan.left_out),
                "why": made.plan.why,
                "out": args.out,
            }
        )
    else:
        emit(
            t(
                "cli.referral.made",
                document_id=referral.document_id,
                version=referral.version,
                recipient=t(f"recipient.{referral.recipient}"),
            )
        )
        if made.plan.left_out:
            emit(
                t("cli.referral.left_out", fields=", ".join(made.plan.left_out), why=made.plan.why)
            )
    return EXIT_OK


def cmd_referral_list(args: argparse.Namespace) -> int:
    from fieldapp.store.store import Store  # noqa: PLC0415

    with open_vault(args) as vault:
        referrals = Store(vault).referrals()
    if args.json:
        emit_json(
            [
                {
                    "id": r.meta.uuid,
                    "document_id": r.document_id,
                    "visit": r.visit_uuid,
                    "recipient": r.recipient,
                    "version": r.version,
                    "status": r.status.value,
                    "urgency": r.urgency,
                    "lang": r.lang,
                    "created_at": r.meta.created_at,
                    "supersedes": r.supersedes,
                    "content_hash": r.content_hash,
                }
                for r in referrals
            ]
        )
        return EXIT_OK
    if not referrals:
        emit(t("cli.referral.none"))
    for r in referrals:
        emit(
            f"{r.document_id}  v{r.version}  {datetime_text(r.meta.created_at)}  "
            f"{t('recipient.' + r.recipient):28}  {t('referral.status.' + r.status.value):18}"
            f"  {t('referral.urgency.' + r.urgency)}"
        )
    return EXIT_OK


def cmd_referral_export(args: argparse.Namespace) -> int:
    from fieldapp.store.store import Store  # noqa: PLC0415

    out = _pdf_out(args)  # the target and the password, before the vault is opened
    with open_vault(args) as vault:
        store = Store(vault)
        referral = store.find_referral(args.id)
        pdf = store.attachment_content(referral.document_uuid or "")
        _write_pdf(_pdf_bytes(pdf, out), out)
        vault.record("export", "referral", referral.meta.uuid)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from fieldapp.demo import demo_visits  # noqa: PLC0415
    from fieldapp.store.store import Store  # noqa: PLC0415

    if not 1 <= args.visits <= 1_000_000:
        raise FieldAppError("cli.demo_range")
    with open_vault(args) as vault:
        store = Store(vault)
        remaining, batch = args.visits, 1000
        seed = args.seed
        while remaining > 0:
            size = min(batch, remaining)
            store.record_visits(demo_visits(size, seed=seed))
            remaining -= size
            seed += 1
    emit(t("cli.demo_done", count=args.visits))
    return EXIT_OK


def cmd_self_check(args: argparse.Namespace) -> int:
    """Headless end-to-end check of this installation in a throwaway vault (fieldapp.selfcheck);
    ``--vault`` and ``--passphrase-file`` are accepted like everywhere but never used."""
    from fieldapp.selfcheck import run_self_check  # noqa: PLC0415

    return run_self_check()


# -- sync by file (fieldapp/sync) --------------------------------------------------------


def _sync_commands(commands: Any) -> None:
    enrol = commands.add_parser("enrol", help=t("sync.cli.help.enrol")).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    card = _leaf(enrol, "card", t("sync.cli.help.card"), cmd_enrol_card)
    card.add_argument("--out", required=True, metavar="F")
    recovery = _leaf(enrol, "recovery-key", t("sync.cli.help.recovery_key"), cmd_enrol_recovery)
    recovery.add_argument("--out", required=True, metavar="F")
    trust = _leaf(enrol, "trust-coordinator", t("sync.cli.help.trust"), cmd_enrol_trust)
    trust.add_argument("file", metavar="F")
    trust.add_argument("--fingerprint", required=True, metavar="FP")
    request = _leaf(enrol, "request", t("sync.cli.help.request"), cmd_enrol_request)
    request.add_argument("--out", required=True, metavar="F")
    request.add_argument("--inspector", metavar="NAME")
    request.add_argument("--agency", metavar="AGENCY")
    approve = _leaf(enrol, "approve", t("sync.cli.help.approve"), cmd_enrol_approve)
    approve.add_argument("file", metavar="F")
    approve.add_argument("--fingerprint", required=True, metavar="FP")
    approve.add_argument("--out", required=True, metavar="ACK")
    accept = _leaf(enrol, "accept", t("sync.cli.help.accept"), cmd_enrol_accept)
    accept.add_argument("file", metavar="ACK")
    revoke = _leaf(enrol, "revoke", t("sync.cli.help.revoke"), cmd_enrol_revoke)
    revoke.add_argument("device", metavar="DEVICE")

    sync = commands.add_parser("sync", help=t("sync.cli.help.sync")).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    export = _leaf(sync, "export", t("sync.cli.help.export"), cmd_sync_export)
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument("--resend", metavar="SEQ[-SEQ]", help=t("sync.cli.help.resend"))
    sync_import = _leaf(sync, "import", t("sync.cli.help.import"), cmd_sync_import, json_flag=True)
    sync_import.add_argument("paths", nargs="+", metavar="PATH")
    _leaf(sync, "status", t("sync.cli.help.status"), cmd_sync_status, json_flag=True)


def _recovery_key_target(args: argparse.Namespace) -> Path | None:
    """Checked before the vault is made: a recovery key only for a coordinator, never over a
    file that exists."""
    if not args.recovery_key_out:
        return None
    if args.role != "coordinator":
        raise UsageError(t("sync.cli.recovery_key_field"))
    target = Path(args.recovery_key_out)
    if target.exists():
        raise FieldAppError("cli.file_exists", path=str(target))
    return target


def _init_coordinator_keys(vault: Any, recovery_out: Path | None) -> None:
    if vault.info.role.value != "coordinator":
        return
    if recovery_out is None:
        emit(t("sync.cli.recovery_key_later"))
        return
    _write_recovery_key(vault, recovery_out)


def _write_recovery_key(vault: Any, target: Path) -> None:
    from fieldapp.sync import keys  # noqa: PLC0415

    keys.write_recovery_key(vault, target)
    emit(t("sync.cli.recovery_key_written", path=str(target)))


def _new_file(name: str) -> Path:
    target = Path(name)
    if target.exists():
        raise FieldAppError("cli.file_exists", path=str(target))
    return target


def _read_document(name: str) -> bytes:
    from fieldapp.sync.cards import MAX_DOCUMENT_BYTES  # noqa: PLC0415

    try:
        with open(name, "rb") as handle:
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise FieldAppError("cli.input_unreadable", path=name) from exc


def cmd_enrol_recovery(args: argparse.Namespace) -> int:
    target = _new_file(args.out)
    with open_vault(args) as vault:
        _write_recovery_key(vault, target)
    return EXIT_OK


def cmd_enrol_card(args: argparse.Namespace) -> int:
    from fieldapp.atomic import write_atomic  # noqa: PLC0415
    from fieldapp.sync import cards  # noqa: PLC0415

    target = _new_file(args.out)
    with open_vault(args) as vault:
        raw, card = cards.make_card(vault)
        write_atomic(target, raw, mode=0o644)
    emit(t("sync.cli.card_written", path=str(target)))
    emit(t("sync.cli.fingerprint", fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_enrol_trust(args: argparse.Namespace) -> int:
    from fieldapp.sync import cards  # noqa: PLC0415

    raw = _read_document(args.file)
    with open_vault(args) as vault:
        card = cards.trust_coordinator(vault, raw, args.fingerprint)
    emit(t("sync.cli.trusted", fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_enrol_request(args: argparse.Namespace) -> int:
    from fieldapp.atomic import write_atomic  # noqa: PLC0415
    from fieldapp.sync import cards  # noqa: PLC0415

    target = _new_file(args.out)
    with open_vault(args) as vault:
        raw, fingerprint = cards.make_request(vault, args.inspector, args.agency)
        write_atomic(target, raw, mode=0o644)
    emit(t("sync.cli.request_written", path=str(target)))
    emit(t("sync.cli.fingerprint", fingerprint=fingerprint))
    return EXIT_OK


def cmd_enrol_approve(args: argparse.Namespace) -> int:
    from fieldapp.atomic import write_atomic  # noqa: PLC0415
    from fieldapp.sync import cards  # noqa: PLC0415

    raw = _read_document(args.file)
    target = _new_file(args.out)
    with open_vault(args) as vault:
        ack, request = cards.approve_request(vault, raw, args.fingerprint)
        write_atomic(target, ack, mode=0o644)
    emit(
        t(
            "sync.cli.approved",
            device=request.device_id,
            inspector=request.inspector or "-",
            agency=agency_name(request.agency) or "-",
            path=str(target),
        )
    )
    return EXIT_OK


def cmd_enrol_accept(args: argparse.Namespace) -> int:
    from fieldapp.sync import cards  # noqa: PLC0415

    raw = _read_document(args.file)
    with open_vault(args) as vault:
        card = cards.accept_ack(vault, raw)
    emit(t("sync.cli.enrolled", fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_enrol_revoke(args: argparse.Namespace) -> int:
    from fieldapp.sync import cards  # noqa: PLC0415

    with open_vault(args) as vault:
        device = cards.revoke_device(vault, args.device)
    emit(t("sync.cli.revoked", device=device.device_id, at=datetime_text(device.revoked_at)))
    return EXIT_OK


def _resend_range(text: str | None) -> tuple[int, ...]:
    from fieldapp.sync.export import parse_resend_range  # noqa: PLC0415

    try:
        return parse_resend_range(text) if text else ()
    except FieldAppError as exc:  # a usage error: exit 2, as for any bad option
        raise UsageError(exc.message()) from None


def cmd_sync_export(args: argparse.Namespace) -> int:
    from fieldapp.sync.export import export_bundle  # noqa: PLC0415

    resend = _resend_range(args.resend)
    with open_vault(args) as vault:
        result = export_bundle(vault, Path(args.out), resend=resend)
    if result is None:
        emit(t("sync.cli.nothing_to_export"), file=sys.stderr)
        return EXIT_OK
    emit(str(result.path))
    records = sum(
        count for kind, count in result.counts.items() if kind not in ("audit", "content")
    )
    emit(t("sync.cli.exported", seq=result.seq, records=records, size=result.size), file=sys.stderr)
    if result.remaining:
        emit(t("sync.cli.export_remaining", count=result.remaining), file=sys.stderr)
    return EXIT_OK


def cmd_sync_import(args: argparse.Namespace) -> int:
    from fieldapp.sync.import_ import import_paths, reports_json  # noqa: PLC0415

    with open_vault(args) as vault:
        reports = import_paths(vault, [Path(path) for path in args.paths])
    if args.json:
        emit_json_text(reports_json(reports))
    else:
        if not reports:
            emit(t("sync.cli.no_bundles"))
        for report in reports:
            _print_report(report)
    return EXIT_FAILED if any(report.status == "rejected" for report in reports) else EXIT_OK


def _print_report(report: Any) -> None:
    name = clean(Path(report.source).name)  # a file name on a stick: anything at all
    if report.status == "rejected":
        key = "sync.cli.report_alarm" if report.alarm else "sync.cli.report_rejected"
        emit(t(key, file=name, reason=report.rejection.message()))
        return
    if report.status == "duplicate":
        emit(
            t(
                "sync.cli.report_duplicate",
                file=name,
                seq=report.seq,
                device=clean(report.device_id),
            )
        )
        return
    counts = report.counts
    emit(
        t(
            "sync.cli.report_imported",
            file=name,
            seq=report.seq,
            device=clean(report.device_id),
            inspector=clean(report.inspector or "-"),
            agency=clean(agency_name(report.agency) or "-"),
            new=sum(counts.inserted.values()),
            updated=sum(counts.updated.values()),
            unchanged=sum(counts.unchanged.values()),
        )
    )
    for warning in report.warnings:
        emit("  " + t("sync.cli.report_warning", message=warning.message()))


def cmd_sync_status(args: argparse.Namespace) -> int:
    from fieldapp.store.sync_store import SyncStore  # noqa: PLC0415
    from fieldapp.sync.keys import own_keys  # noqa: PLC0415

    with open_vault(args) as vault:
        sync = SyncStore(vault)
        own = own_keys(vault)
        status: dict[str, Any] = {
            "role": vault.info.role.value,
            "device_id": vault.info.device_id,
            "fingerprint": own.fingerprint,
        }
        if vault.info.role.value == "field":
            trusted = sync.trusted_coordinator()
            exported = sync.outgoing("exported")
            status.update(
                coordinator=None if trusted is None else trusted.fingerprint,
                enrolled=bool(trusted and trusted.enrolled_at),
                last_seq=exported[-1].seq if exported else 0,
                pending=sync.pending_changes(),
            )
        else:
            status.update(
                recovery_key=own.recovery_recipient is not None,
                devices=[
                    {
                        "device_id": device.device_id,
                        "inspector": device.inspector,
                        "agency": device.agency,
                        "revoked_at": device.revoked_at,
                        "bundles": count,
                        "last_seq": highest,
                        "missing": missing,
                    }
                    for device, count, highest, missing in sync.device_summary()
                ],
                open_conflicts=len(sync.conflicts()),
                alarms=len(sync.alarms(open_only=True)),
            )
    if args.json:
        emit_json(status)
        return EXIT_OK
    emit(t("sync.cli.status_self", role=status["role"], device=status["device_id"]))
    emit(t("sync.cli.fingerprint", fingerprint=status["fingerprint"]))
    if status["role"] == "field":
        if status["coordinator"] is None:
            emit(t("sync.cli.status_no_coordinator"))
        else:
            key = "sync.cli.status_enrolled" if status["enrolled"] else "sync.cli.status_waiting"
            emit(t(key, fingerprint=status["coordinator"]))
        emit(t("sync.cli.status_field", last_seq=status["last_seq"], pending=status["pending"]))
        return EXIT_OK
    if not status["recovery_key"]:
        emit(t("sync.cli.recovery_key_later"))
    for device in status["devices"]:
        key = "sync.cli.status_device_revoked" if device["revoked_at"] else "sync.cli.status_device"
        emit(
            t(
                key,
                device=device["device_id"],
                inspector=device["inspector"] or "-",
                agency=agency_name(device["agency"]) or "-",
                bundles=device["bundles"],
                last_seq=device["last_seq"],
                missing=", ".join(map(str, device["missing"])) or "-",
            )
        )
    emit(
        t(
            "sync.cli.status_coordinator",
            conflicts=status["open_conflicts"],
            alarms=status["alarms"],
        )
    )
    return EXIT_OK


def short_id(record_uuid: str) -> str:
    """The random end of a time-ordered id; `visit show` accepts it."""
    return record_uuid[-8:]


# -- entry point -------------------------------------------------------------------------


def main(
    argv: Sequence[str] | None = None,
    start_desktop: Callable[[str | None], int] | None = None,
) -> int:
    """The command line. Without a subcommand it calls ``start_desktop`` with the vault path:
    the core never imports the desktop itself; the ``fieldapp`` command (``ui.launch``) passes
    it in. Without one, it says to use a subcommand."""
    from fieldapp.hygiene import harden_process  # noqa: PLC0415

    harden_process()
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
        return int(args.handler(args))
    except UsageError as exc:
        emit(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except FieldAppError as exc:
        emit(t("cli.error_prefix", message=exc.message()), file=sys.stderr)
        hint = getattr(exc, "hint", None)
        if hint:
            emit(hint, file=sys.stderr)
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
    _common_options(parser, suppress=False)
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


if __name__ == "__main__":
    sys.exit(main())
