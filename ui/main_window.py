"""The one window: create or unlock the vault, then the overview, with Lock (Ctrl+L).

The window only routes: what the user asked for goes to :class:`VaultSession`, and what comes
back (an overview or an error) goes to a view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QWidget

from fieldapp.domain import Role
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from ui.models.visits import VisitsModel
from ui.session import Overview, Screen, VaultSession, describe_error
from ui.views.create_vault import CreateVaultView
from ui.views.overview import OverviewView
from ui.views.unlock import UnlockView
from ui.widgets import STYLE

LOCK_SHORTCUT = QKeySequence("Ctrl+L")


class MainWindow(QMainWindow):
    def __init__(self, session: VaultSession) -> None:
        super().__init__()
        self.session = session
        self.setStyleSheet(STYLE)
        self.resize(880, 600)
        self.setMinimumSize(560, 480)

        self.lock_action = QAction(t("ui.action.lock"), self)
        self.lock_action.setShortcut(LOCK_SHORTCUT)
        self.lock_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.lock_action.setToolTip(t("ui.action.lock_tip"))
        self.lock_action.triggered.connect(self.lock)
        self.quit_action = QAction(t("ui.action.quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu(t("ui.menu.vault"))
        menu.addAction(self.lock_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

        folder = str(session.folder)
        self.visits_model = VisitsModel(self)
        self.create_view = CreateVaultView(folder)
        self.unlock_view = UnlockView(folder)
        self.overview_view = OverviewView(self.visits_model, self.lock_action)
        self.stack = QStackedWidget()
        for view in (self.create_view, self.unlock_view, self.overview_view):
            self.stack.addWidget(view)
        self.setCentralWidget(self.stack)

        self.create_view.create_requested.connect(self.create_vault)
        self.unlock_view.unlock_requested.connect(self.unlock)
        self.show_screen(session.screen())

    # -- screens -------------------------------------------------------------------------

    def current_screen(self) -> Screen:
        return {
            self.create_view: Screen.CREATE,
            self.unlock_view: Screen.UNLOCK,
            self.overview_view: Screen.OVERVIEW,
        }[self.stack.currentWidget()]

    def show_screen(self, screen: Screen) -> None:
        view: QWidget = {
            Screen.CREATE: self.create_view,
            Screen.UNLOCK: self.unlock_view,
            Screen.OVERVIEW: self.overview_view,
        }[screen]
        self.stack.setCurrentWidget(view)
        self.lock_action.setEnabled(screen is Screen.OVERVIEW)
        self.setWindowTitle(t(f"ui.title.{screen.value}"))
        if screen is Screen.CREATE:
            self.create_view.passphrase.setFocus()
        elif screen is Screen.UNLOCK:
            self.unlock_view.passphrase.setFocus()
        else:
            self.overview_view.table.setFocus()

    # -- actions -------------------------------------------------------------------------

    def create_vault(self, role: Role, passphrase: str, repeat: str) -> None:
        self._attempt(self.create_view, lambda: self.session.create(role, passphrase, repeat))

    def unlock(self, passphrase: str) -> None:
        self._attempt(self.unlock_view, lambda: self.session.unlock(passphrase))

    def lock(self) -> None:
        """Close the vault and forget everything shown from it."""
        self.session.lock()
        self.overview_view.clear()
        self.unlock_view.reset()
        screen = self.session.screen()
        if screen is Screen.UNLOCK:
            self.unlock_view.show_info(t("ui.unlock.locked"))
        self.show_screen(screen)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.lock()
        self.overview_view.clear()
        super().closeEvent(event)

    def _attempt(self, view: CreateVaultView | UnlockView, action: Callable[[], Overview]) -> None:
        """Run a create or unlock on this (the GUI) thread: the vault's SQLite connection may
        only be used by the thread that opened it. Key derivation blocks for about 0.4 s, so
        the busy text is painted first."""
        with self._busy(view):
            try:
                overview = action()
            except (FieldAppError, OSError) as exc:
                error = describe_error(exc)
            else:
                error = None
        if error is not None:
            view.show_error(error)
            return
        view.reset()
        self.overview_view.show_overview(overview)
        self.show_screen(Screen.OVERVIEW)

    @contextmanager
    def _busy(self, view: CreateVaultView | UnlockView) -> Iterator[None]:
        view.set_busy(True)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        view.repaint()
        try:
            yield
        finally:
            QApplication.restoreOverrideCursor()
            view.set_busy(False)
