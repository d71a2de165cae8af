"""Every command's options, and the one table of the modules that run them.

``fieldapp --help`` (and every usage error) needs every command's options, but none of the
code behind them: the options are declared here, and each leaf command names its module
through one of the small loader functions below (**the one lazy-import mechanism of the
command line**). A loader holds a real ``import`` statement, so import-linter checks the edge
against the layers and PyInstaller bundles the module, and it runs only when a command of its
module runs. Each command module lists its commands in ``COMMANDS`` (leaf name -> function);
``tests/core/test_cli_commands.py`` resolves every leaf through this table and checks that
``--help`` imports no command module.

A new command: its options in a ``_*_commands`` function here, its function in the group's
module under ``COMMANDS``; a new group also gets a loader below.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fieldapp.cli.shared import Commands, Parser, common_options
from fieldapp.i18n import t

# -- the command modules: imported when one of their commands runs ------------------------
# `fieldapp --help` and the desktop's start load none of them, nor the vault, PDF and sync code
# behind them.


def _vault() -> Commands:
    from fieldapp.cli.vault import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _visit() -> Commands:
    from fieldapp.cli.visit import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _catalogue() -> Commands:
    from fieldapp.cli.catalogue import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _referral() -> Commands:
    from fieldapp.cli.referral import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _sync() -> Commands:
    from fieldapp.cli.sync import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _links() -> Commands:
    from fieldapp.cli.links import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _stats() -> Commands:
    from fieldapp.cli.stats import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _export() -> Commands:
    from fieldapp.cli.export import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _retention() -> Commands:
    from fieldapp.cli.retention import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _demo() -> Commands:
    from fieldapp.cli.demo import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _profile() -> Commands:
    from fieldapp.cli.profile import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


def _practice() -> Commands:
    from fieldapp.cli.practice import COMMANDS  # noqa: PLC0415 - keep start-up light: loads when its command runs

    return COMMANDS


Loader = Callable[[], Commands]
LOADERS: tuple[Loader, ...] = (
    _vault,
    _visit,
    _catalogue,
    _referral,
    _sync,
    _links,
    _stats,
    _export,
    _retention,
    _demo,
    _profile,
    _practice,
)
"""Every loader, for the test that resolves each command."""


@dataclass(frozen=True, slots=True)
class Command:
    """A leaf command as the parser stores it (``args.command_to_run``): its name in its
    module's ``COMMANDS`` and that module's loader."""

    name: str
    load: Loader

    def run(self, args: argparse.Namespace) -> int:
        return int(self.load()[self.name](args))


def leaf(
    group: Any,
    name: str,
    help_text: str,
    load: Loader,
    *,
    json_flag: bool = False,
) -> Parser:
    """A command with no subcommands: its parser, the global options, and what runs it."""
    parser: Parser = group.add_parser(name, help=help_text, description=help_text)
    common_options(parser, suppress=True)
    if json_flag:
        parser.add_argument("--json", action="store_true", help=t("cli.help.json"))
    parser.set_defaults(command_to_run=Command(name, load))
    return parser


def _group(commands: Any, name: str, help_text: str) -> Any:
    return commands.add_parser(name, help=help_text).add_subparsers(
        dest="action", required=True, parser_class=Parser
    )


# -- the parser ----------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(prog="fieldapp", description=t("cli.description"))
    common_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", parser_class=Parser)
    _vault_commands(commands)
    _visit_commands(commands)
    _catalogue_commands(commands)
    _referral_commands(commands)
    _sync_commands(commands)
    _coordinator_commands(commands)
    _profile_commands(commands)
    _practice_commands(commands)
    demo = leaf(commands, "demo", t("cli.help.demo"), _demo)
    demo.add_argument("--visits", type=int, default=50, metavar="N")
    demo.add_argument("--seed", type=int, default=2026)
    leaf(commands, "self-check", t("cli.help.self_check"), _demo)
    return parser


def _vault_commands(commands: Any) -> None:
    vault = _group(commands, "vault", t("cli.help.vault"))
    init = leaf(vault, "init", t("cli.help.vault_init"), _vault)
    init.add_argument("--role", choices=("field", "coordinator"), required=True)
    init.add_argument("--recovery-key-out", metavar="F", help=t("sync.cli.help.recovery_key_out"))
    leaf(vault, "check", t("cli.help.vault_check"), _vault, json_flag=True)
    passwd = leaf(vault, "passwd", t("cli.help.vault_passwd"), _vault)
    passwd.add_argument("--new-passphrase-file", metavar="F", help=t("cli.help.new_passphrase"))
    leaf(vault, "rekey", t("cli.help.vault_rekey"), _vault)
    backup = leaf(vault, "backup", t("cli.help.vault_backup"), _vault)
    backup.add_argument("--out", required=True, metavar="FILE")
    restore = leaf(vault, "restore", t("cli.help.vault_restore"), _vault)
    restore.add_argument("file", metavar="FILE")


def _visit_commands(commands: Any) -> None:
    visit = _group(commands, "visit", t("cli.help.visit"))
    add = leaf(visit, "add", t("cli.help.visit_add"), _visit)
    add.add_argument("--json", dest="json_file", required=True, metavar="FILE|-")
    listing = leaf(visit, "list", t("cli.help.visit_list"), _visit, json_flag=True)
    listing.add_argument("--search", metavar="TEXT")
    listing.add_argument("--limit", type=int, default=50)
    show = leaf(visit, "show", t("cli.help.visit_show"), _visit, json_flag=True)
    show.add_argument("id", metavar="ID")


def _catalogue_commands(commands: Any) -> None:
    catalogue = _group(commands, "catalogue", t("cli.help.catalogue"))
    cat_list = leaf(catalogue, "list", t("cli.help.catalogue_list"), _catalogue, json_flag=True)
    cat_list.add_argument("--form", choices=("labour", "sexual", "criminal", "organ_removal"))
    cat_list.add_argument("--search", metavar="TEXT")
    cat_list.add_argument("--version", dest="catalogue_version", metavar="V")
    cat_show = leaf(catalogue, "show", t("cli.help.catalogue_show"), _catalogue, json_flag=True)
    cat_show.add_argument("id", metavar="ID")
    cat_show.add_argument("--version", dest="catalogue_version", metavar="V")
    publish = leaf(
        catalogue, "publish", t("cli.help.catalogue_publish"), _catalogue, json_flag=True
    )
    publish.add_argument("version", metavar="VERSION")
    publish.add_argument("--from", dest="source", metavar="DIR", help=t("cli.help.publish_from"))
    publish.add_argument("--out", metavar="DIR", help=t("cli.help.publish_out"))

    assess = leaf(commands, "assess", t("cli.help.assess"), _catalogue)
    assess.add_argument("--visit", metavar="ID")
    assess.add_argument("--person", metavar="REF")
    assess.add_argument("--text", action="store_true", help=t("cli.help.assess_text"))


def _referral_commands(commands: Any) -> None:
    referral = _group(commands, "referral", t("cli.help.referral"))
    make = leaf(referral, "make", t("cli.help.referral_make"), _referral, json_flag=True)
    make.add_argument("--visit", required=True, metavar="ID")
    make.add_argument("--person", metavar="REF")
    make.add_argument(
        "--to",
        required=True,
        dest="recipient",
        choices=("police", "nla", "comensha", "zorgcoordinator", "riec", "anonymous"),
    )
    make.add_argument("--out", metavar="FILE")
    make.add_argument("--draft", action="store_true", help=t("cli.help.referral_draft"))
    make.add_argument("--reason", metavar="TEXT", help=t("cli.help.referral_reason"))
    make.add_argument(
        "--vital-interest", metavar="TEXT", help=t("cli.help.referral_vital_interest")
    )
    make.add_argument(
        "--name-reporter", action="store_true", help=t("cli.help.referral_name_reporter")
    )
    protection = make.add_mutually_exclusive_group()
    protection.add_argument("--password-file", metavar="F")
    protection.add_argument("--no-encrypt", action="store_true")
    leaf(referral, "list", t("cli.help.referral_list"), _referral, json_flag=True)
    export = leaf(referral, "export", t("cli.help.referral_export"), _referral)
    export.add_argument("id", metavar="ID")
    export.add_argument("--out", required=True, metavar="FILE")
    export_protection = export.add_mutually_exclusive_group()
    export_protection.add_argument("--password-file", metavar="F")
    export_protection.add_argument("--no-encrypt", action="store_true")


def _profile_commands(commands: Any) -> None:
    """``profile show`` and ``profile set``: the inspector's profile (fieldapp/cli/profile.py)."""
    profile = _group(commands, "profile", t("cli.help.profile"))
    leaf(profile, "show", t("cli.help.profile_show"), _profile, json_flag=True)
    change = leaf(profile, "set", t("cli.help.profile_set"), _profile)
    change.add_argument("--name", metavar="TEXT", help=t("cli.help.profile_name"))
    change.add_argument("--team", metavar="TEXT", help=t("cli.help.profile_team"))
    change.add_argument("--contact", metavar="PHONE", help=t("cli.help.profile_contact"))
    change.add_argument("--agency", metavar="AGENCY", help=t("cli.help.profile_agency"))
    change.add_argument("--employee-number", metavar="TEXT", help=t("cli.help.profile_employee"))
    change.add_argument("--region", metavar="TEXT", help=t("cli.help.profile_region"))


