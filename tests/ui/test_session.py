"""The window's logic without a window: screens, passphrase rules, errors, lock."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from fieldapp.domain import Role
from fieldapp.errors import VaultLocked, WrongPassphrase
from fieldapp.vault.keyfile import FAST_FOR_TESTS, KdfParams, KeyFile
from fieldapp.vault.passphrase import MIN_PASSPHRASE_LENGTH, passphrase_problem
from fieldapp.vault.vault import KEY_FILE
from tests.conftest import PASSPHRASE
from ui.session import Screen, VaultSession, describe_error


def test_passphrase_rules() -> None:
    just_long_enough = "x" * MIN_PASSPHRASE_LENGTH
    assert passphrase_problem(just_long_enough, just_long_enough) is None
    too_short = passphrase_problem(just_long_enough[1:], just_long_enough[1:])
    assert too_short is not None and too_short.key == "passphrase.too_short"
    assert "10" in too_short.message("en")
    mismatch = passphrase_problem(just_long_enough, just_long_enough + "y")
    assert mismatch is not None and mismatch.key == "passphrase.mismatch"


def test_errors_are_described_without_paths() -> None:
    assert describe_error(WrongPassphrase()) == WrongPassphrase().message()
    text = describe_error(OSError(errno.ENOSPC, "No space left on device", "/secret/path"))
    assert "No space left on device" in text and "/secret" not in text
    assert describe_error(RuntimeError("boom")) == "Er ging iets mis."


def test_screens_follow_the_vault(vault_dir: Path) -> None:
    session = VaultSession(vault_dir, FAST_FOR_TESTS)
    assert session.screen() is Screen.CREATE
    with pytest.raises(VaultLocked):
        session.overview()

    overview = session.create(Role.FIELD, PASSPHRASE, PASSPHRASE)
    assert session.screen() is Screen.OVERVIEW
    assert overview.role is Role.FIELD and overview.visit_count == 0 and overview.newest == ()
    assert KeyFile.read(vault_dir / KEY_FILE).kdf == FAST_FOR_TESTS

    session.lock()
    session.lock()  # twice is harmless
    assert session.screen() is Screen.UNLOCK
    with pytest.raises(WrongPassphrase):
        session.unlock("not the passphrase")
    assert session.unlock(PASSPHRASE).device_id == overview.device_id
    session.lock()


def test_production_cost_is_the_default(vault_dir: Path) -> None:
    assert VaultSession(vault_dir).kdf == KdfParams()
