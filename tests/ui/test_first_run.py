"""First start: language and role, the profile, a strong passphrase, then the backup offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from fieldapp import i18n
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.vault import KEY_FILE
from tests.support import PASSPHRASE
from ui.session import Screen
from ui.views.first_run import PAGE_DONE, PAGE_PASSPHRASE, PAGE_PROFILE, PAGE_WELCOME


def _active(qtbot, window) -> None:
    """Keyboard focus is real only in the active window."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _fill_profile(qtbot, window) -> None:
    view = window.first_run_view
    qtbot.mouseClick(view.welcome_next, Qt.MouseButton.LeftButton)
    assert view.page == PAGE_PROFILE
    qtbot.keyClicks(view.name, "Inspecteur Jansen")
    view.agency.setCurrentIndex(view.agency.findData("kmar"))
    qtbot.keyClicks(view.employee_number, "NLA-0042")
    qtbot.keyClicks(view.region, "Zuid-Holland")
    qtbot.keyClick(view.region, Qt.Key.Key_Return)
    assert view.page == PAGE_PROFILE  # Enter walks the form; the last field goes on
    qtbot.keyClicks(view.contact, "06 12345678")
    qtbot.keyClick(view.contact, Qt.Key.Key_Return)
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
        "contact": "06 12345678",
        "team": "",
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
    # A coordinator is told to import bundles, not to record visits.
    assert "bundels van de veldapparaten in" in window.visits_view.empty.text()
    assert "Nieuw bezoek" not in window.visits_view.empty.text()
    assert window.status_label.text() == "coördinatie · Inspecteur Jansen"  # no device id

    # The backup opens on its own with the same passphrase.
    restored = Vault.restore(backup_file, vault_dir.parent / "restored", PASSPHRASE)
    assert Store(restored).setting("profile")["name"] == "Inspecteur Jansen"
    restored.lock()


def test_a_weak_passphrase_is_refused_with_its_reason(qtbot, make_window, vault_dir: Path) -> None:
    window = make_window()
    _active(qtbot, window)
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
    # Both kept; the passphrase is the one to change, selected, so typing replaces it.
    assert view.passphrase.text() == "password1234" and view.repeat.text() == "password1234"
    assert view.passphrase.hasFocus() and view.passphrase.selectedText() == "password1234"
    qtbot.keyClicks(view.passphrase, "x")
    assert view.passphrase.text() == "x"
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
    _active(qtbot, window)
    view = window.first_run_view
    _fill_profile(qtbot, window)
    qtbot.keyClicks(view.passphrase, passphrase)
    qtbot.keyClicks(view.repeat, repeat)
    qtbot.keyClick(view.repeat, Qt.Key.Key_Return)
    assert view.message.text() == expected
    assert not (vault_dir / KEY_FILE).exists()
    # Nothing typed is thrown away; the field to fix has the focus, its text selected.
    assert (view.passphrase.text(), view.repeat.text()) == (passphrase, repeat)
    to_fix = view.repeat if passphrase == repeat.removesuffix("!") != repeat else view.passphrase
    assert to_fix.hasFocus() and to_fix.selectedText() == to_fix.text()
    if to_fix is view.repeat:  # retype the repeat only, and the vault is made
        qtbot.keyClicks(view.repeat, passphrase)
        qtbot.keyClick(view.repeat, Qt.Key.Key_Return)
        assert (vault_dir / KEY_FILE).exists()


def test_show_passphrase_and_caps_lock(qtbot, make_window) -> None:
    window = make_window()
    _active(qtbot, window)
    view = window.first_run_view
    _fill_profile(qtbot, window)
    assert view.passphrase.echoMode() == QLineEdit.EchoMode.Password
    box = view.aids.show_text
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert view.passphrase.echoMode() == QLineEdit.EchoMode.Normal
    assert view.repeat.echoMode() == QLineEdit.EchoMode.Normal
    view.passphrase.setFocus()
    assert not view.aids.caps_warning.isVisible()
    qtbot.keyClicks(view.passphrase, "ZOMER")  # capitals without Shift: Caps Lock is on
    assert view.aids.caps_warning.isVisible()
    assert view.aids.caps_warning.text() == "Caps Lock staat aan: u typt hoofdletters."
    qtbot.keyClick(view.passphrase, Qt.Key.Key_CapsLock)
    assert not view.aids.caps_warning.isVisible()
    qtbot.keyClicks(view.passphrase, "ZON", Qt.KeyboardModifier.ShiftModifier)
    assert not view.aids.caps_warning.isVisible()
    view.reset()
    assert view.passphrase.echoMode() == QLineEdit.EchoMode.Password


def test_after_the_vault_is_made_the_keyboard_goes_on(qtbot, make_window) -> None:
    """Backup offer first, then the empty list's "new visit" button: Enter never lands in
    nothing."""
    window = make_window()
    _active(qtbot, window)
    view = window.first_run_view
    _fill_profile(qtbot, window)
    qtbot.keyClicks(view.passphrase, PASSPHRASE)
    qtbot.keyClicks(view.repeat, PASSPHRASE)
    qtbot.keyClick(view.repeat, Qt.Key.Key_Return)
    assert view.page == PAGE_DONE
    assert view.backup_button.hasFocus()
    qtbot.mouseClick(view.finish_button, Qt.MouseButton.LeftButton)
    assert window.current_screen() is Screen.OVERVIEW
    assert window.visits_view.new_button is not None
    assert window.visits_view.new_button.hasFocus()


def test_the_profile_needs_a_name(qtbot, make_window) -> None:
    window = make_window()
    view = window.first_run_view
    qtbot.mouseClick(view.welcome_next, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.profile_next, Qt.MouseButton.LeftButton)
    assert view.page == PAGE_PROFILE
    assert view.profile_message.text() == "Vul uw naam in."


def test_a_callback_number_that_is_no_phone_number_is_refused(qtbot, make_window) -> None:
    window = make_window()
    _active(qtbot, window)
    view = window.first_run_view
    qtbot.mouseClick(view.welcome_next, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.name, "Inspecteur Jansen")
    qtbot.keyClicks(view.contact, "bel mij")
    qtbot.keyClick(view.contact, Qt.Key.Key_Return)
    assert view.page == PAGE_PROFILE
    assert view.profile_message.text().startswith("Controleer ‘Terugbelnummer’: een telefoonnummer")
    assert view.contact.hasFocus()
    view.contact.clear()  # optional: left empty, the wizard goes on
    qtbot.keyClick(view.contact, Qt.Key.Key_Return)
    assert view.page == PAGE_PASSPHRASE


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