def _practice_commands(commands: Any) -> None:
    """``practice list | show | check | validate``: practice cases (fieldapp/cli/practice.py);
    no vault."""
    practice = _group(commands, "practice", t("practice.cli.help"))
    listing = leaf(practice, "list", t("practice.cli.help_list"), _practice, json_flag=True)
    listing.add_argument("--set", metavar="V", help=t("practice.cli.help_set"))
    show = leaf(practice, "show", t("practice.cli.help_show"), _practice, json_flag=True)
    show.add_argument("id", metavar="ID")
    show.add_argument("--set", metavar="V", help=t("practice.cli.help_set"))
    check = leaf(practice, "check", t("practice.cli.help_check"), _practice, json_flag=True)
    check.add_argument("id", metavar="ID")
    check.add_argument(
        "--answers", required=True, metavar="FILE|-", help=t("practice.cli.help_answers")
    )
    check.add_argument("--set", metavar="V", help=t("practice.cli.help_set"))
    validate = leaf(
        practice, "validate", t("practice.cli.help_validate"), _practice, json_flag=True
    )
    validate.add_argument("file", metavar="FILE")


def _sync_commands(commands: Any) -> None:
    enrol = _group(commands, "enrol", t("sync.cli.help.enrol"))
    card = leaf(enrol, "card", t("sync.cli.help.card"), _sync)
    card.add_argument("--out", required=True, metavar="F")
    recovery = leaf(enrol, "recovery-key", t("sync.cli.help.recovery_key"), _sync)
    recovery.add_argument("--out", required=True, metavar="F")
    trust = leaf(enrol, "trust-coordinator", t("sync.cli.help.trust"), _sync)
    trust.add_argument("file", metavar="F")
    trust.add_argument("--fingerprint", required=True, metavar="FP")
    request = leaf(enrol, "request", t("sync.cli.help.request"), _sync)
    request.add_argument("--out", required=True, metavar="F")
    request.add_argument("--inspector", metavar="NAME")
    request.add_argument("--agency", metavar="AGENCY")
    approve = leaf(enrol, "approve", t("sync.cli.help.approve"), _sync)
    approve.add_argument("file", metavar="F")
    approve.add_argument("--fingerprint", required=True, metavar="FP")
    approve.add_argument("--out", required=True, metavar="ACK")
    accept = leaf(enrol, "accept", t("sync.cli.help.accept"), _sync)
    accept.add_argument("file", metavar="ACK")
    revoke = leaf(enrol, "revoke", t("sync.cli.help.revoke"), _sync)
    revoke.add_argument("device", metavar="DEVICE")
    leaf(enrol, "renew-key", t("sync.cli.help.renew_key"), _sync, json_flag=True)

    sync = _group(commands, "sync", t("sync.cli.help.sync"))
    export = leaf(sync, "export", t("sync.cli.help.export"), _sync)
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument("--resend", metavar="SEQ[-SEQ]", help=t("sync.cli.help.resend"))
    sync_import = leaf(sync, "import", t("sync.cli.help.import"), _sync, json_flag=True)
    sync_import.add_argument("paths", nargs="+", metavar="PATH")
    sync_import.add_argument("--reply-out", metavar="DIR", help=t("sync.cli.help.reply_out"))
    reply = leaf(sync, "reply", t("sync.cli.help.reply"), _sync, json_flag=True)
    reply.add_argument("--device", required=True, metavar="ID", help=t("sync.cli.help.device"))
    reply.add_argument("--out", required=True, metavar="DIR", help=t("sync.cli.help.reply_dir"))
    leaf(sync, "status", t("sync.cli.help.status"), _sync, json_flag=True)


