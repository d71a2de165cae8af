"""Photos and PDFs kept with the visit, inside the vault only.

A file chosen from disk is read once and stored encrypted (``Store.add_attachment``); the list
shows a thumbnail made in memory from the vault's bytes (``QImage.fromData``), never a file on
disk, and a document icon for PDFs (and for images Qt cannot decode, such as HEIC without a
plugin). Too large or of another type: the core's message is shown under the list.

Where the system has a camera, "Camera" beside "Bijlage toevoegen" opens ``ui/visit/camera.py``:
the photo goes from the camera into the vault without a file, kept with the visit, a person or a
signal. Each item says whom it belongs to when that is not the visit itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLoggingCategory, QObject, QSize, Qt, Signal
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
from ui.visit.controller import PhotoOwner
from ui.visit.fields import section_heading
from ui.widgets import MessageLabel

if TYPE_CHECKING:
    from types import ModuleType

    from ui.visit.camera import CameraDialog

THUMBNAIL = 72
ATTACHMENT_ROLE = Qt.ItemDataRole.UserRole + 1
HAS_THUMBNAIL_ROLE = Qt.ItemDataRole.UserRole + 2

Commit = Callable[[Callable[[], Any]], Any]
# What QtMultimedia says on every start where a system lacks VA-API or PipeWire (it uses what
# there is), and which FFmpeg it runs: nothing for a user's console.
QUIET_MULTIMEDIA = "qt.multimedia.symbolsresolver.warning=false\nqt.multimedia.ffmpeg.info=false"


@dataclass(frozen=True, slots=True)
class PhotoHooks:
    """What the camera needs from the editor: the owners to choose from with the one to
    preselect (the person shown), a way to keep a photo (the controller's ``add_photo``), and
    whether touch mode is on."""

    owners: Callable[[], tuple[list[PhotoOwner], int]]
    keep: Callable[[PhotoOwner, bytes], Attachment]
    large_touch: Callable[[], bool]


def load_camera() -> ModuleType | None:
    """``ui.visit.camera``, or None where QtMultimedia cannot load (on Linux it needs
    libpulse): then there is no camera button, as on a system without a camera."""
    QLoggingCategory.setFilterRules(QUIET_MULTIMEDIA)
    try:
        from ui.visit import camera  # noqa: PLC0415 - a library only some systems have: QtMultimedia needs libpulse on Linux
    except ImportError:
        return None
    return camera


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
        *,
        photos: PhotoHooks | None = None,
        owner_text: Callable[[Attachment], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._commit = commit
        self._add_file = add_file
        self._content = content
        self._photos = photos
        self._owner_text = owner_text
        self._camera: ModuleType | None = None
        self._devices: QObject | None = None
        self.camera_dialog_open: CameraDialog | None = None
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
        self.camera_button = QPushButton(t("ui.visit.camera.open"))
        self.camera_button.setObjectName("open_camera")
        self.camera_button.setAccessibleName(t("ui.visit.camera.open_plain"))
        self.camera_button.setToolTip(t("ui.visit.camera.open_tip"))
        self.camera_button.setAutoDefault(False)
        self.camera_button.clicked.connect(self.open_camera)
        self.camera_button.hide()
        self.message = MessageLabel()
        self.empty = MessageLabel()
        header = QHBoxLayout()
        header.addWidget(section_heading(t("ui.visit.attachments.heading")))
        header.addStretch(1)
        header.addWidget(self.camera_button)
        header.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.empty)
        layout.addWidget(self.list)
        layout.addWidget(self.message)
        if photos is not None:
            self._camera = load_camera()
        if self._camera is not None:
            self._devices = self._camera.watch_inputs(self, self._show_camera_button)
            self._show_camera_button()

    def _show_camera_button(self) -> None:
        """Checked when the panel is built and whenever a camera comes or goes."""
        camera = self._camera
        self.camera_button.setVisible(camera is not None and bool(camera.video_inputs()))

    def camera_dialog(self) -> CameraDialog | None:
        """The camera dialog, built but not shown (tests drive it as a camera would)."""
        camera, photos = self._camera, self._photos
        if camera is None or photos is None:
            return None
        owners, default = photos.owners()
        dialog: CameraDialog = camera.CameraDialog(
            owners,
            default,
            lambda owner, jpeg: self._commit(lambda: photos.keep(owner, jpeg)),
            large_touch=photos.large_touch(),
            parent=self,
        )
        dialog.kept.connect(self._photo_kept)
        return dialog

    def open_camera(self) -> None:
        dialog = self.camera_dialog()
        if dialog is None:
            return
        self.message.clear_message()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.camera_dialog_open = dialog
        dialog.destroyed.connect(self._camera_closed)
        dialog.show()

    def _camera_closed(self) -> None:
        self.camera_dialog_open = None

    def _photo_kept(self, attachment: Attachment) -> None:
        self._append(attachment)
        self._show_empty()
        self.added.emit()

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
        owner = self._owner_text(attachment) if self._owner_text else None
        size = _size_text(attachment.size)
        details = t("ui.visit.attachments.owner_size", owner=owner, size=size) if owner else size
        item = QListWidgetItem(f"{attachment.file_name}\n{details}")
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
            f"{kind}: {attachment.file_name}, {details}",
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
        """The visit is closed or the vault locks: the camera goes off with it."""
        if self.camera_dialog_open is not None:
            self.camera_dialog_open.reject()
        self.list.clear()
        self.message.clear_message()
        self.empty.clear_message()
