"""The in-app camera: a photo goes from the camera into the vault without touching the disk.

A photo taken with the system's camera app and then chosen with the file picker sits in clear on
disk first (issue 14). Here ``QImageCapture.capture()`` hands the picture over as a ``QImage``
(``imageCaptured``); it is encoded to JPEG in memory (``QBuffer``) and kept through the visit
controller, so it is undone like a chosen file. ``captureToFile`` is never used.

The dialog shows the viewfinder, then the photo to keep or take again, with the choice of what it
belongs to: the visit, a person, a signal. What goes wrong (no permission, the camera busy or
pulled out) is said in words in the dialog; the file picker stays for everything else.

This module loads QtMultimedia (PySide6-Addons), which needs the system's sound library
(libpulse) on Linux: ``ui/visit/attachments.py`` imports it inside a function, and a system
without it simply has no camera button, as one without a camera.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCameraPermission,
    QCoreApplication,
    QIODevice,
    QObject,
    QPermission,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage, QImageWriter, QPixmap, QResizeEvent
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QImageCapture,
    QMediaCaptureSession,
    QMediaDevices,
)
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import Attachment
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from ui.visit.controller import PhotoOwner
from ui.widgets import MessageLabel
from ui.window_settings import fit_dialog

JPEG_QUALITY = 88
# A tablet's camera gives 8-13 megapixels; 3000 px on the longest side keeps a photo readable
# (a passport page, a payslip) at 1-3 MB, far below the vault's 25 MB per attachment.
LONGEST_SIDE = 3000
TOUCH_HEIGHT = 44  # px, the touch guidelines' smallest target (issue 14)
SHOOT_HEIGHT = 56
PREFERRED_SIZE = QSize(760, 600)
VIEWFINDER_MINIMUM = QSize(320, 200)

Keep = Callable[[PhotoOwner, bytes], Attachment | None]


def video_inputs() -> list[QCameraDevice]:
    """The cameras the system offers now (none on most desktops)."""
    return list(QMediaDevices.videoInputs())


def watch_inputs(parent: QObject, changed: Callable[[], None]) -> QMediaDevices:
    """Call ``changed`` when a camera is plugged in or pulled out (lives as long as
    ``parent``)."""
    devices = QMediaDevices(parent)
    devices.videoInputsChanged.connect(changed)
    return devices


def jpeg_bytes(image: QImage) -> bytes:
    """The photo as JPEG, made in memory: no temporary file. Raises ``FieldAppError`` when Qt
    cannot encode it (no JPEG plugin)."""
    if max(image.width(), image.height()) > LONGEST_SIDE:
        image = image.scaled(
            LONGEST_SIDE,
            LONGEST_SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"jpeg"))
    writer.setQuality(JPEG_QUALITY)
    saved = writer.write(image)
    buffer.close()
    if not saved or data.isEmpty():
        raise FieldAppError("ui.visit.camera.encode_failed")
    return bytes(data.data())


class CameraDialog(QDialog):
    """Take a photo, look at it, keep it with the chosen owner or take it again; the dialog
    stays open for the next photo until closed. ``keep`` stores it (the controller's
    ``add_photo`` through the editor's commit) and returns the attachment."""

    kept = Signal(object)  # the Attachment just stored

    def __init__(
        self,
        owners: list[PhotoOwner],
        default: int,
        keep: Keep,
        *,
        large_touch: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("camera_dialog")
        self.setWindowTitle(t("ui.visit.camera.title"))
        self._owners = owners
        self._keep = keep
        self._photo: QImage | None = None
        self.camera: QCamera | None = None

        self.owner = QComboBox()
        self.owner.setObjectName("camera_owner")
        self.owner.setAccessibleName(t("ui.visit.camera.owner_plain"))
        # a signal's long name must not widen the dialog past a tablet's screen
        self.owner.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.owner.setMinimumContentsLength(24)
        for owner in owners:
            self.owner.addItem(owner.text)
        self.owner.setCurrentIndex(default if 0 <= default < len(owners) else 0)
        owner_label = QLabel(t("ui.visit.camera.owner"))
        owner_label.setBuddy(self.owner)

        self.viewfinder = QVideoWidget()
        self.viewfinder.setObjectName("camera_viewfinder")
        self.viewfinder.setAccessibleName(t("ui.visit.camera.viewfinder"))
        self.viewfinder.setMinimumSize(VIEWFINDER_MINIMUM)
        self.preview = QLabel()
        self.preview.setObjectName("camera_preview")
        self.preview.setAccessibleName(t("ui.visit.camera.preview"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.viewfinder)
        self.stack.addWidget(self.preview)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.message = MessageLabel()

        self.shoot_button = self._button("ui.visit.camera.shoot", "camera_shoot", self.shoot)
        self.shoot_button.setDefault(True)
        self.shoot_button.setEnabled(False)  # until the camera is ready
        self.retake_button = self._button("ui.visit.camera.retake", "camera_retake", self.retake)
        self.keep_button = self._button("ui.visit.camera.keep", "camera_keep", self.keep_photo)
        self.close_button = self._button("ui.visit.camera.close", "camera_close", self.reject)
        height = TOUCH_HEIGHT if large_touch else 0
        for widget in (self.owner, self.retake_button, self.keep_button, self.close_button):
            widget.setMinimumHeight(max(height, widget.minimumHeight()))
        self.shoot_button.setMinimumHeight(SHOOT_HEIGHT if large_touch else TOUCH_HEIGHT)
        self.shoot_button.setMinimumWidth(160)
        font = self.shoot_button.font()
        font.setBold(True)
        self.shoot_button.setFont(font)

        top = QHBoxLayout()
        top.addWidget(owner_label)
        top.addWidget(self.owner, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retake_button)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.shoot_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.devices = QMediaDevices(self)
        self.devices.videoInputsChanged.connect(self._inputs_changed)
        self.session = QMediaCaptureSession(self)
        self.capture = QImageCapture(self)
        self.session.setImageCapture(self.capture)
        self.session.setVideoOutput(self.viewfinder)
        self.capture.imageCaptured.connect(self.image_captured)
        self.capture.errorOccurred.connect(self._capture_failed)
        self.capture.readyForCaptureChanged.connect(self._ready_changed)

        self._show_viewfinder()
        fit_dialog(self, PREFERRED_SIZE)
        self._start()

    def _button(self, key: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(t(key))
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    # -- the camera -----------------------------------------------------------------------

    def _start(self) -> None:
        """Ask for the camera where the system asks the user (macOS, Windows), then open it."""
        if not video_inputs():
            self.message.show_error(t("ui.visit.camera.none"))
            return
        app = QCoreApplication.instance()
        if app is None:
            return
        status = app.checkPermission(QCameraPermission())
        if status == Qt.PermissionStatus.Undetermined:
            app.requestPermission(QCameraPermission(), self, self._permission_answered)
            return
        self._permission_answered(None, status)

    def _permission_answered(
        self, permission: QPermission | None, status: Qt.PermissionStatus | None = None
    ) -> None:
        if permission is not None:
            status = permission.status()
        if status == Qt.PermissionStatus.Denied:
            self.message.show_error(t("ui.visit.camera.denied"))
            return
        self._open_camera()

    def _open_camera(self) -> None:
        inputs = video_inputs()
        device = next((d for d in inputs if d.isDefault()), inputs[0] if inputs else None)
        if device is None or device.isNull():
            self.message.show_error(t("ui.visit.camera.none"))
            return
        self._stop_camera()
        camera = QCamera(device, self)
        camera.errorOccurred.connect(self._camera_failed)
        self.camera = camera
        self.session.setCamera(camera)
        self.message.clear_message()
        camera.start()

    def _stop_camera(self) -> None:
        camera = self.camera
        if camera is None:
            return
        self.camera = None
        camera.stop()
        self.session.setCamera(None)  # type: ignore[arg-type]  # the stub lacks Optional; Qt takes nullptr
        camera.deleteLater()
        self.shoot_button.setEnabled(False)

    def _inputs_changed(self) -> None:
        """A camera pulled out says so; one plugged in while the dialog is open is used."""
        inputs = video_inputs()
        camera = self.camera
        if camera is not None:
            if any(device.id() == camera.cameraDevice().id() for device in inputs):
                return
            self._stop_camera()
            self.message.show_error(t("ui.visit.camera.disconnected"))
            return
        if inputs:
            self._start()

    def _camera_failed(self, error: QCamera.Error, detail: str) -> None:
        """Busy, refused or gone: Qt's English detail stays out of the message."""
        if error == QCamera.Error.NoError:
            return
        self.shoot_button.setEnabled(False)
        self.message.show_error(t("ui.visit.camera.failed"))

    def _ready_changed(self, ready: bool) -> None:
        self.shoot_button.setEnabled(ready and self._photo is None)

    def _capture_failed(self, request_id: int, error: QImageCapture.Error, detail: str) -> None:
        if error == QImageCapture.Error.NoError:
            return
        key = (
            "ui.visit.camera.not_ready"
            if error == QImageCapture.Error.NotReadyError
            else "ui.visit.camera.capture_failed"
        )
        self.message.show_error(t(key))

    # -- taking and keeping ---------------------------------------------------------------

    def shoot(self) -> None:
        """Ask the camera for a picture; it arrives in :meth:`image_captured`, as a QImage."""
        self.message.clear_message()
        if self.capture.capture() < 0:
            self._capture_failed(-1, self.capture.error(), "")

    def image_captured(self, request_id: int, image: QImage) -> None:
        """The camera's picture, in memory: shown to keep or take again."""
        if image.isNull():
            self.message.show_error(t("ui.visit.camera.capture_failed"))
            return
        self._photo = image.copy()
        self.message.clear_message()
        self._show_preview()

    def retake(self) -> None:
        self._photo = None
        self._show_viewfinder()

    def keep_photo(self) -> Attachment | None:
        photo = self._photo
        if photo is None:
            return None
        owner = self._owners[self.owner.currentIndex()]
        try:
            attachment = self._keep(owner, jpeg_bytes(photo))
        except FieldAppError as exc:
            self.message.show_error(exc.message())
            return None
        except OSError as exc:
            self.message.show_error(t("ui.error.os", detail=exc.strerror or type(exc).__name__))
            return None
        if attachment is None:
            return None
        self.retake()
        self.message.show_info(t("ui.visit.camera.kept", owner=owner.text))
        self.kept.emit(attachment)
        return attachment

    def _show_viewfinder(self) -> None:
        self.stack.setCurrentWidget(self.viewfinder)
        self.preview.clear()
        self.retake_button.hide()
        self.keep_button.hide()
        self.shoot_button.show()
        self.shoot_button.setEnabled(self.camera is not None and self.capture.isReadyForCapture())
        self.shoot_button.setDefault(True)

    def _show_preview(self) -> None:
        self.stack.setCurrentWidget(self.preview)
        self._scale_preview()
        self.shoot_button.hide()
        self.retake_button.show()
        self.keep_button.show()
        self.keep_button.setDefault(True)
        self.keep_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _scale_preview(self) -> None:
        photo = self._photo
        if photo is None:
            return
        size = self.stack.size()
        self.preview.setPixmap(
            QPixmap.fromImage(
                photo.scaled(
                    max(1, size.width()),
                    max(1, size.height()),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._scale_preview()

    def done(self, result: int) -> None:
        """The camera goes off as the dialog closes (its light too)."""
        self._stop_camera()
        self._photo = None
        super().done(result)
