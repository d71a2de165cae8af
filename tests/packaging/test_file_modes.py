"""Who may read a vault's files on a Unix machine: vault.db and its -wal and -shm are 0600 like
the key file, the folder 0700, and so are a backup and a restored vault, whatever the umask.
(It lives here because tests/core/test_vault_security.py belongs to another change; it can move
there as it is.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.domain import Role
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.vault.vault import DB_FILE, KEY_FILE

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows has no Unix file modes")

PASSPHRASE = "correct horse battery staple"
DATABASE_FILES = (DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """With umask 0 SQLite's own default would show as 0644, so 0600 proves FieldApp set it."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def assert_owner_only(folder: Path) -> None:
    assert mode(folder) == 0o700
    assert mode(folder / KEY_FILE) == 0o600
    for name in DATABASE_FILES:  # all three exist while the vault is open (WAL mode)
        assert mode(folder / name) == 0o600, name


def test_a_new_vault_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        vault.record("check", "vault")  # a commit: the WAL has content
        assert_owner_only(folder)
    assert mode(folder / DB_FILE) == 0o600


def test_backup_and_restored_vault_are_owner_only(tmp_path: Path) -> None:
    area = tmp_path / "area"
    area.mkdir()
    backup = area / "backup.fab"
    with Vault.create(area / "vault", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        vault.backup(backup)
    assert mode(backup) == 0o600
    assert sorted(path.name for path in area.iterdir()) == ["backup.fab", "vault"]
    restored = area / "restored"
    with Vault.restore(backup, restored, PASSPHRASE) as vault:
        vault.record("check", "vault")
        assert_owner_only(restored)


def test_an_older_vault_readable_by_others_is_made_owner_only_at_unlock(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS).lock()
    (folder / DB_FILE).chmod(0o644)  # as FieldApp made it before
    with Vault.unlock(folder, PASSPHRASE) as vault:
        vault.record("check", "vault")
        assert_owner_only(folder)
