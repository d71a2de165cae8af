"""Start the desktop app: ``run_desktop`` is what ``fieldapp`` runs without a subcommand."""

from __future__ import annotations

import os
import sys
from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from fieldapp import i18n
from fieldapp.paths import APP_NAME, resolve_vault_dir
from fieldapp.vault.layout import vault_exists
from ui.errors import CrashHandler
from ui.window_settings import WindowSettings

QT_LOCALES = {"nl": QLocale("nl_NL"), "en": QLocale("en_GB")}
_qt_translators: list[QTranslator] = []


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
    return app


def install_language(app: QApplication, lang: str) -> None:
    """Qt's own texts (standard buttons, file dialogs, context menus) and number formats follow
    our language; our texts come from ``fieldapp.i18n``, one catalogue for core and desktop."""
    QLocale.setDefault(QT_LOCALES[lang])
    while _qt_translators:
        app.removeTranslator(_qt_translators.pop())
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)

    for catalogue in ("qtbase",):
        translator = QTranslator(app)
        if translator.load(QT_LOCALES[lang], catalogue, "_", folder):
            app.installTranslator(translator)
            _qt_translators.append(translator)


def language_given_explicitly(argv: list[str] | None = None) -> bool:
    """``--lang`` or ``FIELDAPP_LANG`` beat the language saved in the window settings."""
    args = sys.argv[1:] if argv is None else argv
    if os.environ.get(i18n.LANG_ENV):
        return True
    return any(arg == "--lang" or arg.startswith("--lang=") for arg in args)


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
        from ui.quick_unlock import QuickUnlock  # noqa: PLC0415
        from ui.runner import Runner  # noqa: PLC0415

        first = QuickUnlock(folder, settings, Runner(app))
    else:
        from ui.main_window import MainWindow  # noqa: PLC0415
        from ui.session import VaultSession  # noqa: PLC0415

        first = MainWindow(VaultSession(folder), window_settings=settings)
    first.show()
    try:
        return int(app.exec())
    finally:
        window = getattr(first, "main_window", None) or first
        if hasattr(window, "session"):
            window.session.lock()
        crash.uninstall()