def _coordinator_commands(commands: Any) -> None:
    """The coordinator's workspace: ``links``, ``stats``, ``export ctdc``, ``retention run``."""
    links = leaf(commands, "links", t("workspace.cli.help.links"), _links, json_flag=True)
    links.add_argument("--refresh", action="store_true", help=t("workspace.cli.help.refresh"))

    stats = leaf(commands, "stats", t("workspace.cli.help.stats"), _stats, json_flag=True)
    stats.add_argument("--from", dest="date_from", metavar="D", required=True)
    stats.add_argument("--to", dest="date_to", metavar="D", required=True)
    stats.add_argument("--xlsx", metavar="F")
    stats.add_argument("--pdf", metavar="F")

    export = _group(commands, "export", t("workspace.cli.help.export"))
    ctdc = leaf(export, "ctdc", t("workspace.cli.help.ctdc"), _export, json_flag=True)
    ctdc.add_argument("--out", required=True, metavar="F")
    ctdc.add_argument(
        "--mode", choices=("public", "full"), default="public", help=t("exports.ctdc.help.mode")
    )
    ctdc.add_argument("--k", type=int, default=11, metavar="K", help=t("exports.ctdc.help.k"))
    ctdc.add_argument("--generalise", action="store_true", help=t("workspace.cli.help.generalise"))
    ctdc.add_argument(
        "--recipient", action="append", metavar="AGE1...", help=t("exports.ctdc.help.recipient")
    )
    ctdc.add_argument("--no-encrypt", action="store_true", help=t("exports.ctdc.help.no_encrypt"))

    retention = _group(commands, "retention", t("workspace.cli.help.retention"))
    run = leaf(retention, "run", t("workspace.cli.help.retention_run"), _retention, json_flag=True)
    run.add_argument("--dry-run", action="store_true")
