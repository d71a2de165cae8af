"""What both sync pages share: the large fingerprint, buttons, small files, error texts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
)

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.sync.cards import MAX_DOCUMENT_BYTES
from ui.session import describe_error

STATUS_ROLE = Qt.ItemDataRole.UserRole
LabelT = TypeVar("LabelT", bound=QLabel)


def item(text: str, data: object = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if data is not None:
        item.setData(STATUS_ROLE, data)
    return item


def plain(text: str) -> str:
    """A button or label text as an accessible name: no mnemonic, no ellipsis."""
    return text.replace("&", "").replace("…", "").strip()


def plain_label(label: LabelT) -> LabelT:
    """A label that shows names from a stick or a device as they are: a file called
    ``<b>x.far`` is text, never markup."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def button(name: str, key: str, slot: Callable[[], Any]) -> QPushButton:
    widget = QPushButton(t(key))
    widget.setObjectName(name)
    widget.setAccessibleName(plain(t(key)))
    widget.setAutoDefault(False)
    widget.clicked.connect(lambda _checked=False: slot())
    return widget


def fingerprint_field(name: str, label_key: str) -> QLineEdit:
    """Where a person types the 12 groups of 5 digits the other side reads out."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(t(label_key))
    field.setPlaceholderText(t("ui.sync.fingerprint_placeholder"))
    field.setMaxLength(120)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    field.setFont(mono)
    return field


class FingerprintLabel(QLabel):
    """A fingerprint large and grouped (three lines of four groups), to read aloud."""

    def __init__(self, accessible_key: str) -> None:
        super().__init__()
        self.setObjectName("fingerprint")
        self._accessible_key = accessible_key
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10) * 1.8)
        font.setWeight(QFont.Weight.DemiBold)
        self.setFont(font)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable, so a screen reader reads it
        self.fingerprint = ""
        self.hide()

    def show_fingerprint(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        groups = fingerprint.split()
        self.setText("\n".join(" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)))
        self.setAccessibleName(t(self._accessible_key))
        self.setAccessibleDescription(fingerprint)
        self.show()

    def clear_fingerprint(self) -> None:
        self.fingerprint = ""
        self.clear()
        self.hide()


def read_document(path: Path) -> bytes:
    """A card, request or acknowledgement: small files; anything larger is cut (the parser
    refuses it) instead of read whole."""
    with open(path, "rb") as handle:
        return handle.read(MAX_DOCUMENT_BYTES + 1)


def write_document(path: Path, data: bytes) -> None:
    """Write to a temporary name first, so a half-written document never carries the name."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(data)
    temp.replace(path)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, FieldAppError | OSError):
        return describe_error(exc)
    return t("error.generic")


def short_device_id(device_id: str) -> str:
    """The random end of a device's id: what the command line takes (``--device``, ``enrol
    revoke``: the last 6 or more characters); the whole id is in the cell's tooltip."""
    return device_id[-8:]
