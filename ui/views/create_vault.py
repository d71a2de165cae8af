"""First start: make the vault. The checks and the creating happen in ``VaultSession``."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import Role
from fieldapp.i18n import t
from fieldapp.vault.passphrase import MIN_PASSPHRASE_LENGTH
from ui.widgets import MessageLabel, centered_column, heading, note, paragraph, passphrase_field


class CreateVaultView(QWidget):
    """Emits ``create_requested(role, passphrase, repeat)``; shows what the window reports."""

    create_requested = Signal(object, str, str)

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.field_role = QRadioButton(t("ui.role.field_choice"))
        self.field_role.setAccessibleName(t("ui.role.field_choice"))
        self.field_role.setChecked(True)
        self.coordinator_role = QRadioButton(t("ui.role.coordinator_choice"))
        self.coordinator_role.setAccessibleName(t("ui.role.coordinator_choice"))
        self._roles = QButtonGroup(self)
        self._roles.addButton(self.field_role)
        self._roles.addButton(self.coordinator_role)

        role_box = QGroupBox(t("ui.create.role"))
        role_box.setAccessibleName(t("ui.create.role"))
        role_layout = QVBoxLayout(role_box)
        role_layout.addWidget(self.field_role)
        role_layout.addWidget(self.coordinator_role)
        role_layout.addWidget(paragraph(t("ui.create.role_fixed"), secondary=True))

        self.passphrase = passphrase_field(t("ui.create.passphrase"))
        self.repeat = passphrase_field(t("ui.create.repeat"))
        hint = t("ui.create.hint", minimum=MIN_PASSPHRASE_LENGTH)
        self.passphrase.setAccessibleDescription(hint)
        form = QFormLayout()
        form.addRow(t("ui.create.passphrase"), self.passphrase)
        form.addRow(t("ui.create.repeat"), self.repeat)

        self.message = MessageLabel()
        self.submit = QPushButton(t("ui.create.submit"))
        self.submit.setAccessibleName(t("ui.create.submit"))
        self.submit.setDefault(True)
        self.submit.setAutoDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.submit)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setSpacing(12)
        layout.addWidget(heading(t("ui.create.title")))
        layout.addWidget(paragraph(t("ui.create.intro")))
        layout.addWidget(paragraph(t("ui.folder", path=folder), secondary=True, selectable=True))
        layout.addWidget(role_box)
        layout.addLayout(form)
        layout.addWidget(paragraph(hint, secondary=True))
        layout.addWidget(note(t("ui.create.warning")))
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        QVBoxLayout(self).addWidget(centered_column(content))

        self.submit.clicked.connect(self._request)
        self.passphrase.returnPressed.connect(self.repeat.setFocus)
        self.repeat.returnPressed.connect(self._request)

    def role(self) -> Role:
        return Role.COORDINATOR if self.coordinator_role.isChecked() else Role.FIELD

    def show_error(self, text: str) -> None:
        """Both fields are emptied: after a mismatch nobody knows which one was mistyped."""
        self.passphrase.clear()
        self.repeat.clear()
        self.message.show_error(text)
        self.passphrase.setFocus()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.passphrase, self.repeat, self.submit, self.field_role):
            widget.setEnabled(not busy)
        self.coordinator_role.setEnabled(not busy)
        if busy:
            self.message.show_info(t("ui.create.busy"))

    def reset(self) -> None:
        """Forget what was typed (after success or when leaving this screen)."""
        self.passphrase.clear()
        self.repeat.clear()
        self.message.clear_message()

    def _request(self) -> None:
        self.message.clear_message()
        self.create_requested.emit(self.role(), self.passphrase.text(), self.repeat.text())
