"""Qt's own texts in our language: below every window (``ui/app.py`` installs it at start-up;
the unlock window and the main window switch it), so none of them imports another for it."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

QT_LOCALES = {"nl": QLocale("nl_NL"), "en": QLocale("en_GB")}
_qt_translators: list[QTranslator] = []


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
