"""Qt's own texts in our language: below every window (``ui/app.py`` installs it at start-up;
the unlock window and the main window switch it), so none of them imports another for it.

Qt's Dutch catalogue (``qtbase_nl.qm``, shipped with PySide6 and collected by ``build.spec``)
lags behind Qt 6's source texts: the file dialog's "&Look in:" and "Files of &type:" gained
their accelerators after the Dutch texts were written, so Qt found no translation and showed
English. :class:`QtGaps` fills exactly those gaps from our own catalogue, for every file dialog
of the app without any of them doing anything (a translator answers before the ones installed
earlier).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator
from PySide6.QtWidgets import QApplication

from fieldapp.i18n import t

QT_LOCALES = {"nl": QLocale("nl_NL"), "en": QLocale("en_GB")}
QT_CATALOGUES = ("qtbase",)

# (Qt's context, Qt's source text) -> our message key, for the texts qtbase_nl.qm misses.
QT_GAPS = {
    ("QFileDialog", "&Look in:"): "ui.qt.look_in",
    ("QFileDialog", "Files of &type:"): "ui.qt.files_of_type",
    ("QAbstractFileIconProvider", "Drive"): "ui.qt.drive",
    ("QAbstractFileIconProvider", "Folder"): "ui.qt.folder",
}
_qt_translators: list[QTranslator] = []


class QtGaps(QTranslator):
    """Answers for the few Qt texts its own catalogue leaves in English."""

    def __init__(self, lang: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lang = lang

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None, not "": Qt asks the next translator only after a null string.
        key = QT_GAPS.get((context, source_text))
        return None if key is None else t(key, self.lang)

    def isEmpty(self) -> bool:
        return False


def install_language(app: QApplication, lang: str) -> None:
    """Qt's own texts (standard buttons, file dialogs, context menus) and number formats follow
    our language; our texts come from ``fieldapp.i18n``, one catalogue for core and desktop."""
    QLocale.setDefault(QT_LOCALES[lang])
    while _qt_translators:
        app.removeTranslator(_qt_translators.pop())
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)

    for catalogue in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(QT_LOCALES[lang], catalogue, "_", folder):
            app.installTranslator(translator)
            _qt_translators.append(translator)
    gaps = QtGaps(lang, app)
    app.installTranslator(gaps)
    _qt_translators.append(gaps)


def qt_text(context: str, source_text: str) -> str:
    """What Qt shows for one of its texts now (tests and the screenshots ask this)."""
    return QCoreApplication.translate(context, source_text)
