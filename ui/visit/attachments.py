"""Photos and PDFs kept with the visit, inside the vault only.

A file chosen from disk is read once and stored encrypted (``Store.add_attachment``); the list
shows a thumbnail made in memory from the vault's bytes (``QImage.fromData``), never a file on
disk, and a document icon for PDFs (and for images Qt cannot decode, such as HEIC without a
plugin). Too large or of another type: the core's message is shown under the list.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import Attachment
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from ui.visit.fields import section_heading
from ui.widgets import MessageLabel

THUMBNAIL = 72
ATTACHMENT_ROLE = Qt.ItemDataRole.UserRole + 1
HAS_THUMBNAIL_ROLE = Qt.ItemDataRole.UserRole + 2

Commit = Callable[[Callable[[], Any]], Any]


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return t("ui.visit.attachments.size_mb", size=f"{size / 1024 / 1024:.1f}")
    return t("ui.visit.attachments.size_kb", size=max(1, round(size / 1024)))


def thumbnail(content: bytes) -> QPixmap | None:
    """A small picture of an image, made in memory; None when Qt cannot read it."""
    image = QImage.fromData(content)
    if image.isNull():
        return None
    scaled = image.scaled(
        THUMBNAIL,
        THUMBNAIL,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return QPixmap.fromImage(scaled)


@cache
def document_icon(label: str) -> QIcon:
    """A plain page with ``label`` on it (PDF, or IMG for an image Qt cannot show)."""
    pixmap = QPixmap(THUMBNAIL * 2, THUMBNAIL * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#6b6b6b"), 1.5))
    painter.setBrush(QColor("#fafafa"))
    painter.drawRoundedRect(14, 6, 44, 58, 3, 3)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#a4262c" if label == "PDF" else "#1f4e79"))
    painter.drawRoundedRect(20, 38, 32, 16, 2, 2)
    font = QFont()
    font.setPixelSize(10)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(20, 38, 32, 16, int(Qt.AlignmentFlag.AlignCenter), label)
    painter.end()
    return QIcon(pixmap)


class AttachmentsPanel(QWidget):
    """``add_file(path)`` is the controller's ``add_attachment_file``; ``content(uuid)``
    reads an attachment's bytes from the vault."""

    added = Signal()

    def __init__(
        self,
        commit: Commit,
        add_file: Callable[[str], Attachment],
        content: Callable[[str], bytes],
    ) -> None:
        super().__init__()
        self._commit = commit
        self._add_file = add_file
        self._content = content
        self.list = QListWidget()
        self.list.setObjectName("attachments")
        self.list.setAccessibleName(t("ui.visit.attachments.heading"))
        self.list.setViewMode(QListView.ViewMode.ListMode)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setSpacing(2)
        self.list.setMinimumHeight(THUMBNAIL + 16)
        self.list.setMaximumHeight(THUMBNAIL * 3 + 24)
        self.add_button = QPushButton(t("ui.visit.attachments.add"))
        self.add_button.setObjectName("add_attachment")
        self.add_button.setAccessibleName(t("ui.visit.attachments.add_plain"))
        self.add_button.setToolTip(t("ui.visit.attachments.add_tip"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.choose_file)
        self.message = MessageLabel()
        self.empty = MessageLabel()
        header = QHBoxLayout()
        header.addWidget(section_heading(t("ui.visit.attachments.heading")))
        header.addStretch(1)
        header.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.empty)
        layout.addWidget(self.list)
        layout.addWidget(self.message)

    def load(self, attachments: list[Attachment]) -> None:
        self.list.clear()
        for attachment in attachments:
            self._append(attachment)
        self._show_empty()

    def _show_empty(self) -> None:
        has_items = self.list.count() > 0
        self.list.setVisible(has_items)
        if has_items:
            self.empty.clear_message()
        else:
            self.empty.show_info(t("ui.visit.attachments.empty"))

    def _append(self, attachment: Attachment) -> None:
        item = QListWidgetItem(f"{attachment.file_name}\n{_size_text(attachment.size)}")
        item.setData(ATTACHMENT_ROLE, attachment.meta.uuid)
        item.setToolTip(attachment.file_name)
        picture = None
        if attachment.media_type.startswith("image/"):
            try:
                picture = thumbnail(self._content(attachment.meta.uuid))
            except FieldAppError:
                picture = None
        if picture is not None:
            item.setIcon(QIcon(picture))
            item.setData(HAS_THUMBNAIL_ROLE, True)
        else:
            label = "PDF" if attachment.media_type == "application/pdf" else "IMG"
            item.setIcon(document_icon(label))
            item.setData(HAS_THUMBNAIL_ROLE, False)
        kind = t(
            "ui.visit.attachments.photo"
            if attachment.media_type.startswith("image/")
            else "ui.visit.attachments.pdf"
        )
        item.setData(
            Qt.ItemDataRole.AccessibleTextRole,
            f"{kind}: {attachment.file_name}, {_size_text(attachment.size)}",
        )
        self.list.addItem(item)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            t("ui.visit.attachments.dialog_title"),
            "",
            t("ui.visit.attachments.dialog_filter")
            + " (*.jpg *.jpeg *.png *.webp *.heic *.pdf *.JPG *.JPEG *.PNG *.PDF)",
        )
        if path:
            self.add_path(path)

    def add_path(self, path: str) -> bool:
        self.message.clear_message()
        try:
            attachment = self._commit(lambda: self._add_file(path))
        except FieldAppError as exc:
            self.message.show_error(exc.message())
            return False
        except OSError as exc:
            self.message.show_error(t("ui.error.os", detail=exc.strerror or type(exc).__name__))
            return False
        if attachment is None:
            return False
        self._append(attachment)
        self._show_empty()
        self.added.emit()
        return True

    def clear(self) -> None:
        self.list.clear()
        self.message.clear_message()
        self.empty.clear_message()
