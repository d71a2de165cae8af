"""The visit's four steps and the bar that shows them: Locatie -> Personen -> Signalen ->
Afronden, in the order a visit happens, so a tablet shows one step per screen and a user
always sees where they are and how much is recorded (a count beside a step's name).

The bar is a row of large numbered buttons, one tap each; by keyboard Alt+1 ... Alt+4 and
Ctrl+PgDown / Ctrl+PgUp (the editor binds them, so they work from any field).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QSizePolicy, QWidget

from fieldapp.i18n import t

# The steps, in order; their names are ``ui.visit.step.<key>``.
STEPS: tuple[str, ...] = ("location", "persons", "signals", "finish")
LOCATION, PERSONS, SIGNALS, FINISH = range(len(STEPS))

STEP_STYLE = """
QPushButton#step { padding: 6px 12px; border: 1px solid palette(mid); border-radius: 6px;
                   background: palette(button); font-weight: 600; text-align: left; }
QPushButton#step:checked { background: #1f4e79; color: white; border: 1px solid #1f4e79; }
QPushButton#step:focus { border: 2px solid #0b2740; }
"""


class StepBar(QWidget):
    """Shows the steps and which one is current; ``step_chosen(index)`` on a tap."""

    step_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("steps")
        self.setAccessibleName(t("ui.visit.step.bar"))
        self.setStyleSheet(STEP_STYLE)
        self._counts: list[int | None] = [None] * len(STEPS)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QPushButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for index, _key in enumerate(STEPS):
            button = QPushButton()
            button.setObjectName("step")
            button.setCheckable(True)
            button.setAutoDefault(False)
            # Names may elide on a narrow screen; the number and the tooltip stay.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("0  Signalen") // 2)
            button.clicked.connect(lambda _checked=False, index=index: self.step_chosen.emit(index))
            self.group.addButton(button, index)
            self.buttons.append(button)
            layout.addWidget(button, 1)
        self._label_all()
        self.buttons[0].setChecked(True)

    def current(self) -> int:
        return max(self.group.checkedId(), 0)

    def set_current(self, index: int) -> None:
        self.buttons[index].setChecked(True)
        for position, button in enumerate(self.buttons):
            button.setProperty("current", position == index)

    def set_count(self, index: int, count: int | None) -> None:
        """A count beside the step's name ("Personen (2)"); None shows the name alone."""
        if self._counts[index] != count:
            self._counts[index] = count
            self._label(index)

    def count(self, index: int) -> int | None:
        return self._counts[index]

    def _label_all(self) -> None:
        for index in range(len(STEPS)):
            self._label(index)

    def _label(self, index: int) -> None:
        name = t(f"ui.visit.step.{STEPS[index]}")
        count = self._counts[index]
        shown = name if count is None else t("ui.visit.step.counted", name=name, count=count)
        text = f"{index + 1}  {shown}"
        button = self.buttons[index]
        button.setText(text)
        spoken = t("ui.visit.step.spoken", number=index + 1, name=shown)
        button.setAccessibleName(spoken)
        button.setToolTip(t("ui.visit.step.tip", name=shown, number=index + 1))
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
