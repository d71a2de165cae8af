"""Unlock the vault with its passphrase. Errors are the core's own messages."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.i18n import t
from ui.widgets import (
    MessageLabel,
    PassphraseAids,
    centered_column,
    heading,
    paragraph,
    passphrase_field,
)
from ui.window_settings import LANGUAGE_NAMES


class UnlockView(QWidget):
    """Emits ``unlock_requested(passphrase)``; the button waits until something is typed."""

    unlock_requested = Signal(str)
    language_changed = Signal(str)

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.passphrase = passphrase_field(t("ui.unlock.passphrase"))
        form = QFormLayout()
        form.addRow(t("ui.unlock.passphrase"), self.passphrase)
        self.aids = PassphraseAids(self.passphrase)
        form.addRow("", self.aids)

        self.message = MessageLabel()
        self.submit = QPushButton(t("ui.unlock.submit"))
        self.submit.setAccessibleName(t("ui.unlock.submit"))
        self.submit.setDefault(True)
        self.submit.setEnabled(False)
        self.language = QComboBox()
        for lang in i18n.LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[lang], lang)
        self.language.setCurrentIndex(self.language.findData(i18n.current_language()))
        self.language.setAccessibleName(t("ui.settings.language"))
        self.language.setToolTip(t("ui.settings.language"))
        self.language.currentIndexChanged.connect(
            lambda _: self.language_changed.emit(str(self.language.currentData()))
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.language)
        buttons.addStretch(1)
        buttons.addWidget(self.submit)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setSpacing(12)
        layout.addWidget(heading(t("ui.unlock.title")))
        layout.addWidget(paragraph(t("ui.unlock.intro")))
        layout.addWidget(paragraph(t("ui.folder", path=folder), secondary=True, selectable=True))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        QVBoxLayout(self).addWidget(centered_column(content))
        QWidget.setTabOrder(self.passphrase, self.aids.show_text)
        QWidget.setTabOrder(self.aids.show_text, self.submit)
        QWidget.setTabOrder(self.submit, self.language)

        self.passphrase.textChanged.connect(lambda text: self.submit.setEnabled(bool(text)))
        self.passphrase.returnPressed.connect(self._request)
        self.submit.clicked.connect(self._request)

    def show_error(self, text: str) -> None:
        self.passphrase.clear()
        self.message.show_error(text)
        self.passphrase.setFocus()

    def show_info(self, text: str) -> None:
        self.message.show_info(text)

    def set_busy(self, busy: bool) -> None:
        self.passphrase.setEnabled(not busy)
        self.aids.setEnabled(not busy)
        self.language.setEnabled(not busy)
        self.submit.setEnabled(not busy and bool(self.passphrase.text()))
        if busy:
            self.message.show_info(t("ui.unlock.busy"))

    def reset(self) -> None:
        self.passphrase.clear()
        self.aids.reset()
        self.message.clear_message()

    def _request(self) -> None:
        if not self.passphrase.text() or not self.passphrase.isEnabled():
            return
        self.message.clear_message()
        self.unlock_requested.emit(self.passphrase.text())
