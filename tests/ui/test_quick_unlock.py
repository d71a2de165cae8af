"""The first window when a vault exists: unlock there, then the main window takes over."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fieldapp import i18n
from fieldapp.domain import Role
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE, ROOT
from ui.app import main_window_opener
from ui.quick_unlock import QuickUnlock
from ui.runner import InlineRunner
from ui.session import Screen
from ui.settings import WindowSettings


@pytest.fixture
def quick(qtbot, vault_dir: Path) -> QuickUnlock:
    Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS).lock()
    settings = WindowSettings()
    window = QuickUnlock(
        vault_dir, settings, InlineRunner(), main_window_opener(vault_dir, settings)
    )
    qtbot.addWidget(window)
    window.show()
    yield window
    if window.main_window is not None:
        window.main_window.session.lock()
        window.main_window.close()


def test_unlocking_hands_the_open_vault_to_the_main_window(qtbot, quick: QuickUnlock) -> None:
    qtbot.keyClicks(quick.view.passphrase, PASSPHRASE)
    qtbot.keyClick(quick.view.passphrase, Qt.Key.Key_Return)
    main = quick.main_window
    assert main is not None
    assert main.current_screen() is Screen.OVERVIEW
    assert main.session.is_open
    assert main.isVisible()
    assert not quick.isVisible()
    main.lock()  # later locks use the main window's own unlock screen
    assert main.current_screen() is Screen.UNLOCK


def test_a_wrong_passphrase_is_told_and_nothing_opens(qtbot, quick: QuickUnlock) -> None:
    qtbot.keyClicks(quick.view.passphrase, "not the passphrase at all")
    qtbot.keyClick(quick.view.passphrase, Qt.Key.Key_Return)
    assert quick.main_window is None
    assert quick.view.message.text() == (
        "Het wachtwoord is onjuist. De kluis is niet geopend en niet gewijzigd."
    )
    assert quick.view.passphrase.isEnabled()


def test_the_language_switch_rebuilds_the_window(quick: QuickUnlock) -> None:
    quick.apply_language("en")
    assert quick.windowTitle() == "Unlock the vault"
    assert WindowSettings().language == "en"
    i18n.set_language("nl")


def test_the_unlock_window_loads_no_vault_store_or_document_code() -> None:
    """What start-up imports, in a fresh process: the rest loads after the passphrase."""
    probe = (
        "import sys, ui.app, ui.quick_unlock\n"
        "heavy = ['ui.main_window', 'fieldapp.store.store', 'fieldapp.vault.vault', 'argon2',"
        " 'cryptography', 'sqlcipher3', 'reportlab', 'pikepdf', 'pyrage', 'zxcvbn',"
        " 'fieldapp.catalogue', 'fieldapp.sync', 'fieldapp.referral']\n"
        "print([name for name in heavy if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
