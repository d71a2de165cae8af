"""Start the desktop app: ``run_desktop`` is what ``fieldapp`` runs without a subcommand.

The top of ``ui/``: it picks the first window (the unlock window when a vault exists, else the
main window on its first-run screen) and gives the unlock window the function that builds the
main window once the keys are derived (:func:`main_window_opener`), so no window imports
another that sits above it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QWidget

from fieldapp import i18n
from fieldapp.paths import APP_NAME, resolve_vault_dir
from fieldapp.vault.layout import vault_exists
from ui.errors import CrashHandler
from ui.language import install_language
from ui.quick_unlock import OpenMain, QuickUnlock
from ui.runner import Runner
from ui.widgets import install_accessible_look
from ui.window_settings import WindowSettings

if TYPE_CHECKING:
    from fieldapp.vault.vault import UnlockKeys


def create_application() -> QApplication:
    """The application object (or the existing one, under pytest-qt), named and translated."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        # Qt gets the program name only: our own options were parsed by the CLI already.
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    install_language(app, i18n.current_language())
    install_accessible_look(app)
    return app


def language_given_explicitly(argv: list[str] | None = None) -> bool:
    """``--lang`` or ``FIELDAPP_LANG`` beat the language saved in the window settings."""
    args = sys.argv[1:] if argv is None else argv
    if os.environ.get(i18n.LANG_ENV):
        return True
    return any(arg == "--lang" or arg.startswith("--lang=") for arg in args)


def main_window_opener(folder: Path, settings: WindowSettings) -> OpenMain:
    """What the unlock window hands the derived keys to: the main window, built and unlocked."""

    def open_main(keys: UnlockKeys) -> QWidget:
        # The rest of the desktop loads after the passphrase, not before the unlock window.
        from ui.main_window import MainWindow  # noqa: PLC0415 - keep start-up light
        from ui.session import VaultSession  # noqa: PLC0415 - keep start-up light

        window = MainWindow(VaultSession(folder), window_settings=settings)
        window.open_unlocked(keys)
        return window

    return open_main


def run_desktop(vault_path: str | None) -> int:
    settings = WindowSettings()
    saved = settings.language
    if saved is not None and not language_given_explicitly():
        i18n.set_language(saved)
    app = create_application()
    crash = CrashHandler()
    crash.install()
    folder = resolve_vault_dir(vault_path)
    first: Any
    if vault_exists(folder):
        first = QuickUnlock(folder, settings, Runner(app), main_window_opener(folder, settings))
    else:
        from ui.main_window import MainWindow  # noqa: PLC0415 - only without a vault: first run
        from ui.session import VaultSession  # noqa: PLC0415 - only without a vault: first run

        first = MainWindow(VaultSession(folder), window_settings=settings)
    first.show()
    try:
        return int(app.exec())
    finally:
        window = getattr(first, "main_window", None) or first
        if hasattr(window, "session"):
            window.session.lock()
        crash.uninstall()
