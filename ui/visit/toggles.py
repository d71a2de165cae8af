"""A row of big toggle buttons for a choice of a few values (sex, age band): one tap instead
of opening a list and aiming at a line in it, and by keyboard Left/Right to move and Space or
Return to choose (Return also moves on, as in the other fields). Typing moves too, as in any
list: the first letters of a choice ("v" for vrouw), or what the row's own ``match`` makes of
the keys (an age: "30" is 25–39 jaar), so a choice costs a key or two and Return."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QButtonGroup, QPushButton, QWidget

from ui.visit.fields import FlowLayout

CHOICE_STYLE = """
QPushButton#choice { padding: 4px 12px; border: 1px solid palette(mid); border-radius: 4px;
                     background: palette(button); }
QPushButton#choice:focus { border: 2px solid #1f4e79; }
QPushButton#choice:checked { background: #1f4e79; color: white; border: 1px solid #1f4e79; }
QPushButton#choice:checked:focus { border: 2px solid #0b2740; }
QPushButton#choice:disabled { color: palette(placeholder-text); }
"""


class ChoiceRow(QWidget):
    """One value of ``choices`` ((text, value) pairs), or none; ``chosen(value)`` when a user
    picks one (a second tap on the chosen button keeps it: a choice is changed, not undone)."""

    chosen = Signal(object)

    def __init__(
        self,
        name: str,
        choices: list[tuple[str, Any]],
        *,
        on_return: Callable[[], object] | None = None,
        match: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setStyleSheet(CHOICE_STYLE)
        self._on_return = on_return
        self._match = match  # typed keys -> a value, else None (then: a label's start)
        self._typed = ""
        self._typed_at = QElapsedTimer()
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # so that "none chosen" can be shown
        self.buttons: list[QPushButton] = []
        self._values: list[Any] = []
        flow = FlowLayout(self)
        keys = _ChoiceKeys(self)
        for text, value in choices:
            button = QPushButton(text)
            button.setObjectName("choice")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setAccessibleName(text)
            button.clicked.connect(lambda _checked=False, value=value: self._clicked(value))
            button.installEventFilter(keys)
            self.group.addButton(button)
            self.buttons.append(button)
            self._values.append(value)
            flow.addWidget(button)
        self._rove(self.buttons[0])

    def value(self) -> Any:
        for button, value in zip(self.buttons, self._values, strict=True):
            if button.isChecked():
                return value
        return None

    def set_value(self, value: Any) -> None:
        """Show a stored value without it counting as a choice."""
        self._typed = ""
        for button, own in zip(self.buttons, self._values, strict=True):
            blocked = button.blockSignals(True)
            button.setChecked(own == value)
            button.blockSignals(blocked)
        self._rove(self._focus_target())

    def button_for(self, value: Any) -> QPushButton:
        return self.buttons[self._values.index(value)]

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        for button in self.buttons:
            button.setAccessibleDescription(name)

    def _focus_target(self) -> QPushButton:
        for button in self.buttons:
            if button.isChecked():
                return button
        return self.buttons[0]

    def _rove(self, target: QPushButton) -> None:
        """One Tab stop per row (the chosen button, else the first); arrows move inside."""
        for button in self.buttons:
            button.setFocusPolicy(
                Qt.FocusPolicy.StrongFocus if button is target else Qt.FocusPolicy.ClickFocus
            )
        self.setFocusProxy(target)

    def _clicked(self, value: Any) -> None:
        self.set_value(value)
        self.chosen.emit(value)

    def _move(self, button: QPushButton, delta: int) -> None:
        position = (self.buttons.index(button) + delta) % len(self.buttons)
        target = self.buttons[position]
        self._rove(target)
        target.setFocus(Qt.FocusReason.TabFocusReason)

    def _type(self, text: str) -> None:
        """Keys typed within the keyboard interval build one search, as in Qt's lists; the
        focus moves to the match and Return (or Space) chooses it, as after an arrow key."""
        fresh = (
            not self._typed_at.isValid()
            or self._typed_at.elapsed() > QApplication.keyboardInputInterval()
        )
        self._typed = (text if fresh else self._typed + text).casefold()
        self._typed_at.start()
        target: QPushButton | None = None
        value = self._match(self._typed) if self._match is not None else None
        if value is not None and value in self._values:
            target = self.button_for(value)
        else:
            target = next(
                (b for b in self.buttons if b.text().casefold().startswith(self._typed)), None
            )
        if target is not None and target.isEnabled():
            self._rove(target)
            target.setFocus(Qt.FocusReason.TabFocusReason)

    def _key(self, button: QPushButton, event: QKeyEvent) -> bool:
        key = event.key()
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        text = event.text()
        if text and text.isprintable() and not text.isspace():
            self._type(text)
            return True
        self._typed = ""  # any other key ends a search
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self._move(button, 1)
            return True
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self._move(button, -1)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if button.isEnabled():
                self._clicked(self._values[self.buttons.index(button)])
            if self._on_return is not None:
                self._on_return()
            return True
        if key == Qt.Key.Key_Space:
            if button.isEnabled():
                self._clicked(self._values[self.buttons.index(button)])
            return True
        return False


class _ChoiceKeys(QObject):
    def __init__(self, row: ChoiceRow) -> None:
        super().__init__(row)
        self._row = row

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QPushButton)
        ):
            return self._row._key(watched, event)
        return False
