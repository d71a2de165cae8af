"""Auto-lock: idle time on an injected clock, input resets it, suspend locks at once; locking
clears the list, the editor and open dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog

from fieldapp.errors import VaultLocked
from tests.support.qt import FakeClock, unlock
from ui.autolock import AutoLock, default_clock
from ui.session import Screen
from ui.settings import VaultSettings


def test_idle_time_locks_the_vault(qtbot, make_window, clock: FakeClock, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    vault = window.session.vault
    assert vault is not None
    assert window.autolock.timeout_seconds == 5 * 60  # the default: 5 minutes

    clock.advance(4 * 60 + 59)
    window.autolock.timer.timeout.emit()  # the tick, without waiting for it
    assert window.current_screen() is Screen.OVERVIEW

    clock.advance(1)
    window.autolock.timer.timeout.emit()
    assert window.current_screen() is Screen.UNLOCK
    assert window.visits_model.rowCount() == 0
    assert window.session.vault is None
    with pytest.raises(VaultLocked):
        _ = vault.conn
    assert window.unlock_view.message.text() == (
        "De kluis is vergrendeld na 5 minuten zonder gebruik."
    )
    assert not window.autolock.armed


def test_input_resets_the_idle_time(
    qtbot, make_window, clock: FakeClock, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    clock.advance(4 * 60)
    qtbot.keyClick(window.visits_view.table, Qt.Key.Key_Down)  # any key press counts
    clock.advance(4 * 60)
    window.autolock.check()
    assert window.session.is_open

    clock.advance(60)
    window.autolock.check()
    assert not window.session.is_open


def test_the_setting_in_the_vault_sets_the_time(
    qtbot, make_window, clock: FakeClock, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    VaultSettings(window.session.store).auto_lock_minutes = 2
    window.lock()
    unlock(qtbot, window)
    assert window.autolock.timeout_seconds == 120
    clock.advance(120)
    window.autolock.check()
    assert window.current_screen() is Screen.UNLOCK


def test_suspend_locks_at_once(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.autolock.on_application_state(Qt.ApplicationState.ApplicationSuspended)
    assert window.current_screen() is Screen.UNLOCK
    assert window.unlock_view.message.text() == (
        "De kluis is vergrendeld omdat het apparaat in slaapstand ging."
    )


def test_screen_lock_signal_locks(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.autolock._screen_watch.on_active_changed(True)
    assert not window.session.is_open
    assert window.unlock_view.message.text() == (
        "De kluis is vergrendeld omdat het scherm werd vergrendeld."
    )


def test_lock_clears_the_editor_and_closes_dialogs(
    qtbot, make_window, clock: FakeClock, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.visits_view.focus_table()
    qtbot.keyClick(window.visits_view.table, Qt.Key.Key_Return)
    editor = window.editor
    assert editor is not None and window.current_screen() is Screen.VISIT

    seen: list[bool] = []

    def lock_while_settings_are_open() -> None:
        dialogs = [d for d in window.findChildren(QDialog) if d.isVisible()]
        seen.append(bool(dialogs))
        clock.advance(10 * 60)
        window.autolock.check()

    QTimer.singleShot(0, lock_while_settings_are_open)
    window.open_settings()  # modal: the auto-lock closes it

    assert seen == [True]
    assert editor.cleared
    assert window.editor is None
    assert window.current_screen() is Screen.UNLOCK
    assert not [d for d in window.findChildren(QDialog) if d.isVisible()]


def test_nothing_happens_while_locked(qtbot, clock: FakeClock) -> None:
    autolock = AutoLock(clock)
    fired: list[str] = []
    autolock.lock_requested.connect(fired.append)
    clock.advance(3600)
    autolock.check()
    autolock.on_application_state(Qt.ApplicationState.ApplicationSuspended)
    assert fired == []
    autolock.arm(1)
    clock.advance(61)
    autolock.check()
    autolock.check()
    assert fired == ["idle"]  # once per arming
    assert default_clock() > 0
