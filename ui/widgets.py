"""Small building blocks shared by the views, so every screen looks the same."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProxyStyle,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QStyleOptionComplex,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import t

FORM_WIDTH = 460

# -- colours that can be read (WCAG 2.1: text 4.5:1, a focus indicator 3:1) ------------------

MIN_TEXT_CONTRAST = 4.5  # WCAG 1.4.3, normal text
MIN_FOCUS_CONTRAST = 3.0  # WCAG 1.4.11, a focus indicator against what surrounds it
FOCUS_RING_WIDTH = 2  # WCAG 2.4.13 asks for at least 2 CSS pixels
# The wanted colours of messages; made darker (or lighter, on a dark palette) where the
# background needs it. Secondary text is the palette's placeholder colour, made readable.
ERROR_COLOUR = "#a4262c"
WARNING_COLOUR = "#8a5300"
FOCUS_COLOUR = "#0a5ec2"


def relative_luminance(color: QColor) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour (0 black .. 1 white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    rgb = color.toRgb()
    return (
        0.2126 * channel(rgb.redF())
        + 0.7152 * channel(rgb.greenF())
        + 0.0722 * channel(rgb.blueF())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG 2.1's contrast ratio, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(color: QColor, toward: QColor, share: float) -> QColor:
    a, b = color.toRgb(), toward.toRgb()
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * share,
        a.greenF() + (b.greenF() - a.greenF()) * share,
        a.blueF() + (b.blueF() - a.blueF()) * share,
    )


def readable(color: QColor, backgrounds: tuple[QColor, ...], minimum: float) -> QColor:
    """``color``, or the nearest mix of it with black or white (whichever the backgrounds
    contrast with more) that reaches ``minimum`` against every background: the hue stays,
    only as much lightness changes as is needed."""
    dark_ground = sum(relative_luminance(b) for b in backgrounds) / len(backgrounds) < 0.18
    toward = QColor("white") if dark_ground else QColor("black")
    for step in range(41):
        mixed = _mix(color, toward, step / 40)
        if all(contrast_ratio(mixed, b) >= minimum for b in backgrounds):
            return mixed
    return toward


def _grounds(palette: QPalette) -> tuple[QColor, ...]:
    """Where text and controls sit: the window, and the fields and lists (base, alternate)."""
    return (
        palette.color(QPalette.ColorRole.Window),
        palette.color(QPalette.ColorRole.Base),
        palette.color(QPalette.ColorRole.AlternateBase),
    )


def secondary_text_colour(palette: QPalette) -> QColor:
    """Grey text (hints, steps, placeholders) at 4.5:1 at least; Qt's own placeholder grey is
    about 3.5:1 on a light window, too faint in daylight on a tablet."""
    wanted = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
    # Qt's placeholder is the text colour, half transparent: as it shows on the window.
    window = palette.color(QPalette.ColorRole.Window)
    shown = _mix(window, wanted, wanted.alphaF())
    return readable(shown, _grounds(palette), MIN_TEXT_CONTRAST + 0.1)


def message_colours(palette: QPalette) -> dict[str, QColor]:
    grounds = _grounds(palette)
    return {
        "error": readable(QColor(ERROR_COLOUR), grounds, MIN_TEXT_CONTRAST + 0.1),
        "warning": readable(QColor(WARNING_COLOUR), grounds, MIN_TEXT_CONTRAST + 0.1),
        "focus": readable(QColor(FOCUS_COLOUR), grounds, MIN_FOCUS_CONTRAST + 0.1),
    }


class FocusRingStyle(QProxyStyle):
    """The platform's style with one change: the control that has the keyboard focus gets a
    solid ring, ``FOCUS_RING_WIDTH`` wide, in a colour of 3:1 or more against the window and
    the fields. The styles' own focus marks (a dotted line, a one-pixel tint) are hard to find
    on a tablet in daylight, and someone working by keyboard must see where the next key goes.
    """

    _FRAMED = (
        QStyle.PrimitiveElement.PE_PanelButtonCommand,
        QStyle.PrimitiveElement.PE_FrameLineEdit,
        QStyle.PrimitiveElement.PE_PanelLineEdit,
    )
    _COMPLEX = (
        QStyle.ComplexControl.CC_ComboBox,
        QStyle.ComplexControl.CC_SpinBox,
    )

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            # A button's focus rectangle hugs its text (a styled button's padding leaves it
            # 4 px): the ring goes around the whole button instead of through its label.
            ring = widget.rect() if isinstance(widget, QPushButton | QToolButton) else option.rect
            self.draw_ring(painter, ring, option.palette)
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in self._FRAMED and _has_focus(option, widget):
            self.draw_ring(painter, option.rect, option.palette)

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawComplexControl(control, option, painter, widget)
        if control in self._COMPLEX and _has_focus(option, widget):
            self.draw_ring(painter, option.rect, option.palette)

    @staticmethod
    def draw_ring(painter: QPainter, rect: QRect, palette: QPalette) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(message_colours(palette)["focus"], FOCUS_RING_WIDTH)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        half = FOCUS_RING_WIDTH / 2
        painter.drawRoundedRect(rect.toRectF().adjusted(half, half, -half, -half), 3, 3)
        painter.restore()


def _has_focus(option: QStyleOption, widget: QWidget | None) -> bool:
    if not option.state & QStyle.StateFlag.State_HasFocus:
        return False
    # The line edit inside a combo box or spin box: the ring goes round the whole control.
    parent = widget.parent() if widget is not None else None
    return not isinstance(parent, QComboBox | QAbstractSpinBox)


def install_accessible_look(app: QApplication) -> None:
    """Readable grey text and a visible focus ring for the whole application, once: the
    palette's placeholder colour (which every ``palette(placeholder-text)`` in a style sheet
    reads) at 4.5:1, and :class:`FocusRingStyle` over the platform's style."""
    palette = app.palette()
    grey = secondary_text_colour(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, grey)
    app.setPalette(palette)
    if not isinstance(app.style(), FocusRingStyle):
        base = QStyleFactory.create(app.style().name())
        app.setStyle(FocusRingStyle(base))


