"""Small pieces the visit editor's forms share: labelled fields with a message line under them,
the text of a refused value, the rule that Ctrl+Z in a field whose text is saved undoes
the editor's last change (while the text is being edited, Ctrl+Z undoes the typing), shortcuts
that still work while a list of suggestions is open, and kinetic (finger) scrolling."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPlainTextEdit,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import ValidationError
from fieldapp.i18n import t
from ui.widgets import MessageLabel

FIELD_STYLE = """
QLabel#fieldLabel { color: palette(placeholder-text); font-size: 9pt; }
QLabel#sectionHeading { font-size: 12pt; font-weight: 600; }
"""


def problem_text(exc: ValidationError) -> str:
    """The refusal for one field, as a sentence: "Een KvK-nummer bestaat uit precies 8
    cijfers. Niet opgeslagen." (the core's message without the JSON path)."""
    problem = t(exc.problem, **exc.params)
    problem = problem[:1].upper() + problem[1:]
    return t("ui.visit.refused", problem=problem)


def section_heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    label.setAccessibleName(text)
    return label


class Field(QWidget):
    """A caption above an input and a message line below it (hidden while empty)."""

    def __init__(self, caption: str, widget: QWidget, *, hint: str = "") -> None:
        super().__init__()
        self.widget = widget
        self.caption = QLabel(caption)
        self.caption.setObjectName("fieldLabel")
        self.caption.setBuddy(widget)
        widget.setAccessibleName(caption.replace("&", ""))
        if hint:
            widget.setAccessibleDescription(hint)
            widget.setToolTip(hint)
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(widget)
        layout.addWidget(self.message)


class FlowLayout(QLayout):
    """Items side by side, wrapping to the next line when the width runs out (a row of
    toggle buttons that fits a wide screen on one line and a tablet on two or three)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._width = 0  # the width last laid out: the minimum height follows it
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)
        if rect.width() != self._width:
            # A splitter does not ask for a height for its width: tell the layouts above
            # how many lines the items take now, so they never overlap what follows.
            before = self.heightForWidth(self._width) if self._width else -1
            self._width = rect.width()
            if self.heightForWidth(self._width) != before:
                QTimer.singleShot(0, self, self.invalidate)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        if self._width:
            size.setHeight(max(size.height(), self.heightForWidth(self._width)))
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


class UndoPassThrough(QObject):
    """Installed on text fields: Ctrl+Z reaches the editor's undo when the field holds no
    unsaved typing (``isModified`` is cleared after every save)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Undo)
        ):
            return False
        if isinstance(watched, QLineEdit):
            return not watched.isModified()
        if isinstance(watched, QPlainTextEdit):
            return not watched.document().isModified()
        return False


class ReturnFilter(QObject):
    """Calls ``on_return(widget)`` when Return or Enter is pressed in a watched combo box, line
    edit, spin box, check box or plain text field. (While a completer's list is open the list
    has the keys and hands Return to the field directly, past this filter: that Return only
    picks.) Shift+Return in a text field still starts a new line."""

    def __init__(self, on_return: Callable[[QWidget], bool], parent: QObject | None = None):
        super().__init__(parent)
        self._on_return = on_return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(
                watched, QComboBox | QPlainTextEdit | QLineEdit | QAbstractSpinBox | QCheckBox
            )
        ):
            if isinstance(watched, QPlainTextEdit) and (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            ):
                return False
            if isinstance(watched, QComboBox) and watched.view().isVisible():
                return False
            return self._on_return(watched)
        return False


class FocusOutFilter(QObject):
    """Calls ``on_focus_out(widget)`` when a plain text field loses focus (it has no
    ``editingFinished``)."""

    def __init__(self, on_focus_out: Callable[[QWidget], None], parent: QObject | None = None):
        super().__init__(parent)
        self._on_focus_out = on_focus_out

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut and isinstance(watched, QWidget):
            self._on_focus_out(watched)
        return False


class PopupShortcuts(QObject):
    """Installed on a completer's list of suggestions. That list has the keyboard while it is
    open, so a shortcut (Ctrl+F, Ctrl+P, Ctrl+1, F2 ...) never reached the editor and the next
    letters landed in the field ("Bulgaarsp"). Now such a key closes the list, keeps what was
    typed, and ``run(event)`` does the shortcut; other keys go on as before."""

    def __init__(self, run: Callable[[QKeyEvent], bool], parent: QObject | None = None):
        super().__init__(parent)
        self._run = run

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        modifiers = event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
        )
        function_key = Qt.Key.Key_F1 <= event.key() <= Qt.Key.Key_F35
        if not modifiers and not function_key:
            return False
        if isinstance(watched, QWidget):
            watched.hide()
        return self._run(event)


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit, instead of being cut off mid-letter
    (a long site name in the top bar of a tablet); the whole text is its tooltip."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.elide = Qt.TextElideMode.ElideRight
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M…"))

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("M…"), super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """What fits, as painted."""
        return self.fontMetrics().elidedText(self.text(), self.elide, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.shown_text()
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)


def kinetic(area: QAbstractScrollArea) -> None:
    """Scroll by dragging a finger, with momentum (a mouse still selects and clicks)."""
    if isinstance(area, QAbstractItemView):
        area.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)


def text_of(widget: QLineEdit | QPlainTextEdit) -> str:
    return widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()


def set_text(widget: QLineEdit | QPlainTextEdit, text: str | None) -> None:
    """Show a stored value without it counting as an edit."""
    blocked = widget.blockSignals(True)
    if isinstance(widget, QLineEdit):
        widget.setText(text or "")
        widget.setModified(False)
    else:
        widget.setPlainText(text or "")
        widget.document().setModified(False)
    widget.blockSignals(blocked)


def mark_saved(widget: QLineEdit | QPlainTextEdit) -> None:
    if isinstance(widget, QLineEdit):
        widget.setModified(False)
    else:
        widget.document().setModified(False)


def is_modified(widget: QLineEdit | QPlainTextEdit) -> bool:
    if isinstance(widget, QLineEdit):
        return widget.isModified()
    return widget.document().isModified()


def select_data(combo: QComboBox, value: object) -> None:
    """Select the item whose data is ``value`` without emitting change signals."""
    blocked = combo.blockSignals(True)
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(blocked)
