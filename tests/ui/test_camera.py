"""The in-app camera (issue 14 item 4): a button only where a camera exists, a photo that goes
from the camera's QImage into the vault as JPEG without any file on disk, kept with the person
shown (or a signal, or the visit), listed with its owner, undone with Ctrl+Z; camera trouble
said in Dutch; the dialog fits the tablet.

No test machine has a camera: the tests say which cameras the system offers
(``ui.visit.camera.video_inputs``) and hand the dialog a picture through the capture's own
``imageCaptured`` signal, as a camera does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import QCamera, QCameraDevice
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp.catalogue import Catalogue
from fieldapp.domain import ObservationStatus
from fieldapp.i18n import t
from fieldapp.store.store import Store
from ui.visit import VisitEditor, camera
from ui.visit.camera import CameraDialog
from ui.visit.controller import PhotoOwner
from ui.window_settings import SMALLEST_SCREEN

PASSPORT = "ILO-CD-01"
TITLE_BAR = 32
USABLE = QSize(SMALLEST_SCREEN.width(), SMALLEST_SCREEN.height() - TITLE_BAR)


@pytest.fixture
def cameras(monkeypatch: pytest.MonkeyPatch) -> list[QCameraDevice]:
    """The cameras the system offers, as the test says: none until it adds one."""
    offered: list[QCameraDevice] = []
    monkeypatch.setattr(camera, "video_inputs", lambda: list(offered))
    return offered


@pytest.fixture
def make_editor(
    make_editor: Callable[..., VisitEditor], cameras: list[QCameraDevice]
) -> Callable[..., VisitEditor]:
    """The shared editor, made once the test's cameras are in place."""
    return make_editor


def _picture() -> QImage:
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a6ea5"))
    painter = QPainter(image)
    painter.fillRect(100, 100, 200, 120, QColor("#f2c14e"))
    painter.end()
    return image


def _files(*folders: Path) -> set[tuple[str, int]]:
    return {(str(p), p.stat().st_size) for folder in folders for p in folder.rglob("*")}


def _item_texts(editor: VisitEditor) -> list[str]:
    panel = editor.attachments.list
    return [panel.item(i).text() for i in range(panel.count())]


def test_no_camera_no_button_and_one_plugged_in_shows_it(
    make_editor, cameras: list[QCameraDevice]
) -> None:
    editor = make_editor()
    button = editor.attachments.camera_button
    assert button.isHidden()  # the panel looks as without a camera
    assert not editor.attachments.add_button.isHidden()  # the file picker stays
    devices = editor.attachments._devices
    assert devices is not None
    cameras.append(QCameraDevice())
    devices.videoInputsChanged.emit()  # what QtMultimedia says when a camera is plugged in
    assert not button.isHidden()
    cameras.clear()
    devices.videoInputsChanged.emit()
    assert button.isHidden()


def test_the_button_opens_the_camera_and_closing_the_visit_turns_it_off(
    qtbot, make_editor, cameras: list[QCameraDevice]
) -> None:
    cameras.append(QCameraDevice())
    editor = make_editor()
    button = editor.attachments.camera_button
    assert not button.isHidden()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = editor.attachments.camera_dialog_open
    assert dialog is not None and dialog.isVisible()
    assert dialog.owner.currentText() == "Het bezoek"  # no person yet
    with qtbot.waitSignal(dialog.destroyed):
        editor.clear()  # what locking the vault does
    assert editor.attachments.camera_dialog_open is None


def test_a_camera_photo_goes_into_the_vault_for_the_person_shown(
    qtbot, make_editor, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = tmp_path / "private-tmp"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    home = Path.home()
    editor = make_editor()
    qtbot.mouseClick(editor.add_person_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.add_person_button, Qt.MouseButton.LeftButton)  # B, shown now
    person_b = editor.controller.persons[1].meta.uuid
    before = _files(private_tmp, home)

    dialog = editor.attachments.camera_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.message.text() == t("ui.visit.camera.none")  # no camera: said, no traceback
    owners = [dialog.owner.itemText(i) for i in range(dialog.owner.count())]
    assert owners == ["Het bezoek", "Persoon A", "Persoon B"]
    assert dialog.owner.currentText() == "Persoon B"  # the person the editor shows
    dialog.capture.imageCaptured.emit(1, _picture())  # as the camera hands a picture over
    assert dialog.stack.currentWidget() is dialog.preview
    assert not dialog.preview.pixmap().isNull()
    assert dialog.shoot_button.isHidden() and not dialog.keep_button.isHidden()
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)

    assert _files(private_tmp, home) == before  # nothing written beside the vault
    stored = store.visit_attachments(editor.visit_uuid)
    assert [(a.owner_kind, a.owner_uuid, a.media_type) for a in stored] == [
        ("person", person_b, "image/jpeg")
    ]
    content = store.attachment_content(stored[0].meta.uuid)
    assert content.startswith(b"\xff\xd8\xff")  # a JPEG
    assert QImage.fromData(content).size() == QSize(640, 480)
    assert stored[0].file_name.startswith("foto-") and stored[0].file_name.endswith(".jpg")
    assert store.visit_detail(editor.visit_uuid).attachments == ()  # not the visit's own
    assert dialog.message.text() == "Foto bewaard bij: Persoon B."
    assert dialog.stack.currentWidget() is dialog.viewfinder  # ready for the next one
    [text] = _item_texts(editor)
    assert text.startswith(stored[0].file_name + "\n") and "Persoon B" in text

    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.visit_attachments(editor.visit_uuid) == []
    assert _item_texts(editor) == []