def style_sheet(large_touch: bool) -> str:
    """The application's style sheet, its colours read from the palette in use so they keep
    their contrast on a light or a dark system."""
    app = QApplication.instance()
    palette = app.palette() if isinstance(app, QApplication) else QPalette()
    colours = {name: colour.name() for name, colour in message_colours(palette).items()}
    colours["secondary"] = secondary_text_colour(palette).name()
    return STYLE.format(**colours) + (LARGE_TOUCH_STYLE if large_touch else "")


# Calm by default: no colour except for messages that need attention. Filled in by
# style_sheet() with colours of enough contrast.
STYLE = """
QLabel#heading {{ font-size: 15pt; font-weight: 600; }}
QLabel#step {{ color: {secondary}; }}
QLabel#secondary {{ color: {secondary}; }}
QLabel#error {{ color: {error}; }}
QLabel#warning {{ color: {warning}; font-weight: 600; }}
QFrame#note {{ border: 1px solid palette(mid); border-radius: 4px; background: palette(base); }}
QProgressBar#strength {{ border: 1px solid palette(mid); border-radius: 3px; max-height: 8px; }}
QProgressBar#strength::chunk {{ border-radius: 2px; }}
QProgressBar#strength[level="weak"]::chunk {{ background: #a4262c; }}
QProgressBar#strength[level="fair"]::chunk {{ background: #b7791f; }}
QProgressBar#strength[level="good"]::chunk {{ background: #2f7d4f; }}
QTableView {{ gridline-color: palette(midlight); }}
QMenuBar::item {{ padding: 15px 12px; }}
QMenu::item {{ padding: 12px 16px; }}
QToolButton#new_visit {{ min-height: 44px; padding: 0 12px; }}
QCheckBox#large_touch {{ min-height: 44px; }}
QCheckBox#large_touch::indicator {{ width: 26px; height: 26px; }}
"""
# The way into large-touch mode must itself be easy to hit by finger before the mode is on:
# the menu bar, its menus, the "new visit" button and the mode's own check box are at least
# 44 px high in the normal look too (the rules above with the object names).

