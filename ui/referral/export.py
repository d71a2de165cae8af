"""Exporting a referral to a file: encrypted by default with a password shown once, or, after
an explicit warning, without one. Used by the preview and by the referrals list.

The password is generated here (``generate_password``: 100 bits), never stored, and shown once
in :class:`PasswordDialog`. "Kopiëren" puts it on the clipboard for 30 seconds
(:class:`SecretClipboard`); the main window also clears the clipboard on lock and quit.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import Referral
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.referral.protect import generate_password
from fieldapp.store.store import Store
from ui.referral.controller import export_referral, suggested_file_name
from ui.widgets import MessageLabel, heading, note, paragraph

CLIPBOARD_SECONDS = 30


class SecretClipboard(QObject):
    """Puts one secret on the clipboard and takes it off again after ``CLIPBOARD_SECONDS``,
    when the application quits, or when :meth:`clear` is called, whichever comes first. It only
    clears the clipboard while it still holds that secret (not what the user copied since)."""

    _instance: SecretClipboard | None = None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._secret: str | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.clear)

    @classmethod
    def instance(cls) -> SecretClipboard:
        """One per application, so the timer outlives the dialog that started it."""
        app = QCoreApplication.instance()
        if cls._instance is None or cls._instance.parent() is not app:
            cls._instance = cls(app)
            if app is not None:
                app.aboutToQuit.connect(cls._instance.clear)
        return cls._instance

    def put(self, secret: str, seconds: int = CLIPBOARD_SECONDS) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is None:
            return
        clipboard.setText(secret)
        self._secret = secret
        self.timer.start(seconds * 1000)

    @property
    def holding(self) -> bool:
        return self._secret is not None

    def clear(self) -> None:
        self.timer.stop()
        secret, self._secret = self._secret, None
        clipboard = QGuiApplication.clipboard()
        if secret is not None and clipboard is not None and clipboard.text() == secret:
            clipboard.clear()


def _monospace(size_delta: int = 6) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(max(font.pointSize(), 10) + size_delta)
    font.setWeight(QFont.Weight.DemiBold)
    return font


class PasswordDialog(QDialog):
    """The export password, shown this one time, with a copy button and the advice to send it
    another way than the file. "Ik heb het wachtwoord" has the focus and is the default, so
    Return closes it; Alt+K copies (issue 14: the keyboard's next step is the default). Closing
    it without the password loses nothing: exporting again gives a new one."""

    def __init__(self, password: str, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("ui.referral.password.title"))
        self.setAccessibleName(t("ui.referral.password.title"))
        self._password = password
        self.password_label = QLabel(password)
        self.password_label.setObjectName("password")
        self.password_label.setFont(_monospace())
        self.password_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.password_label.setAccessibleName(t("ui.referral.password.name"))
        self.password_label.setAccessibleDescription(" ".join(password))
        self.copy_button = QPushButton(t("ui.referral.password.copy"))
        self.copy_button.setObjectName("copy")
        self.copy_button.setAccessibleName(t("ui.referral.password.copy_plain"))
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy)
        self.copied = MessageLabel()
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self.password_label)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        buttons = QDialogButtonBox()
        self.done_button = buttons.addButton(
            t("ui.referral.password.done"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.done_button.setAccessibleName(t("ui.referral.password.done"))
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        layout.addWidget(heading(t("ui.referral.password.heading")))
        layout.addWidget(paragraph(t("ui.referral.password.intro", name=file_name)))
        layout.addLayout(row)
        layout.addWidget(self.copied)
        layout.addWidget(note(t("ui.referral.password.advice")))
        layout.addWidget(paragraph(t("ui.referral.password.once"), secondary=True))
        layout.addWidget(buttons)
        # Wide enough that its wrapped texts fit a tablet's 533 px of height: at 520 px the
        # advice and the warning were clipped there (issue 14).
        screen = (
            parent.screen() if parent is not None else None
        ) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().width() - 48 if screen is not None else 760
        self.setMinimumWidth(max(520, min(760, room)))
        self.done_button.setDefault(True)
        self.done_button.setFocus()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A window is not made as high as its wrapped texts need at its width (Qt sizes it
        from hints without the wrapping): it grows to that height, so nothing is clipped."""
        super().resizeEvent(event)
        layout = self.layout()
        needed = layout.totalHeightForWidth(self.width()) if layout is not None else -1
        if needed > self.height():
            self.resize(self.width(), needed)

    def copy(self) -> None:
        SecretClipboard.instance().put(self._password)
        self.copied.show_info(t("ui.referral.password.copied", seconds=CLIPBOARD_SECONDS))

    def clear_clipboard(self) -> None:
        """What the 30-second timer does (tests call it instead of waiting)."""
        SecretClipboard.instance().clear()

    def done(self, result: int) -> None:
        self._password = ""
        self.password_label.clear()
        super().done(result)


class ReferralExporter:
    """Asks where, writes the file and shows the password. ``parent`` hosts the dialogs."""

    def __init__(self, store: Store, parent: QWidget) -> None:
        self.store = store
        self.parent = parent
        self.password_dialog: PasswordDialog | None = None

    def confirm_plain(self) -> bool:
        """The explicit warning before a file without a password; "Annuleren" is the default."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(t("ui.referral.plain.title"))
        box.setText(t("ui.referral.plain.text"))
        box.setInformativeText(t("ui.referral.plain.detail"))
        plain = box.addButton(t("ui.referral.plain.confirm"), QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(t("ui.referral.plain.cancel"), QMessageBox.ButtonRole.RejectRole)
        plain.setObjectName("confirmPlain")
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        chosen = box.clickedButton() is plain
        box.deleteLater()
        return chosen

    def export(self, referral: Referral, pdf: bytes, *, encrypt: bool = True) -> Path | None:
        """Returns the file written, or None (cancelled). Raises ``FieldAppError`` or
        ``OSError`` when writing fails; nothing is left behind then (atomic write)."""
        if not encrypt and not self.confirm_plain():
            return None
        suggested = Path.home() / suggested_file_name(referral)
        path, _ = QFileDialog.getSaveFileName(
            self.parent,
            t("ui.referral.export.title" if encrypt else "ui.referral.export.title_plain"),
            str(suggested),
            t("ui.referral.export.filter"),
        )
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        password = generate_password() if encrypt else None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            export_referral(self.store, referral, pdf, target, password)
        finally:
            QApplication.restoreOverrideCursor()
        if password is not None:
            self.show_password(password, target.name)
        return target

    def show_password(self, password: str, file_name: str) -> PasswordDialog:
        if self.password_dialog is not None:
            self.password_dialog.reject()
        dialog = PasswordDialog(password, file_name, self.parent)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.password_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop
        return dialog

    def _forget(self, dialog: PasswordDialog) -> None:
        if self.password_dialog is dialog:
            self.password_dialog = None
        dialog.deleteLater()


def describe_export_error(exc: BaseException) -> str:
    if isinstance(exc, FieldAppError):
        return t("ui.referral.export.failed", reason=exc.message())
    detail = getattr(exc, "strerror", None) or type(exc).__name__
    return t("ui.referral.export.failed", reason=detail)
