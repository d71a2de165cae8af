"""Start the desktop app: ``run_desktop`` is what ``fieldapp`` runs without a subcommand."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from fieldapp import i18n
from fieldapp.paths import APP_NAME, resolve_vault_dir
from ui.main_window import MainWindow
from ui.session import VaultSession

QT_LOCALES = {"nl": QLocale("nl_NL"), "en": QLocale("en_GB")}
_qt_translator: QTranslator | None = None


def create_application() -> QApplication:
    """The application object (or the existing one, under pytest-qt), named and translated."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        # Qt gets the program name only: our own options were parsed by the CLI already.
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    install_language(app, i18n.current_language())
    return app


def install_language(app: QApplication, lang: str) -> None:
    """Qt's own texts (standard buttons, context menus) and number formats follow our language;
    our texts come from ``fieldapp.i18n``, one catalogue for the core and the desktop."""
    global _qt_translator  # noqa: PLW0603 - one Qt translator per process, replaced on change
    QLocale.setDefault(QT_LOCALES[lang])
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QT_LOCALES[lang], "qtbase", "_", folder):
        app.installTranslator(translator)
        _qt_translator = translator


def run_desktop(vault_path: str | None) -> int:
    app = create_application()
    window = MainWindow(VaultSession(resolve_vault_dir(vault_path)))
    window.show()
    try:
        return int(app.exec())
    finally:
        window.session.lock()