# Large-touch mode (tablets, gloves, bright daylight): bigger text and targets of at least
# about 44 px, the size touch guidelines ask for.
LARGE_TOUCH_STYLE = """
QWidget { font-size: 13pt; }
QLabel#heading { font-size: 18pt; }
QPushButton, QToolButton, QComboBox, QLineEdit, QSpinBox, QDateEdit { min-height: 40px; }
QPushButton { padding: 4px 18px; }
QCheckBox::indicator, QRadioButton::indicator { width: 26px; height: 26px; }
QTableView { font-size: 13pt; }
QHeaderView::section { padding: 8px 6px; }
QMenuBar::item { padding: 12px 16px; }
QMenu::item { padding: 12px 16px; }
"""
ROW_HEIGHT = 28
LARGE_TOUCH_ROW_HEIGHT = 46


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def paragraph(text: str = "", *, secondary: bool = False, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if secondary:
        label.setObjectName("secondary")
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note(text: str) -> QFrame:
    """A framed paragraph for the one thing on a screen that must not be missed."""
    frame = QFrame()
    frame.setObjectName("note")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    layout.addWidget(label)
    return frame


class MessageLabel(QLabel):
    """Shows one error or status line; hidden while empty so the layout stays quiet."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setObjectName("error")
        self._show(text)

    def show_info(self, text: str) -> None:
        self.setObjectName("")
        self._show(text)

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str) -> None:
        self.style().unpolish(self)  # the object name picks the colour in STYLE
        self.style().polish(self)
        self.setText(text)
        self.setAccessibleName(text)
        self.show()


def passphrase_field(accessible_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
    )
    field.setMaxLength(1024)
    return field


class PassphraseAids(QWidget):
    """Under a passphrase field: "show passphrase" (typing blind on a tablet's on-screen
    keyboard fails often) and a warning while Caps Lock seems to be on.

    Qt cannot ask the keyboard for Caps Lock on every system, so the warning reads what is
    typed: a capital without Shift, or a small letter with Shift, means Caps Lock is on; the
    opposite means it is off, and pressing Caps Lock flips what was seen last."""

    def __init__(self, *fields: QLineEdit) -> None:
        super().__init__()
        self.fields = fields
        self.show_text = QCheckBox(t("ui.passphrase.show"))
        self.show_text.setAccessibleName(t("ui.passphrase.show").replace("&", ""))
        self.show_text.toggled.connect(self._set_visible)
        self.caps_warning = QLabel(t("ui.passphrase.caps_lock"))
        self.caps_warning.setObjectName("warning")
        self.caps_warning.setAccessibleName(t("ui.passphrase.caps_lock"))
        self.caps_warning.setWordWrap(True)
        self.caps_warning.hide()
        self.caps_lock: bool | None = None  # None: not known yet
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.show_text)
        layout.addWidget(self.caps_warning)
        for field in fields:
            field.installEventFilter(self)

    def _set_visible(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        for field in self.fields:
            field.setEchoMode(mode)

    def reset(self) -> None:
        """Hidden again (after a lock, or when the screen is left)."""
        self.show_text.setChecked(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            self._read_key(event)
        elif event.type() == QEvent.Type.FocusOut:
            self.caps_warning.hide()
        elif event.type() == QEvent.Type.FocusIn and self.caps_lock:
            self.caps_warning.show()
        return super().eventFilter(watched, event)

    def _read_key(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_CapsLock:
            if self.caps_lock is not None:
                self._set_caps_lock(not self.caps_lock)
            return
        text = event.text()
        if len(text) != 1 or not text.isalpha() or text.upper() == text.lower():
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._set_caps_lock(text.isupper() != shift)

    def _set_caps_lock(self, on: bool) -> None:
        self.caps_lock = on
        self.caps_warning.setVisible(on)


class _ReadableWidth(QObject):
    """Keeps a column's maximum width at ``FORM_WIDTH`` for the normal font, wider in
    proportion to a larger one (large-touch mode sets 13 pt through the style sheet), and never
    narrower than its widest line that cannot wrap (a radio button's text): a fixed 460 px cut
    "Coördinatie: ik ontvang en beoordeel signalen" short on a tablet."""

    _EVENTS = (QEvent.Type.Polish, QEvent.Type.FontChange, QEvent.Type.LayoutRequest)

    def __init__(self, column: QWidget) -> None:
        super().__init__(column)
        self.column = column

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.column and event.type() in self._EVENTS:
            self.fit()
        return super().eventFilter(watched, event)

    def fit(self) -> None:
        normal = QApplication.font().pointSizeF()
        current = self.column.font().pointSizeF()
        scale = current / normal if normal > 0 and current > normal else 1.0
        width = max(round(FORM_WIDTH * scale), self.column.minimumSizeHint().width())
        if width != self.column.maximumWidth():
            self.column.setMaximumWidth(width)


def centered_column(content: QWidget) -> QScrollArea:
    """``content`` at a readable width, centred horizontally, near the top third; it scrolls
    where the screen is lower than the content (a tablet in large-touch mode, 533 logical
    pixels high), instead of making the window taller than the screen."""
    content.setMaximumWidth(FORM_WIDTH)
    content.installEventFilter(_ReadableWidth(content))
    outer = QWidget()
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(content, 100)
    row.addStretch(1)
    column = QVBoxLayout(outer)
    column.addStretch(1)
    column.addLayout(row)
    column.addStretch(2)
    return scrolling(outer)


def scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a frameless scroll area that follows the keyboard focus; its minimum
    height is small, so the window it sits in fits the smallest screen."""
    area = QScrollArea()
    area.setObjectName("page")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(content)
    return area


def read_only_table(name: str, accessible_key: str, columns: tuple[str, ...]) -> QTableWidget:
    """A table of whole rows to choose from: one row selectable, nothing editable, the Tab key
    leaves it (arrows move inside)."""
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setAccessibleName(t(accessible_key))
    table.setHorizontalHeaderLabels([t(key) for key in columns])
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.resizeColumnsToContents()  # at least as wide as their headings, before any row
    return table
