"""The first window when a vault exists: only what unlocking needs.

It is on screen before the rest of the desktop has loaded (docs/PERFORMANCE.md: app start to the
unlock window within 1.5x a bare Qt window). The key derivation runs on the worker runner;
then the main window is built, takes over the keys on the GUI thread (the thread that will
use the connection) and replaces this window. The main window keeps its own unlock screen for
every later lock.

This window never imports the main window (which sits above it): ``ui/app.py`` passes in the
function that builds it around the keys (``open_main``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from fieldapp import i18n
from fieldapp.i18n import t
from ui.language import install_language
from ui.views.unlock import UnlockView
from ui.widgets import install_accessible_look, style_sheet
from ui.window_settings import WindowSettings, place_window

if TYPE_CHECKING:
    from fieldapp.vault.vault import UnlockKeys
    from ui.runner import JobRunner


OpenMain = Callable[["UnlockKeys"], QWidget]
"""Builds the main window around the derived keys and returns it, not yet shown."""


class QuickUnlock(QWidget):
    def __init__(
        self, folder: Path, settings: WindowSettings, runner: JobRunner, open_main: OpenMain
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.settings = settings
        self.runner = runner
        self.open_main = open_main
        self.main_window: QWidget | None = None  # the main window, once unlocked
        self.setWindowTitle(t("ui.unlock.title"))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_accessible_look(app)
        self.setStyleSheet(style_sheet(settings.large_touch))
        place_window(self, settings.geometry)
        self._layout = QVBoxLayout(self)
        self.view = self._make_view()

    def _make_view(self) -> UnlockView:
        view = UnlockView(str(self.folder))
        view.unlock_requested.connect(self.unlock)
        view.language_changed.connect(self.apply_language)
        self._layout.addWidget(view)
        view.passphrase.setFocus()
        return view

    def unlock(self, passphrase: str) -> None:
        from fieldapp.vault import derive_unlock_keys  # noqa: PLC0415 - after the window shows

        self.view.set_busy(True)
        self.runner.run(
            lambda: derive_unlock_keys(self.folder, passphrase), self._hand_over, self._failed
        )

    def _hand_over(self, keys: UnlockKeys) -> None:
        window = self.open_main(keys)
        window.setGeometry(self.geometry())
        window.setWindowState(self.windowState())
        window.show()
        self.main_window = window
        self.close()

    def _failed(self, exc: BaseException) -> None:
        from ui.session import describe_error  # noqa: PLC0415 - keep start-up light: ui.session loads after the window, here only on a failure

        self.view.set_busy(False)
        self.view.show_error(describe_error(exc))

    def apply_language(self, lang: str) -> None:
        i18n.set_language(lang)
        self.settings.language = lang
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_language(app, lang)
        self.setWindowTitle(t("ui.unlock.title"))
        old = self.view
        self.view = self._make_view()
        old.deleteLater()
