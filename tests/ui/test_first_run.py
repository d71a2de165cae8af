"""First start: language and role, the profile, a strong passphrase, then the backup offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from fieldapp import i18n
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.vault import KEY_FILE
from tests.support import PASSPHRASE
from ui.session import Screen
from ui.views.first_run import PAGE_DONE, PAGE_PASSPHRASE, PAGE_PROFILE, PAGE_WELCOME


def _fill_profile(qtbot, window) -> None:
    view = window.first_run_view
    qtbot.mouseClick(view.welcome_next, Qt.MouseButton.LeftButton)
    assert view.page == PAGE_PROFILE
    qtbot.keyClicks(view.name, "Inspecteur Jansen")
    view.agency.setCurrentIndex(view.agency.findData("kmar"))
    qtbot.keyClicks(view.employee_number, "NLA-0042")
    qtbot.keyClicks(view.region, "Zuid-Holland")
    qtbot.keyClick(view.region, Qt.Key.Key_Return)
    assert view.page == PAGE_PASSPHRASE


def test_first_run_creates_the_vault_and_keeps_the_profile_inside(
    qtbot, make_window, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    view = window.first_run_view
    assert window.current_screen() is Screen.CREATE
    assert view.page == PAGE_WELCOME
    assert not window.lock_action.isEnabled()
    assert view.step.text() == "Stap 1 van 3"
    view.coordinator_role.setChecked(True)
    _fill_profile(qtbot, window)

    texts = " ".join(label.text() for label in view.findChildren(QLabel))
    assert "Een vergeten wachtwoord kan niet worden hersteld." in texts
    qtbot.keyClicks(view.passphrase, PASSPHRASE)
    assert view.strength_label.text() == "sterk"
    qtbot.keyClicks(view.repeat, PASSPHRASE)
    qtbot.keyClick(view.repeat, Qt.Key.Key_Return)

    # Created and open; the last page offers the backup.
    assert (vault_dir / KEY_FILE).exists()
    assert window.session.is_open
    assert view.page == PAGE_DONE
    assert window.current_screen() is Screen.CREATE
    assert window.lock_action.isEnabled()
    assert view.passphrase.text() == "" and view.repeat.text() == ""
    assert window.session.vault is not None
    assert window.session.vault.info.role is Role.COORDINATOR
    store = window.session.store
    assert store.setting("profile") == {
        "name": "Inspecteur Jansen",
        "agency": "kmar",
        "employee_number": "NLA-0042",
        "region": "Zuid-Holland",
    }
    assert store.setting("default_agency") == "kmar"
    assert window.autolock.armed

    backup_file = vault_dir.parent / "kluis.fieldapp-backup"
    monkeypatch.setattr(
        "ui.main_window.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (str(backup_file), ""),
    )
    qtbot.mouseClick(view.backup_button, Qt.MouseButton.LeftButton)
    assert backup_file.exists()
    assert view.done_message.text().startswith("Versleutelde reservekopie opgeslagen")
    assert b"Inspecteur" not in backup_file.read_bytes()  # encrypted, like the vault

    qtbot.mouseClick(view.finish_button, Qt.MouseButton.LeftButton)
    assert window.current_screen() is Screen.OVERVIEW
    assert window.visits_view.empty.isVisible()

    # The backup opens on its own with the same passphrase.
    restored = Vault.restore(backup_file, vault_dir.parent / "restored", PASSPHRASE)
    assert Store(restored).setting("profile")["name"] == "Inspecteur Jansen"
    restored.lock()


def test_a_weak_passphrase_is_refused_with_its_reason(qtbot, make_window, vault_dir: Path) -> None:
    window = make_window()
    view = window.first_run_view
    _fill_profile(qtbot, window)
    qtbot.keyClicks(view.passphrase, "password1234")
    assert view.strength_label.text() == "zwak: dit wachtwoord wordt veel gebruikt."
    qtbot.keyClicks(view.repeat, "password1234")
    qtbot.mouseClick(view.submit, Qt.MouseButton.LeftButton)

    assert view.message.text() == (
        "Dit wachtwoord is te makkelijk te raden: dit wachtwoord wordt veel gebruikt."
        " Voeg een paar ongewone woorden toe."
    )
    assert view.message.isVisible()
    assert view.page == PAGE_PASSPHRASE
    assert view.passphrase.text() == "" and view.repeat.text() == ""
    assert not (vault_dir / KEY_FILE).exists()
    assert not window.session.is_open


@pytest.mark.parametrize(
    ("passphrase", "repeat", "expected"),
    [
        (
            "kort",
            "kort",
            "Het wachtwoord is te kort: gebruik minstens 10 tekens, liefst een zin"
            " van enkele woorden.",
        ),
        (PASSPHRASE, PASSPHRASE + "!", "De twee wachtwoorden zijn niet gelijk."),
    ],
)
def test_short_or_mistyped_passphrases_are_refused(
    qtbot, make_window, vault_dir: Path, passphrase: str, repeat: str, expected: str
) -> None:
    window = make_window()
    view = window.first_run_view
    _fill_profile(qtbot, window)
    qtbot.keyClicks(view.passphrase, passphrase)
    qtbot.keyClicks(view.repeat, repeat)
    qtbot.keyClick(view.repeat, Qt.Key.Key_Return)
    assert view.message.text() == expected
    assert not (vault_dir / KEY_FILE).exists()


def test_the_profile_needs_a_name(qtbot, make_window) -> None:
    window = make_window()
    view = window.first_run_view
    qtbot.mouseClick(view.welcome_next, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.profile_next, Qt.MouseButton.LeftButton)
    assert view.page == PAGE_PROFILE
    assert view.profile_message.text() == "Vul uw naam in."


def test_choosing_english_rebuilds_the_wizard_and_keeps_the_choices(qtbot, make_window) -> None:
    window = make_window()
    view = window.first_run_view
    view.coordinator_role.setChecked(True)
    view.language.setCurrentIndex(view.language.findData("en"))

    assert i18n.current_language() == "en"
    assert window.first_run_view is not view  # rebuilt in English
    view = window.first_run_view
    assert view.coordinator_role.isChecked()
    assert view.welcome_next.text() == "&Next"
    assert window.windowTitle() == "New vault"
    assert window.window_settings.language == "en"
