"""The vault window: unlock (through the runner), errors from the core, lock with Ctrl+L,
closing, starting, and the application's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton

from fieldapp import i18n
from fieldapp.demo import demo_visits
from fieldapp.errors import VaultInUse, VaultLocked, WrongPassphrase
from fieldapp.vault import Vault
from fieldapp.vault.vault import KEY_FILE
from tests.support.qt import unlock
from ui.app import create_application, language_given_explicitly, run_desktop
from ui.main_window import MainWindow
from ui.runner import Runner
from ui.session import Screen
from ui.settings import WindowSettings


def test_unlock_shows_the_visits_list(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    assert window.current_screen() is Screen.UNLOCK
    assert not window.unlock_view.submit.isEnabled()
    assert not window.lock_action.isEnabled()

    unlock(qtbot, window)

    assert window.current_screen() is Screen.OVERVIEW
    assert window.visits_model.rowCount() == locked_vault
    assert window.visits_view.count.text() == f"{locked_vault} bezoeken"
    assert window.visits_view.table.isVisible()
    assert window.unlock_view.passphrase.text() == ""
    assert window.status_label.text() == "veldwerk"  # the role; never a device id
    assert window.lock_action.isEnabled() and window.new_visit_action.isEnabled()
    assert window.autolock.armed


def test_unlock_on_a_real_worker_thread(qtbot, make_window, locked_vault: int) -> None:
    window = make_window(runner=None)
    assert isinstance(window.runner, Runner)
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.current_screen() is Screen.OVERVIEW, timeout=10_000)
    assert window.visits_model.rowCount() == locked_vault


def test_wrong_passphrase_shows_the_dutch_message(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window, "dit is niet het wachtwoord")

    assert window.current_screen() is Screen.UNLOCK
    message = window.unlock_view.message.text()
    assert message == WrongPassphrase().message("nl")
    assert message.startswith("Het wachtwoord is onjuist.")
    assert window.unlock_view.passphrase.text() == ""  # nothing wrong left in the field
    assert window.unlock_view.passphrase.isEnabled()
    assert window.session.vault is None

    unlock(qtbot, window)  # the failed attempt left the vault usable
    assert window.current_screen() is Screen.OVERVIEW


def test_wrong_passphrase_in_english(qtbot, make_window, locked_vault: int) -> None:
    i18n.set_language("en")
    window = make_window()
    assert window.windowTitle().startswith("Unlock vault")
    unlock(qtbot, window, "not the passphrase at all")
    assert window.unlock_view.message.text() == WrongPassphrase().message("en")


def test_damaged_vault_is_reported_not_recreated(
    qtbot, make_window, locked_vault: int, vault_dir: Path
) -> None:
    (vault_dir / KEY_FILE).write_bytes(b"not a key file")
    window = make_window()
    assert window.current_screen() is Screen.UNLOCK
    unlock(qtbot, window)

    assert window.current_screen() is Screen.UNLOCK
    assert window.unlock_view.message.text().startswith("De kluis is beschadigd:")
    assert (vault_dir / KEY_FILE).read_bytes() == b"not a key file"


def test_vault_in_use_elsewhere(qtbot, make_window, vault: Vault) -> None:
    window = make_window()  # the ``vault`` fixture holds the folder lock, like a second window
    unlock(qtbot, window)

    assert window.current_screen() is Screen.UNLOCK
    assert window.unlock_view.message.text() == VaultInUse().message("nl")


def test_ctrl_l_locks_clears_the_model_and_returns_to_unlock(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    vault = window.session.vault
    assert vault is not None
    assert window.visits_model.rowCount() == locked_vault
    window.visits_view.search.setText("Westland")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    with qtbot.waitSignal(window.visits_model.modelReset):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert window.visits_model.rowCount() == 0
    assert window.visits_model.cached_pages == 0
    assert window.current_screen() is Screen.UNLOCK
    assert window.session.vault is None
    with pytest.raises(VaultLocked):
        _ = vault.conn
    assert not any(vault.key_buffer)
    assert window.visits_view.search.text() == ""
    assert window.visits_view.municipality.count() == 1  # "all" only: no place names kept
    assert window.status_label.text() == ""
    assert window.unlock_view.message.text() == "De kluis is vergrendeld."
    assert not window.lock_action.isEnabled()
    assert not window.autolock.armed

    unlock(qtbot, window)  # the folder lock was released
    assert window.current_screen() is Screen.OVERVIEW


def test_unlocking_returns_to_the_visit_that_was_open(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    view.focus_table()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    chosen = view.current_visit()
    assert chosen is not None
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.current_screen() is Screen.VISIT
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    qtbot.keyClick(window.editor, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() is Screen.UNLOCK
    assert window.editor is None
    # Which case was open is never written down in clear: the window settings hold no id.
    window.window_settings.geometry = window.saveGeometry()  # as closing writes it
    window.window_settings._qsettings.sync()
    assert chosen not in window.window_settings.path.read_text(encoding="utf-8")

    unlock(qtbot, window)
    assert window.current_screen() is Screen.VISIT
    assert window.editor is not None and window.editor.visit_uuid == chosen

    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)  # back to the list, then lock there
    window.lock()
    unlock(qtbot, window)
    assert window.current_screen() is Screen.OVERVIEW  # the list, where the lock found it


def test_unlocking_after_the_open_visit_went_shows_the_list(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    new_uuid = window.session.store.record_visit(next(demo_visits(1, seed=99)))
    window.open_visit(new_uuid)
    window.session.store.delete("visit", new_uuid)  # deleted from the editor, then locked
    window.lock()

    unlock(qtbot, window)
    assert window.current_screen() is Screen.OVERVIEW
    assert window.editor is None


def test_lock_from_the_menu(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.lock_action.trigger()
    assert window.current_screen() is Screen.UNLOCK
    assert window.session.vault is None


def test_closing_the_window_locks_the_vault(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    vault = window.session.vault
    assert vault is not None
    window.close()
    assert not vault.is_open
    assert WindowSettings().geometry is not None  # harmless window state only


def test_run_desktop_starts_on_the_create_screen_and_exits_cleanly(qapp, vault_dir: Path) -> None:
    import sys

    hook = sys.excepthook
    seen: list[Screen] = []

    def close_window() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget.current_screen())
                widget.close()

    QTimer.singleShot(0, close_window)
    assert run_desktop(str(vault_dir)) == 0
    assert seen == [Screen.CREATE]
    assert QApplication.applicationName() == "FieldApp"
    assert not vault_dir.joinpath(KEY_FILE).exists()
    assert sys.excepthook is hook  # the crash handler is removed again


def test_run_desktop_uses_the_saved_language(
    qapp, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    WindowSettings().language = "en"
    monkeypatch.setattr("sys.argv", ["fieldapp"])
    titles: list[str] = []

    def close_window() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                titles.append(widget.windowTitle())
                widget.close()

    QTimer.singleShot(0, close_window)
    assert run_desktop(str(vault_dir)) == 0
    assert titles == ["New vault"]
    assert language_given_explicitly(["--lang", "nl"])
    assert not language_given_explicitly([])


def test_application_follows_the_language(qapp) -> None:
    i18n.set_language("en")
    app = create_application()
    assert app is qapp
    assert app.applicationName() == "FieldApp"
    assert QLocale().name() == "en_GB"
    i18n.set_language("nl")
    create_application()
    assert QLocale().name() == "nl_NL"
    assert QApplication.translate("QPlatformTheme", "Cancel") == "Annuleren"


def test_qt_file_dialog_speaks_dutch(qtbot, qapp) -> None:
    """Qt's own file dialog (the one Qt draws itself, as on Linux): every label and button in
    Dutch, also the two texts Qt's Dutch catalogue lacks ("Look in", "Files of type")."""
    i18n.set_language("nl")
    create_application()
    dialog = QFileDialog(None, "x", str(Path.home()), "PDF (*.pdf)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"&Zoeken in:", "Bestands&type:", "Bestands&naam:"} <= labels
    assert not labels & {"&Look in:", "Files of &type:", "File &name:"}
    buttons = {button.text() for button in dialog.findChildren(QPushButton)}
    assert {"Op&slaan", "Annuleren"} <= buttons
    dialog.reject()

    i18n.set_language("en")
    create_application()
    assert QApplication.translate("QFileDialog", "&Look in:") == "&Look in:"
    i18n.set_language("nl")
    create_application()
    assert QApplication.translate("QFileDialog", "Files of &type:") == "Bestands&type:"