def test_a_photo_kept_with_a_signal_and_a_reopened_visit_shows_its_owner(
    qtbot, make_editor, store: Store, catalogue: Catalogue
) -> None:
    editor = make_editor()
    editor.add_person()
    controller = editor.controller
    person_a = controller.persons[0].meta.uuid
    editor.commit(lambda: controller.set_status(person_a, PASSPORT, ObservationStatus.OBSERVED))
    dialog = editor.attachments.camera_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    signal = catalogue.get(PASSPORT)
    assert signal is not None
    wanted = f"Signaal bij persoon A: {signal.label['nl']}"
    owners = [dialog.owner.itemText(i) for i in range(dialog.owner.count())]
    assert owners == ["Het bezoek", "Persoon A", wanted]
    dialog.owner.setCurrentIndex(2)
    dialog.image_captured(3, _picture())
    dialog.keep_photo()
    [stored] = store.visit_attachments(editor.visit_uuid)
    assert stored.owner_kind == "observation"
    assert stored.owner_uuid == controller.observation(person_a, PASSPORT).uuid
    dialog.close()

    reopened = make_editor_for(qtbot, store, catalogue, editor.visit_uuid)
    [text] = _item_texts(reopened)
    assert wanted in text


def make_editor_for(qtbot, store: Store, catalogue: Catalogue, visit_uuid: str) -> VisitEditor:
    editor = VisitEditor(store, catalogue, visit_uuid)
    qtbot.addWidget(editor)
    return editor


def test_a_photo_of_another_visit_is_refused(make_editor) -> None:
    editor = make_editor()
    stranger = PhotoOwner("person", "0190f000-0000-7000-8000-000000000000", "Persoon Z")
    with pytest.raises(KeyError):
        editor.controller.add_photo(stranger, b"\xff\xd8\xff")


def test_camera_trouble_is_said_in_dutch(qtbot, cameras: list[QCameraDevice]) -> None:
    kept: list[tuple[PhotoOwner, bytes]] = []
    owners = [PhotoOwner("visit", "v", "Het bezoek")]
    dialog = CameraDialog(owners, 0, lambda owner, jpeg: kept.append((owner, jpeg)))
    qtbot.addWidget(dialog)
    dialog._camera_failed(QCamera.Error.CameraError, "Device or resource busy")
    assert dialog.message.text() == t("ui.visit.camera.failed")
    assert "busy" not in dialog.message.text()
    assert not dialog.shoot_button.isEnabled()
    dialog._permission_answered(None, Qt.PermissionStatus.Denied)
    assert dialog.message.text().startswith("FieldApp mag de camera niet gebruiken")
    # a camera in use that is pulled out
    dialog.camera = QCamera(dialog)
    dialog.devices.videoInputsChanged.emit()
    assert dialog.camera is None
    assert dialog.message.text() == t("ui.visit.camera.disconnected")
    dialog.shoot()  # no camera: nothing to capture, said rather than raised
    assert dialog.message.text() in {
        t("ui.visit.camera.not_ready"),
        t("ui.visit.camera.capture_failed"),
    }
    assert kept == []


def _fits(widget: QWidget, name: str) -> None:
    QApplication.processEvents()
    needed = widget.minimumSize().expandedTo(widget.minimumSizeHint())
    assert needed.width() <= USABLE.width(), f"{name} needs {needed.width()} px wide"
    assert needed.height() <= USABLE.height(), f"{name} needs {needed.height()} px high"


@pytest.mark.parametrize("large_touch", [False, True])
def test_the_camera_dialog_fits_the_tablet(
    qtbot, make_editor, catalogue: Catalogue, large_touch: bool, cameras: list[QCameraDevice]
) -> None:
    editor = make_editor()
    editor.set_large_touch(large_touch)
    for _ in range(4):
        editor.add_person()
    controller = editor.controller
    person = controller.persons[-1].meta.uuid
    editor._select_person(person, scope_to_person=True)
    for indicator in list(catalogue.indicators.values())[:12]:  # long names among owners
        editor.commit(
            lambda i=indicator.id: controller.set_status(person, i, ObservationStatus.OBSERVED)
        )
    dialog = editor.attachments.camera_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.owner.count() == 5 + 12
    _fits(dialog, "camera viewfinder")
    assert dialog.shoot_button.height() >= 44
    dialog.image_captured(1, _picture())
    _fits(dialog, "camera preview")
    if large_touch:
        for button in (dialog.keep_button, dialog.retake_button, dialog.close_button):
            assert button.height() >= 44
        assert dialog.owner.height() >= 44
