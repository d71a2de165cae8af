"""The vault window: create, unlock, errors from the core, lock with Ctrl+L, the visits model."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from fieldapp import i18n
from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.errors import VaultInUse, WrongPassphrase
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.vault.vault import KEY_FILE
from tests.conftest import PASSPHRASE
from ui.app import create_application, run_desktop
from ui.main_window import MainWindow
from ui.models.visits import UUID_ROLE, VisitsModel
from ui.session import Screen


@pytest.fixture
def locked_vault(vault_dir: Path) -> int:
    """A field vault holding 60 demo visits, locked again; returns the number of visits."""
    with Vault.create(vault_dir, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(60, seed=7))
    return 60


def _unlock(qtbot, window: MainWindow, passphrase: str = PASSPHRASE) -> None:
    qtbot.keyClicks(window.unlock_view.passphrase, passphrase)
    qtbot.keyClick(window.unlock_view.passphrase, Qt.Key.Key_Return)


# -- creating ----------------------------------------------------------------------------


def test_create_flow_makes_a_vault_and_shows_it(qtbot, make_window, vault_dir: Path) -> None:
    window = make_window()
    view = window.create_view
    assert window.current_screen() is Screen.CREATE
    assert not window.lock_action.isEnabled()
    texts = " ".join(label.text() for label in view.findChildren(QLabel))
    assert "Een vergeten wachtwoord kan niet worden hersteld." in texts

    view.coordinator_role.setChecked(True)
    qtbot.keyClicks(view.passphrase, PASSPHRASE)
    qtbot.keyClicks(view.repeat, PASSPHRASE)
    qtbot.mouseClick(view.submit, Qt.MouseButton.LeftButton)

    assert window.current_screen() is Screen.OVERVIEW
    assert (vault_dir / KEY_FILE).exists()
    assert window.session.vault is not None
    assert window.session.vault.info.role is Role.COORDINATOR
    overview = window.overview_view
    assert overview.role.text() == "coördinatie"
    assert overview.device_id.text() == window.session.vault.info.device_id
    assert overview.visit_count.text() == "0"
    assert overview.empty.isVisible() and not overview.table.isVisible()
    assert view.passphrase.text() == "" and view.repeat.text() == ""
    assert window.lock_action.isEnabled()


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
def test_create_refuses_a_weak_or_mistyped_passphrase(
    qtbot, make_window, vault_dir: Path, passphrase: str, repeat: str, expected: str
) -> None:
    window = make_window()
    view = window.create_view
    qtbot.keyClicks(view.passphrase, passphrase)
    qtbot.keyClicks(view.repeat, repeat)
    qtbot.keyClick(view.repeat, Qt.Key.Key_Return)

    assert window.current_screen() is Screen.CREATE
    assert view.message.text() == expected
    assert view.message.isVisible()
    assert view.passphrase.text() == "" and view.repeat.text() == ""
    assert not (vault_dir / KEY_FILE).exists()


# -- unlocking ---------------------------------------------------------------------------


def test_unlock_flow_shows_role_count_and_newest_visits(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    assert window.current_screen() is Screen.UNLOCK
    assert not window.unlock_view.submit.isEnabled()

    _unlock(qtbot, window)

    assert window.current_screen() is Screen.OVERVIEW
    overview = window.overview_view
    assert overview.role.text() == "veldwerk"
    assert overview.visit_count.text() == str(locked_vault)
    model = window.visits_model
    assert model.rowCount() == 50  # the newest 50, newest first
    dates = [model.visit(row).started_at for row in range(model.rowCount())]
    assert dates == sorted(dates, reverse=True)
    assert overview.table.isVisible() and not overview.empty.isVisible()
    assert overview.newest_label.text() == "Nieuwste bezoeken (50 van 60)"
    assert window.unlock_view.passphrase.text() == ""


def test_wrong_passphrase_shows_the_dutch_message(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    _unlock(qtbot, window, "dit is niet het wachtwoord")

    assert window.current_screen() is Screen.UNLOCK
    message = window.unlock_view.message.text()
    assert message == WrongPassphrase().message("nl")
    assert message.startswith("Het wachtwoord is onjuist.")
    assert window.unlock_view.passphrase.text() == ""  # nothing wrong left in the field
    assert window.session.vault is None

    _unlock(qtbot, window)  # the failed attempt left the vault usable
    assert window.current_screen() is Screen.OVERVIEW


def test_wrong_passphrase_in_english(qtbot, make_window, locked_vault: int) -> None:
    i18n.set_language("en")
    window = make_window()
    assert window.windowTitle().startswith("Unlock vault")
    _unlock(qtbot, window, "not the passphrase at all")
    assert window.unlock_view.message.text() == WrongPassphrase().message("en")


def test_damaged_vault_is_reported_not_recreated(
    qtbot, make_window, locked_vault: int, vault_dir: Path
) -> None:
    (vault_dir / KEY_FILE).write_bytes(b"not a key file")
    window = make_window()
    assert window.current_screen() is Screen.UNLOCK
    _unlock(qtbot, window)

    assert window.current_screen() is Screen.UNLOCK
    assert window.unlock_view.message.text().startswith("De kluis is beschadigd:")
    assert (vault_dir / KEY_FILE).read_bytes() == b"not a key file"


def test_vault_in_use_elsewhere(qtbot, make_window, vault: Vault) -> None:
    window = make_window()  # the ``vault`` fixture holds the folder lock, like a second window
    _unlock(qtbot, window)

    assert window.current_screen() is Screen.UNLOCK
    assert window.unlock_view.message.text() == VaultInUse().message("nl")


# -- locking -----------------------------------------------------------------------------


def test_ctrl_l_locks_clears_the_model_and_returns_to_unlock(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    _unlock(qtbot, window)
    assert window.visits_model.rowCount() == 50
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    with qtbot.waitSignal(window.visits_model.modelReset):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert window.visits_model.rowCount() == 0
    assert window.current_screen() is Screen.UNLOCK
    assert window.session.vault is None
    assert window.overview_view.device_id.text() == ""
    assert window.unlock_view.message.text() == "De kluis is vergrendeld."
    assert not window.lock_action.isEnabled()

    _unlock(qtbot, window)  # the folder lock was released
    assert window.current_screen() is Screen.OVERVIEW


def test_closing_the_window_locks_the_vault(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    _unlock(qtbot, window)
    vault = window.session.vault
    assert vault is not None
    window.close()
    assert not vault.is_open


# -- the visits model --------------------------------------------------------------------


def test_visits_model_passes_the_model_tester(qtmodeltester, store: Store) -> None:
    store.record_visits(demo_visits(25, seed=11))
    model = VisitsModel()
    model.set_visits(store.list_visits(50))
    qtmodeltester.check(model)

    assert model.rowCount() == 25
    assert model.columnCount() == 7
    first = model.index(0, 0)
    assert model.data(first, UUID_ROLE) == model.visit(0).uuid
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Datum"
    status = model.data(model.index(0, 4))
    assert status in {"open", "afgesloten"}

    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)


# -- starting ----------------------------------------------------------------------------


def test_run_desktop_starts_on_the_create_screen_and_exits_cleanly(qapp, vault_dir: Path) -> None:
    seen: list[Screen] = []

    def close_window() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                seen.append(widget.current_screen())
                widget.close()

    QTimer.singleShot(0, close_window)
    assert run_desktop(str(vault_dir)) == 0
    assert seen == [Screen.CREATE]
    assert QApplication.applicationName() == "FieldApp"
    assert not vault_dir.joinpath(KEY_FILE).exists()


def test_application_follows_the_language(qapp) -> None:
    i18n.set_language("en")
    app = create_application()
    assert app is qapp
    assert app.applicationName() == "FieldApp"
    assert QLocale().name() == "en_GB"
    i18n.set_language("nl")
    create_application()
    assert QLocale().name() == "nl_NL"
