"""Issue 12 in the desktop: the vault's storage errors, the rollback question and the notices
read the same as on the command line (ui/errors.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.errors import DiskFull, FieldAppError, FolderMissing, VaultRolledBack
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.vault.layout import DB_FILE, KEY_FILE
from tests.support import PASSPHRASE
from ui.errors import CrashHandler, confirm_older_vault, show_notices, user_message
from ui.session import VaultSession, describe_error


def test_a_storage_error_that_escapes_a_view_shows_its_own_message(tmp_path: Path) -> None:
    shown: list[str] = []
    handler = CrashHandler(folder=tmp_path / "logs", show=shown.append)
    handler.install()
    try:
        full = DiskFull(path=str(tmp_path / "vault"), detail="database or disk is full")
        try:
            raise full
        except DiskFull:
            sys.excepthook(*sys.exc_info())
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        handler.uninstall()
    assert shown[0] == full.message()
    assert "vol" in shown[0] and "De kluis is beschadigd" not in shown[0]
    assert shown[1].startswith("Er ging iets onverwachts mis")
    assert "DiskFull" in handler.log_path.read_text(encoding="utf-8")  # still logged


def test_user_message_and_describe_error_agree(tmp_path: Path) -> None:
    missing = FolderMissing(path=str(tmp_path / "stick"), detail="-", target=True)
    assert user_message(missing) == describe_error(missing) == missing.message()
    assert user_message(RuntimeError("x")) is None


def _rolled_back_vault(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(2, seed=1))
    old = tmp_path / "old"
    old.mkdir()
    for name in (DB_FILE, KEY_FILE):
        shutil.copy2(folder / name, old / name)
    with Vault.unlock(folder, PASSPHRASE) as vault:
        Store(vault).record_visits(demo_visits(2, seed=2))
    for name in (DB_FILE, KEY_FILE):
        shutil.copy2(old / name, folder / name)
    return folder


def test_the_desktop_unlock_says_older_not_damaged(tmp_path: Path) -> None:
    session = VaultSession(_rolled_back_vault(tmp_path), FAST_FOR_TESTS)
    try:
        session.open_with_keys(session.derive_keys(PASSPHRASE))
    except VaultRolledBack as exc:
        text = describe_error(exc)
    else:
        raise AssertionError("an older vault opened without a word")
    assert text.startswith("Deze kluis is ouder") and "beschadigd" not in text
    assert not session.is_open


def test_confirming_an_older_vault_takes_a_deliberate_click(tmp_path: Path, qtbot) -> None:
    folder = _rolled_back_vault(tmp_path)
    try:
        Vault.unlock(folder, PASSPHRASE)
    except VaultRolledBack as exc:
        error = exc
    asked: list[str] = []
    assert confirm_older_vault(error, ask=lambda text: asked.append(text) or False) is False
    assert asked[0].startswith(error.message()) and "bewust" in asked[0]

    def answer(accept: bool) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        if accept:
            for button in box.buttons():
                if box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole:
                    button.click()
        else:
            box.reject()  # Escape or the window's close button

    QTimer.singleShot(0, lambda: answer(False))
    assert confirm_older_vault(error) is False
    QTimer.singleShot(0, lambda: answer(True))
    assert confirm_older_vault(error) is True
    with Vault.unlock(folder, PASSPHRASE, accept_older=True) as vault:
        assert vault.check().ok


def test_notices_are_shown_together() -> None:
    shown: list[str] = []
    reason = DiskFull(path="/media/stick", detail="-")
    notices = [FieldAppError("vault.notice.unlock_not_audited", reason=reason)]
    show_notices(notices, show=shown.append)
    assert shown == [notices[0].message()]
    assert "logboek" in shown[0] and "vol" in shown[0]
    show_notices([], show=shown.append)
    assert len(shown) == 1


def _put_back_older(folder: Path) -> None:
    """The vault at ``folder`` (locked) goes back to the state it has now after more work."""
    old = folder.parent / "older-copy"
    old.mkdir()
    for name in (DB_FILE, KEY_FILE):
        shutil.copy2(folder / name, old / name)
    with Vault.unlock(folder, PASSPHRASE) as vault:
        Store(vault).record_visits(demo_visits(2, seed=21))
    for name in (DB_FILE, KEY_FILE):
        shutil.copy2(old / name, folder / name)


def test_the_window_opens_an_older_vault_only_after_a_yes(
    qtbot, make_window, locked_vault: int, vault_dir: Path, monkeypatch
) -> None:
    from tests.support.qt import unlock
    from ui.session import Screen

    _put_back_older(vault_dir)
    answers: list[bool] = [False, True]
    asked: list[str] = []
    shown: list[str] = []

    def confirm(exc: VaultRolledBack, parent=None) -> bool:
        asked.append(exc.message())
        return answers.pop(0)

    monkeypatch.setattr("ui.main_window.confirm_older_vault", confirm)
    monkeypatch.setattr(
        "ui.main_window.show_notices",
        lambda notices, parent=None: shown.extend(notice.message() for notice in notices),
    )
    window = make_window()
    unlock(qtbot, window)  # "no": the window stays locked and says why
    assert window.current_screen() is Screen.UNLOCK
    assert not window.session.is_open
    assert asked and "ouder" in asked[0]
    assert "ouder" in window.unlock_view.message.text()
    unlock(qtbot, window)  # "yes": opened, and the confirmation is in the audit log
    assert window.current_screen() is Screen.OVERVIEW
    assert window.visits_model.rowCount() == locked_vault
    assert len(asked) == 2 and shown == []
    actions = {a for (a,) in window.session.vault.conn.execute("SELECT action FROM audit_log")}
    assert "accept_older" in actions
