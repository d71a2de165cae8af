"""``fieldapp vault init | check | passwd | rekey | backup | restore``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from fieldapp.cli.shared import (
    EXIT_FAILED,
    EXIT_OK,
    PASSPHRASE_ENV,
    Commands,
    UsageError,
    open_vault,
    read_new_passphrase,
    read_passphrase,
    vault_dir,
    write_recovery_key,
)
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, VaultExists
from fieldapp.i18n import t
from fieldapp.store.store import Store
from fieldapp.terminal import emit, emit_json
from fieldapp.vault.layout import vault_exists
from fieldapp.vault.passphrase import guessable_words, require_strong
from fieldapp.vault.vault import Vault


def cmd_init(args: argparse.Namespace) -> int:
    folder = vault_dir(args)
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


def _init_coordinator_keys(vault: Vault, recovery_out: Path | None) -> None:
    if vault.info.role.value != "coordinator":
        return
    if recovery_out is None:
        emit(t("sync.cli.recovery_key_later"))
        return
    write_recovery_key(vault, recovery_out)


def cmd_check(args: argparse.Namespace) -> int:
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


def cmd_passwd(args: argparse.Namespace) -> int:
    current = read_passphrase(args)
    with open_vault(args, current) as vault:
        profile = Store(vault).setting("profile", {}) or {}
        words = guessable_words(
            str(profile.get(name) or "") for name in ("name", "employee_number", "region", "team")
        )
        new = read_new_passphrase(args, args.new_passphrase_file, words)
        vault.change_passphrase(current, new)
    emit(t("cli.passphrase_changed"))
    return EXIT_OK


def cmd_rekey(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args)
    with open_vault(args, passphrase) as vault:
        vault.rekey(passphrase)
    emit(t("cli.rekeyed"))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists():
        raise FieldAppError("cli.file_exists", path=str(out))
    with open_vault(args) as vault:
        vault.backup(out)
    emit(t("cli.backup_written", path=str(out)))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    folder = vault_dir(args)
    with Vault.restore(Path(args.file), folder, read_passphrase(args)) as vault:
        emit(t("cli.restored", path=str(folder), vault_id=vault.info.vault_id))
    return EXIT_OK


COMMANDS: Commands = {
    "init": cmd_init,
    "check": cmd_check,
    "passwd": cmd_passwd,
    "rekey": cmd_rekey,
    "backup": cmd_backup,
    "restore": cmd_restore,
}
