"""The referral as it really is: its PDF pages, rendered in memory, in a scroll area, with zoom
(Ctrl++ / Ctrl+-, Ctrl+0 for 100 %) and export (encrypted by default)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import Referral
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.store.store import Store
from ui.referral.export import ReferralExporter, describe_export_error
from ui.referral.pages import render_pages
from ui.widgets import MessageLabel

ZOOM_LEVELS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0)
DEFAULT_ZOOM = 1.0

PREVIEW_STYLE = """
QScrollArea#pages { background: palette(mid); border: none; }
QWidget#pagesBody { background: palette(mid); }
QLabel#page { background: white; border: 1px solid palette(dark); }
QLabel#documentTitle { font-size: 12pt; font-weight: 600; }
"""


def referral_title(referral: Referral) -> str:
    return t(
        "ui.referral.preview.title",
        document=referral.document_id or "",
        version=referral.version,
        recipient=t(f"recipient.{referral.recipient}"),
        status=t(f"referral.status.{referral.status.value}"),
    )


class PreviewWidget(QWidget):
    """Shows one referral's pages; :meth:`clear` forgets the PDF and every page image."""

    # The file written (a Path), once an export succeeded: the dialog around it moves the
    # keyboard on to what is left to do.
    exported = Signal(object)

    def __init__(
        self, store: Store, referral: Referral, pdf: bytes, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("referralPreview")
        self.setStyleSheet(PREVIEW_STYLE)
        self.setAccessibleName(t("ui.referral.preview.name"))
        self.referral = referral
        self._pdf = pdf
        self.zoom = DEFAULT_ZOOM
        self.exporter = ReferralExporter(store, self)
        self.page_images: list[QImage] = []
        self.page_labels: list[QLabel] = []

        self.title = QLabel(referral_title(referral))
        self.title.setObjectName("documentTitle")
        self.title.setAccessibleName(self.title.text())
        self.title.setWordWrap(True)
        self.zoom_out_button = self._button(
            "zoom_out", "ui.referral.preview.zoom_out", self.zoom_out
        )
        self.zoom_out_button.setText("−")
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = self._button("zoom_in", "ui.referral.preview.zoom_in", self.zoom_in)
        self.zoom_in_button.setText("+")
        self.export_button = self._button(
            "export", "ui.referral.preview.export", lambda: self.export(encrypt=True)
        )
        self.export_button.setToolTip(t("ui.referral.preview.export_tip"))
        self.plain_button = self._button(
            "export_plain", "ui.referral.preview.export_plain", lambda: self.export(encrypt=False)
        )
        self.plain_button.setToolTip(t("ui.referral.preview.export_plain_tip"))
        for button, tip in (
            (self.zoom_out_button, "ui.referral.preview.zoom_out"),
            (self.zoom_in_button, "ui.referral.preview.zoom_in"),
        ):
            button.setToolTip(t(tip))
            button.setMinimumWidth(button.sizeHint().height() + 12)  # square, never narrower
        # The export buttons sit beside the zoom while they fit, and on a row of their own
        # when they do not (a tablet in large touch): never clipped, never off the side.
        self.export_bar = QWidget()
        exports = QHBoxLayout(self.export_bar)
        exports.setContentsMargins(0, 0, 0, 0)
        exports.setSpacing(10)
        exports.addStretch(1)
        exports.addWidget(self.plain_button)
        exports.addWidget(self.export_button)
        self.tools = QHBoxLayout()
        self.tools.setSpacing(6)
        self.tools.addWidget(self.zoom_out_button)
        self.tools.addWidget(self.zoom_label)
        self.tools.addWidget(self.zoom_in_button)
        self.tools.addStretch(1)
        self.tools.addWidget(self.export_bar)
        self.export_row = QHBoxLayout()
        self.export_row.setContentsMargins(0, 0, 0, 0)
        # Until the user zooms, the zoom follows the width (up to 100 %): no sideways scroll.
        self.auto_zoom = True

        self.message = MessageLabel()
        self.pages_body = QWidget()
        self.pages_body.setObjectName("pagesBody")
        self.pages_layout = QVBoxLayout(self.pages_body)
        self.pages_layout.setContentsMargins(16, 16, 16, 16)
        self.pages_layout.setSpacing(16)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.pages_area = QScrollArea()
        self.pages_area.setObjectName("pages")
        self.pages_area.setWidgetResizable(True)
        self.pages_area.setFrameShape(QFrame.Shape.NoFrame)
        self.pages_area.setWidget(self.pages_body)
        self.pages_area.setAccessibleName(t("ui.referral.preview.pages"))
        self.pages_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows and Page Up/Down scroll

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addLayout(self.tools)
        layout.addLayout(self.export_row)
        layout.addWidget(self.message)
        layout.addWidget(self.pages_area, 1)

        self._shortcuts: list[QShortcut] = []
        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            ("Ctrl+=", self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            ("Ctrl+0", self.reset_zoom),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)
        self.show_pages()

    def _button(self, name: str, key: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(t(key))
        button.setObjectName(name)
        button.setAccessibleName(t(key).replace("…", "").replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- pages ---------------------------------------------------------------------------

    def show_pages(self) -> None:
        """(Re)draw every page at the current zoom, from the PDF in memory."""
        for label in self.page_labels:
            self.pages_layout.removeWidget(label)
            label.deleteLater()
        self.page_labels = []
        self.page_images = []
        if not self._pdf:
            return
        ratio = self.devicePixelRatioF() or 1.0
        try:
            self.page_images = render_pages(self._pdf, self.zoom, ratio)
        except Exception:  # a damaged document must not take the window down
            self.message.show_error(t("ui.referral.preview.unreadable"))
            return
        count = len(self.page_images)
        for number, image in enumerate(self.page_images, start=1):
            label = QLabel()
            label.setObjectName("page")
            label.setPixmap(QPixmap.fromImage(image))
            label.setAccessibleName(t("ui.referral.preview.page", number=number, count=count))
            self.pages_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.page_labels.append(label)
        self.zoom_label.setText(f"{round(self.zoom * 100)} %")
        self.zoom_label.setAccessibleName(
            t("ui.referral.preview.zoom", percent=round(self.zoom * 100))
        )
        self.zoom_out_button.setEnabled(self.zoom > ZOOM_LEVELS[0])
        self.zoom_in_button.setEnabled(self.zoom < ZOOM_LEVELS[-1])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange_tools()
        if self.auto_zoom and self.page_images and self.width() > 100:
            self.fit_width()

    def _arrange_tools(self) -> None:
        """One row when zoom and export fit side by side, else the export buttons below."""
        # The widest zoom text in the font the style gives it (larger in large touch).
        widest = self.zoom_label.fontMetrics().horizontalAdvance("200 %")
        self.zoom_label.setMinimumWidth(max(48, widest + 16))
        zoom_width = sum(
            w.sizeHint().width()
            for w in (self.zoom_out_button, self.zoom_label, self.zoom_in_button)
        )
        needed = zoom_width + self.export_bar.sizeHint().width() + 6 * 4 + 24
        in_row = self.tools.indexOf(self.export_bar) >= 0
        if needed <= self.width() and not in_row:
            self.export_row.removeWidget(self.export_bar)
            self.tools.addWidget(self.export_bar)
        elif needed > self.width() and in_row:
            self.tools.removeWidget(self.export_bar)
            self.export_row.addWidget(self.export_bar)

    def exports_on_own_row(self) -> bool:
        return self.export_row.indexOf(self.export_bar) >= 0

    def fit_width(self) -> None:
        """The largest zoom up to 100 % at which a page fits the width: a page wider than a
        tablet's screen would scroll sideways from the start."""
        if not self.page_images:
            return
        ratio = self.devicePixelRatioF() or 1.0
        width_at_one = self.page_images[0].width() / ratio / self.zoom
        margins = self.pages_layout.contentsMargins()
        room = (
            self.width()  # the pages take the full width; their area may not be laid out yet
            - margins.left()
            - margins.right()
            - self.pages_area.verticalScrollBar().sizeHint().width()
            - 4
        )
        fitting = [z for z in ZOOM_LEVELS if z <= DEFAULT_ZOOM and width_at_one * z <= room]
        self._set_zoom(fitting[-1] if fitting else ZOOM_LEVELS[0])

    def set_zoom(self, zoom: float) -> None:
        """The user's zoom: from now on the width no longer decides it."""
        self.auto_zoom = False
        self._set_zoom(zoom)

    def _set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, ZOOM_LEVELS[0]), ZOOM_LEVELS[-1])
        if zoom != self.zoom:
            self.zoom = zoom
            self.show_pages()

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_LEVELS if z > self.zoom + 1e-6), ZOOM_LEVELS[-1]))

    def zoom_out(self) -> None:
        self.set_zoom(
            next((z for z in reversed(ZOOM_LEVELS) if z < self.zoom - 1e-6), ZOOM_LEVELS[0])
        )

    def reset_zoom(self) -> None:
        self.set_zoom(DEFAULT_ZOOM)

    def focus_pages(self) -> None:
        self.pages_area.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- export --------------------------------------------------------------------------

    def export(self, *, encrypt: bool = True) -> Path | None:
        if not self._pdf:
            return None
        try:
            target = self.exporter.export(self.referral, self._pdf, encrypt=encrypt)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(describe_export_error(exc))
            return None
        if target is not None:
            key = "ui.referral.export.done" if encrypt else "ui.referral.export.done_plain"
            self.message.show_info(t(key, name=target.name))
            self.exported.emit(target)
        return target

    def clear(self) -> None:
        """Forget the document (on close and on lock)."""
        self._pdf = b""
        if self.exporter.password_dialog is not None:
            self.exporter.password_dialog.reject()
        for label in self.page_labels:
            label.clear()
        self.page_images = []


class PreviewDialog(QDialog):
    """A stored referral's preview, opened from the referrals list."""

    def __init__(
        self, store: Store, referral: Referral, pdf: bytes, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(referral_title(referral))
        self.setAccessibleName(t("ui.referral.preview.name"))
        self.preview = PreviewWidget(store, referral, pdf)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(t("ui.referral.close"))
        close.setAccessibleName(t("ui.referral.close"))
        close.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        self.resize(960, 760)
        self.finished.connect(lambda _result: self.preview.clear())
        self.preview.focus_pages()
