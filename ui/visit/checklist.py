"""The signal checklist: who it is about (everyone at the visit, or the selected person), a
filter that works like a command line, the tree of indicators, and the selected signal's
details (what to look for, status buttons for touch, evidence source, note).

Keyboard: type in the filter to narrow the list (Dutch or English words); Up and Down move the
current signal; Return cycles it (not recorded -> observed -> not observed -> unknown ->
observed ...) and selects the filter text, so the next word replaces it. In the list, Space
cycles, E cycles the evidence source, N (or F2 anywhere) edits the note, P (or F3 anywhere)
marks an observed signal as in the past (it happened before the visit: a signal, not an alarm
now), Delete clears. One tap on the status column cycles too; the detail's buttons do the same
by touch.

A row several lists share (one meaning) shows its sources; every action on it goes to
``ChecklistModel.record_id``: the member already recorded, else the lead.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.catalogue import FORMS, Catalogue, Indicator
from fieldapp.catalogue.presentation import shortlist
from fieldapp.domain import Evidence, ObservationStatus
from fieldapp.i18n import current_language, t
from ui.visit.checklist_model import (
    EVIDENCE_COLUMN,
    LABEL_COLUMN,
    SECTOR_GROUP,
    STATUS_COLUMN,
    ChecklistModel,
)
from ui.visit.controller import ObsState
from ui.visit.fields import FlowLayout, UndoPassThrough, kinetic

BESIDE_LIST_WIDTH = 340  # the least room (logical px) the list keeps beside the details
CHECKLIST_STYLE = """
QPushButton#scope { padding: 4px 12px; }
QPushButton#scope:checked { background: #1f4e79; color: white; border: 1px solid #1f4e79;
                             border-radius: 4px; }
QFrame#detail { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QLabel#detailTitle { font-weight: 600; }
QLabel#detailPrompt { color: palette(placeholder-text); }
QLabel#detailSources { color: palette(placeholder-text); }
QLabel#acuteReason { color: #a4262c; font-weight: 600; }
QLabel#acuteReason[past="true"] { color: palette(placeholder-text); font-weight: 400; }
"""


class ChecklistView(QTreeView):
    """The tree, with the checklist keys (Space, E, N, P, Delete) turned into signals."""

    cycle_requested = Signal()
    evidence_requested = Signal()
    note_requested = Signal()
    past_requested = Signal()
    clear_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not (
            event.modifiers()
            & (
                Qt.KeyboardModifier.ControlModifier
                | Qt.KeyboardModifier.AltModifier
                | Qt.KeyboardModifier.MetaModifier
            )
        )
        if plain and key == Qt.Key.Key_Space:
            self.cycle_requested.emit()
        elif plain and key == Qt.Key.Key_E:
            self.evidence_requested.emit()
        elif plain and key == Qt.Key.Key_N:
            self.note_requested.emit()
        elif plain and key == Qt.Key.Key_P:
            self.past_requested.emit()
        elif plain and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.clear_requested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()


class _FilterKeys(QObject):
    """Return, Up, Down, PageUp/PageDown and Escape in the filter field."""

    def __init__(self, panel: ChecklistPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            # Escape clears a filter before it may close the editor.
            if event.key() == Qt.Key.Key_Escape and self._panel.filter.text():
                event.accept()
                return True
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._panel.cycle_current()
            self._panel.filter.selectAll()
            return True
        steps: dict[int, int] = {  # QKeyEvent.key() is an int; Qt.Key is an IntEnum
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_PageDown: 10,
            Qt.Key.Key_PageUp: -10,
        }
        if key in steps:
            self._panel.move_current(steps[key])
            return True
        if key == Qt.Key.Key_Escape and self._panel.filter.text():
            self._panel.filter.clear()
            return True
        return False


class ChecklistPanel(QWidget):
    """Shows the model; the editor connects the requests to the controller."""

    cycle = Signal(str)  # indicator id
    set_status = Signal(str, object)  # indicator id, ObservationStatus | None (None: clear)
    cycle_evidence = Signal(str)
    set_evidence = Signal(str, object)  # indicator id, Evidence | None
    set_note = Signal(str, str)
    toggle_past = Signal(str)  # indicator id: P / F3
    set_past = Signal(str, bool)  # indicator id, in the past (the touch button)
    scope_changed = Signal(bool)  # True: everyone at the visit
    current_changed = Signal(str)

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self.setStyleSheet(CHECKLIST_STYLE)
        self.model = ChecklistModel(catalogue, self)
        self._catalogue: Catalogue | None = catalogue
        self._loading_detail = False
        self._note_indicator: str | None = None  # the signal the note field was loaded for
        self._touch = False
        self._beside: bool | None = None  # details beside the list (set_beside)
        # Browsing (no filter words): the sector's shortlist open at first, each group a
        # header that opens with a tap, one at a time (the shortlist closes too, so every
        # header fits a tablet's screen): a finger reaches any of 150 signals in two or three
        # taps instead of twenty swipes. Filter words open every group with a match; moving
        # into a closed group by keyboard opens it.
        self._opened: set[str] = {SECTOR_GROUP}
        self._read_only = False  # another device's visit: signals are read, never changed
        self._want_beside = False

        self.everyone_button = QPushButton(t("ui.visit.scope.everyone"))
        self.person_button = QPushButton(t("ui.visit.scope.no_person"))
        self.scope_group = QButtonGroup(self)
        for button in (self.everyone_button, self.person_button):
            button.setObjectName("scope")
            button.setCheckable(True)
            button.setAutoDefault(False)
            self.scope_group.addButton(button)
        self.everyone_button.setChecked(True)
        self.everyone_button.setToolTip(t("ui.visit.scope.everyone_tip"))
        self.everyone_button.setAccessibleName(t("ui.visit.scope.everyone"))
        self.everyone_button.setAccessibleDescription(t("ui.visit.scope.everyone_tip"))
        self.person_button.setToolTip(t("ui.visit.scope.person_tip"))
        self.person_button.setEnabled(False)
        self.everyone_button.toggled.connect(self._scope_toggled)
        for button in (self.everyone_button, self.person_button):
            # Before the scope changes, a tap does not always take the focus from the note.
            button.pressed.connect(self.flush)
        self.scope_row = QWidget()  # wraps on a narrow screen rather than clipping
        scope_row = FlowLayout(self.scope_row)
        self.scope_label = QLabel(t("ui.visit.scope.label"))
        self.scope_label.setMinimumHeight(self.everyone_button.sizeHint().height())
        scope_row.addWidget(self.scope_label)
        scope_row.addWidget(self.everyone_button)
        scope_row.addWidget(self.person_button)

        self.filter = QLineEdit()
        self.filter.setObjectName("checklist_filter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(t("ui.visit.filter.placeholder"))
        self.filter.setAccessibleName(t("ui.visit.filter.name"))
        self.filter.setAccessibleDescription(t("ui.visit.filter.hint"))
        self.filter.setToolTip(t("ui.visit.filter.hint"))
        self.filter.textChanged.connect(self._apply_filter)
        self.filter.installEventFilter(_FilterKeys(self))
        self.filter.installEventFilter(UndoPassThrough(self))
        self.form = QComboBox()
        self.form.setObjectName("checklist_form")
        self.form.setMinimumWidth(self.form.fontMetrics().averageCharWidth() * 10 + 30)
        self.form.setAccessibleName(t("ui.visit.filter.form"))
        self.form.addItem(t("ui.visit.filter.all_forms"), None)
        for form in FORMS:
            self.form.addItem(t(f"form.{form}"), form)
        self.form.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.form.activated.connect(self._form_chosen)
        self._form_by_hand = False  # the user chose a form: the sector no longer sets it
        self._sector: str | None = None
        filter_row = QHBoxLayout()
        # Touch: the line edit's own clear button is a 22 px target; a full-size one
        # replaces it (shown while there is text).
        self.filter_clear = QPushButton("✕")
        self.filter_clear.setObjectName("filter_clear")
        self.filter_clear.setAccessibleName(t("ui.visit.filter.clear"))
        self.filter_clear.setToolTip(t("ui.visit.filter.clear"))
        self.filter_clear.setAutoDefault(False)
        self.filter_clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.filter_clear.clicked.connect(self._clear_filter)
        self.filter_clear.hide()
        self.filter.textChanged.connect(lambda _text: self._show_filter_clear())
        filter_row.addWidget(self.filter, 3)
        filter_row.addWidget(self.filter_clear)
        filter_row.addWidget(self.form, 2)

        self.view = ChecklistView()
        self.view.setObjectName("checklist")
        self.view.setModel(self.model)
        self.view.setAccessibleName(t("ui.visit.checklist.name"))
        self.view.setAccessibleDescription(t("ui.visit.checklist.hint"))
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setRootIsDecorated(False)
        self.view.setItemsExpandable(False)
        self.view.setExpandsOnDoubleClick(False)
        self.view.setIconSize(QSize(16, 16))
        self.view.setIndentation(8)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.header()
        header.setAccessibleName(t("ui.visit.checklist.name"))
        header.setStretchLastSection(False)
        header.setSectionResizeMode(LABEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        # Fixed widths from the longest texts: ResizeToContents would read every row on
        # every change, which makes a toggle slow.
        header.setSectionResizeMode(STATUS_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(EVIDENCE_COLUMN, QHeaderView.ResizeMode.Interactive)
        self._size_columns()
        self.view.cycle_requested.connect(self.cycle_current)
        self.view.evidence_requested.connect(self.cycle_evidence_current)
        self.view.note_requested.connect(self.edit_note)
        self.view.past_requested.connect(self.toggle_past_current)
        self.view.clear_requested.connect(self._clear_current)
        self.view.clicked.connect(self._clicked)
        self._last_tap = QElapsedTimer()
        self._last_tap_id: str | None = None
        self.view.selectionModel().currentChanged.connect(self._current_moved)
        self.model.modelReset.connect(self._after_reset)

        self.detail = QFrame()
        self.detail.setObjectName("detail")
        detail = QGridLayout(self.detail)
        detail.setContentsMargins(12, 8, 12, 8)
        detail.setHorizontalSpacing(8)
        detail.setVerticalSpacing(4)
        self.detail_title = QLabel()
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setWordWrap(True)
        # A row several lists share: its lists and ids, and which of them are recorded.
        self.detail_sources = QLabel()
        self.detail_sources.setObjectName("detailSources")
        self.detail_sources.setWordWrap(True)
        self.detail_sources.hide()
        self.detail_head = QWidget()
        head = QVBoxLayout(self.detail_head)
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(0)
        head.addWidget(self.detail_title)
        head.addWidget(self.detail_sources)
        self.detail_prompt = QLabel()
        self.detail_prompt.setObjectName("detailPrompt")
        self.detail_prompt.setWordWrap(True)
        self.acute_reason = QLabel()
        self.acute_reason.setObjectName("acuteReason")
        self.acute_reason.setWordWrap(True)
        self.acute_reason.hide()
        self.status_buttons: dict[str, QPushButton] = {}
        # Status buttons and "in the past" for touch; they wrap on a narrow screen.
        self.buttons = QWidget()
        buttons = FlowLayout(self.buttons)
        for key, status in (
            ("observed", ObservationStatus.OBSERVED),
            ("not_observed", ObservationStatus.NOT_OBSERVED),
            ("unknown", ObservationStatus.UNKNOWN),
            ("clear", None),
        ):
            button = QPushButton(t(f"ui.visit.detail.{key}"))
            button.setObjectName(f"status_{key}")
            button.setAccessibleName(t(f"ui.visit.detail.{key}"))
            button.setAutoDefault(False)
            button.setCheckable(status is not None)
            button.clicked.connect(lambda _c=False, status=status: self._status_clicked(status))
            self.status_buttons[key] = button
            buttons.addWidget(button)
        self.past_button = QPushButton(t("ui.visit.detail.past"))
        self.past_button.setObjectName("status_past")
        self.past_button.setAccessibleName(t("ui.visit.detail.past"))
        self.past_button.setAccessibleDescription(t("ui.visit.detail.past_tip"))
        self.past_button.setToolTip(t("ui.visit.detail.past_tip"))
        self.past_button.setAutoDefault(False)
        self.past_button.setCheckable(True)
        self.past_button.clicked.connect(self._past_clicked)
        buttons.addWidget(self.past_button)
        self.evidence = QComboBox()
        self.evidence.setObjectName("evidence")
        self.evidence.setAccessibleName(t("ui.visit.detail.evidence"))
        self.evidence.addItem(t("ui.visit.detail.evidence_none"), None)
        for evidence in Evidence:
            self.evidence.addItem(t(f"evidence.{evidence.value}"), evidence.value)
        self.evidence.currentIndexChanged.connect(self._evidence_chosen)
        self.note = QLineEdit()
        self.note.setObjectName("observation_note")
        self.note.setAccessibleName(t("ui.visit.detail.note"))
        self.note.setPlaceholderText(t("ui.visit.detail.note_placeholder"))
        self.note.installEventFilter(UndoPassThrough(self))
        self.note.editingFinished.connect(self._note_finished)
        self.note.returnPressed.connect(self._note_returned)
        self._detail_grid = detail
        self.evidence_label = QLabel(t("ui.visit.detail.evidence"))
        self.evidence_label.setBuddy(self.evidence)
        self.note_label = QLabel(t("ui.visit.detail.note"))
        self.note_label.setBuddy(self.note)
        self.detail.installEventFilter(self)

        # No heading: the step bar says "Signalen", and every row counts on a tablet.
        # Two columns on a low screen (``set_beside``): the list on the left, who it is
        # about and the chosen signal's status, source and note on the right, so a signal
        # is found, tapped and noted without scrolling the page.
        self.filter_box = QWidget()
        self.filter_box.setLayout(filter_row)
        filter_row.setContentsMargins(0, 0, 0, 0)
        self._summaries: list[QLabel] = []  # lines under the scope buttons, in order
        self._left = QVBoxLayout()
        self._left.setSpacing(6)
        self._right = QVBoxLayout()
        self._right.setSpacing(6)
        right_content = QWidget()
        right_content.setLayout(self._right)
        self._right.setContentsMargins(0, 0, 0, 0)
        # The right column scrolls by itself: only the signal's question (last) may not fit.
        self._right_box = QScrollArea()
        self._right_box.setObjectName("checklistBeside")
        self._right_box.setWidgetResizable(True)
        self._right_box.setFrameShape(QFrame.Shape.NoFrame)
        self._right_box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._right_box.setWidget(right_content)
        kinetic(self._right_box)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(self._left, 1)
        layout.addWidget(self._right_box)
        self.set_beside(False)
        self.set_large_touch(False)
        self._after_reset()

    def set_beside(self, wanted: bool) -> None:
        """Details beside the list (a low screen) or under it; beside only while the list
        keeps room for the signals' names (not with the F1 panel open on a tablet)."""
        self._want_beside = wanted
        self._fit_beside()
        room = self.width() - self._right_box.maximumWidth()
        beside = wanted and (room >= BESIDE_LIST_WIDTH or not self.isVisible())
        # The source column gives way to the names when the list is narrow; the details
        # (beside or under it) say the source.
        narrow = beside or (self.isVisible() and self.width() < 2 * BESIDE_LIST_WIDTH)
        if narrow != self.view.isColumnHidden(EVIDENCE_COLUMN):
            self.view.setColumnHidden(EVIDENCE_COLUMN, narrow)
        if beside == self._beside:
            return
        self._beside = beside
        top = [self.scope_row, *self._summaries]
        moving: list[QWidget] = [*top, self.filter_box, self.view, self.detail]
        for widget in moving:
            self._left.removeWidget(widget)
            self._right.removeWidget(widget)
        while self._right.count():  # the stretch
            self._right.takeAt(0)
        if beside:
            self._left.addWidget(self.filter_box)
            self._left.addWidget(self.view, 1)
            for widget in top:
                self._right.addWidget(widget)
            self._right.addWidget(self.detail)
            self._right.addStretch(1)
        else:
            for widget in (*top, self.filter_box):
                self._left.addWidget(widget)
            self._left.addWidget(self.view, 1)
            self._left.addWidget(self.detail)
        self._right_box.setVisible(beside)
        self._fit_beside()
        # The scope buttons share the column with the details: the short name there (the
        # tooltip and the accessible name keep the long one).
        self.everyone_button.setText(
            t("ui.visit.scope.everyone_short" if beside else "ui.visit.scope.everyone")
        )
        self._size_columns()
        self._arrange_detail(beside)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.set_beside(self._want_beside)  # sizes are known once the window's style applies

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.set_beside(self._want_beside)

    def _fit_beside(self) -> None:
        """The details' column as wide as the status buttons in two rows, no wider: the
        rest goes to the signals' names."""
        buttons = self.status_buttons

        def width(*row: QPushButton) -> int:
            for button in row:
                button.ensurePolished()
            return sum(button.sizeHint().width() for button in row) + 12 * (len(row) - 1)

        rows = max(
            width(buttons["observed"], buttons["not_observed"]),
            width(buttons["unknown"], buttons["clear"], self.past_button),
        )
        margins = self.detail.contentsMargins()
        scroll = self._right_box.verticalScrollBar().sizeHint().width()
        wanted = rows + margins.left() + margins.right() + scroll + 16  # the frame, slack
        if wanted != self._right_box.maximumWidth():
            self._right_box.setFixedWidth(wanted)

    def _arrange_detail(self, beside: bool) -> None:
        """Beside the list: status and note first, one field a row, the question last (it
        may be long); under it: the wide arrangement."""
        grid = self._detail_grid
        widgets = (
            self.detail_head,
            self.acute_reason,
            self.detail_prompt,
            self.buttons,
            self.evidence_label,
            self.evidence,
            self.note_label,
            self.note,
        )
        for widget in widgets:
            grid.removeWidget(widget)
        grid.setColumnStretch(1, 0)
        grid.setColumnStretch(3, 0)
        grid.addWidget(self.detail_head, 0, 0, 1, 4)
        grid.addWidget(self.acute_reason, 1, 0, 1, 4)
        # Beside the list the source and the note share a row without captions (their
        # accessible names and the note's placeholder say what they are).
        self.evidence_label.setVisible(not beside)
        self.note_label.setVisible(not beside)
        if beside:
            grid.addWidget(self.buttons, 2, 0, 1, 4)
            grid.addWidget(self.evidence, 3, 0)
            grid.addWidget(self.note, 3, 1, 1, 3)
            grid.addWidget(self.detail_prompt, 4, 0, 1, 4)
            grid.setColumnStretch(3, 1)
        else:
            grid.addWidget(self.detail_prompt, 2, 0, 1, 4)
            grid.addWidget(self.buttons, 3, 0, 1, 4)
            grid.addWidget(self.evidence_label, 4, 0)
            grid.addWidget(self.evidence, 4, 1)
            grid.addWidget(self.note_label, 4, 2)
            grid.addWidget(self.note, 4, 3)
            grid.setColumnStretch(3, 1)
        self._keep_detail_whole()

    def add_scope_widget(self, widget: QWidget) -> None:
        """A control at the end of the scope buttons' row."""
        flow = self.scope_row.layout()
        if flow is not None:
            flow.addWidget(widget)

    def add_summary(self, label: QLabel) -> None:
        """A line under the scope buttons (who the person recorded for is)."""
        self._summaries.insert(0, label)
        layout = self._right if self._beside else self._left
        layout.insertWidget(layout.indexOf(self.scope_row) + 1, label)

    def _size_columns(self) -> None:
        """Status wide enough for its plain texts (the "(iedereen)" suffix may elide), the
        source column narrow: the label column gets the rest."""
        metrics = self.view.fontMetrics()
        texts = [t(f"observation_status.{s.value}") for s in ObservationStatus]
        widest_status = max(
            metrics.horizontalAdvance(text) for text in (*texts, t("ui.visit.status.past"))
        )
        icon = self.view.iconSize().width()
        if self._beside:  # the icon says the status, the details beside say it in full
            header = self.view.header()
            caption = header.fontMetrics().horizontalAdvance(t("ui.visit.col.status")) + 16
            header.resizeSection(
                STATUS_COLUMN, max(icon + 20, caption if header.isVisible() else 0)
            )
        else:
            self.view.header().resizeSection(STATUS_COLUMN, widest_status + icon + 30)
        self.view.header().resizeSection(EVIDENCE_COLUMN, metrics.horizontalAdvance("m") * 11)

    # -- scope ----------------------------------------------------------------------------

    @property
    def everyone(self) -> bool:
        return self.everyone_button.isChecked()

    def show_person(self, label: str | None, *, select: bool) -> None:
        """The person the second scope button stands for; ``select`` switches to them."""
        if label is None:
            self.person_button.setText(t("ui.visit.scope.no_person"))
            self.person_button.setEnabled(False)
            blocked = self.everyone_button.blockSignals(True)
            self.everyone_button.setChecked(True)
            self.everyone_button.blockSignals(blocked)
            return
        self.person_button.setText(t("ui.visit.scope.person", label=label))
        self.person_button.setAccessibleName(t("ui.visit.scope.person", label=label))
        self.person_button.setEnabled(True)
        if select:
            blocked = self.everyone_button.blockSignals(True)
            self.person_button.setChecked(True)
            self.everyone_button.blockSignals(blocked)

    def select_everyone(self) -> None:
        self.everyone_button.setChecked(True)

    def _scope_toggled(self, _checked: bool) -> None:
        self.scope_changed.emit(self.everyone)

    # -- filter and current row -----------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.detail and event.type() == QEvent.Type.Resize:
            self._keep_detail_whole()
        return False

    def _keep_detail_whole(self) -> None:
        """The details keep the height their wrapped texts and buttons need at this width;
        on a small screen the list gets shorter instead of the texts overlapping."""
        needed = self.detail.heightForWidth(self.detail.width())
        if needed > 0 and needed != self.detail.minimumHeight():
            self.detail.setMinimumHeight(needed)

    def set_large_touch(self, on: bool) -> None:
        """Touch: bigger icons, no column header and no scope caption (the buttons say
        it; both cost rows), and a list never shorter than four rows."""
        self.view.setIconSize(QSize(22, 22) if on else QSize(16, 16))
        self.view.header().setVisible(not on)
        self.scope_label.setVisible(not on)
        self._touch = on
        self._fit_beside()
        self.filter.setClearButtonEnabled(not on)
        self.filter_clear.setMinimumSize(QSize(44, 44) if on else QSize(0, 0))
        self._show_filter_clear()
        # No keyboard hints on a tablet: "(Ctrl+F)" means nothing without a keyboard.
        self.filter.setPlaceholderText(
            t("ui.visit.filter.placeholder_touch" if on else "ui.visit.filter.placeholder")
        )
        self._show_detail()
        self._size_columns()
        self.view.doItemsLayout()
        row = 44 if on else self.view.fontMetrics().height() + 4
        self.view.setMinimumHeight(row * (4 if on else 6) + self.view.frameWidth() * 2 + 2)

    def _show_filter_clear(self) -> None:
        self.filter_clear.setVisible(self._touch and bool(self.filter.text()))

    def _clear_filter(self) -> None:
        self.filter.clear()
        self.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    def _note_placeholder(self) -> str:
        if self._touch:
            return "ui.visit.detail.note_placeholder_touch"
        return "ui.visit.detail.note_placeholder"

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def set_sector(self, sector: str | None) -> None:
        """The site's sector: its shortlist first, and the form filter on the forms it is
        for, so a greenhouse is not searched through surrogacy and harbour-drugs signals.
        "Alle vormen" stays one tap away, and a form chosen by hand is kept."""
        if sector == self._sector or self._catalogue is None:
            return
        self._sector = sector
        rule = self._catalogue.rules.sector(sector)
        forms = rule.forms if rule else ()
        self.model.set_sector(forms, shortlist(self._catalogue, sector) if sector else ())
        if not self._form_by_hand:
            index = self.form.findData(forms[0]) if len(forms) == 1 else 0
            self.form.setCurrentIndex(max(index, 0))
        self._show_open_groups()

    def _form_chosen(self, _index: int) -> None:
        self._form_by_hand = True

    def _apply_filter(self) -> None:
        current = self.current_indicator()
        self.model.set_filter(self.filter.text(), self.form.currentData())
        if current is not None and not self.filter.text():
            index = self.model.index_of(current.id)
            if index.isValid():
                self.view.setCurrentIndex(index)

    def _after_reset(self) -> None:
        """After filtering, the current signal is the best match, so Return acts on what
        the user most likely meant; the list keeps its grouping."""
        best = self.model.best_match()
        self._show_open_groups()
        group = self.model.group_key(best.parent().row())
        if best.isValid() and (self.model.filter_text or self.model.is_open(group or "")):
            self._show_index(best)
        else:  # browsing, its group closed: nothing hidden is current (Down opens it)
            self.view.setCurrentIndex(QModelIndex())
        self._show_detail()

    def _show_open_groups(self) -> None:
        """Every group open while filtering; else the groups opened (the shortlist at first)."""
        model = self.model
        if model.filter_text:
            model.set_open(None)
            self.view.expandAll()
            return
        opened = frozenset(self._opened)
        model.set_open(opened)
        for group_row in range(model.rowCount()):
            header = model.index(group_row, 0)
            self.view.setExpanded(header, model.group_key(group_row) in opened)

    def _show_index(self, index: QModelIndex) -> None:
        """Make ``index`` current and visible, opening its group when it is closed."""
        key = self.model.group_key(index.parent().row())
        if key is not None and not self.model.is_open(key):
            self._opened.add(key)
            self._show_open_groups()
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def toggle_group(self, group_row: int) -> None:
        """A tap on a group's header: it opens (and the others close, so the list stays
        short and its signals come to the top), or closes."""
        key = self.model.group_key(group_row)
        if key is None or self.model.filter_text:
            return
        # One group open at a time: a tap on the open one closes it, and then every
        # header shows; a tap on a closed one opens it alone.
        self._opened = set() if key in self._opened else {key}
        current = self.view.currentIndex()
        if self.model.group_key(current.parent().row()) not in self._opened:
            # Its group closes: Qt would move the current row to one it picks, and moving
            # there opens that group (as moving by keyboard does); no row is current instead.
            self.view.setCurrentIndex(QModelIndex())
        self._show_open_groups()
        header = self.model.index(group_row, 0)
        if self.view.isExpanded(header):
            self.view.scrollTo(header, QAbstractItemView.ScrollHint.PositionAtTop)

    def current_indicator(self) -> Indicator | None:
        return self.model.indicator(self.view.currentIndex())

    def set_current(self, indicator_id: str) -> None:
        index = self.model.index_of(indicator_id)
        if index.isValid():
            self._show_index(index)

    def move_current(self, delta: int) -> None:
        index = self.model.step(self.view.currentIndex(), delta)
        if index.isValid():
            self._show_index(index)

    def _current_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.flush()  # a note being typed is saved on the signal it was typed for
        self._show_detail()
        item = self.model.indicator(current)
        if item is not None:
            self.current_changed.emit(item.id)

    # -- actions --------------------------------------------------------------------------

    def set_read_only(self, on: bool) -> None:
        """Another device's visit: a tap or a key selects a signal and shows it; no status
        button, source or note can change it (the store refuses it too)."""
        self._read_only = on
        self.buttons.setVisible(not on)
        self.evidence.setEnabled(not on)
        self.note.setReadOnly(on)

    def _editable_current(self) -> Indicator | None:
        return None if self._read_only else self.current_indicator()

    def cycle_current(self) -> None:
        item = self._editable_current()
        if item is not None:
            self.cycle.emit(self.model.record_id(item.id))

    def cycle_evidence_current(self) -> None:
        item = self._editable_current()
        if item is not None:
            self.cycle_evidence.emit(self.model.record_id(item.id))

    def edit_note(self) -> None:
        if self.current_indicator() is not None:
            self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.note.selectAll()

    def toggle_past_current(self) -> None:
        item = self._editable_current()
        if item is not None:
            self.toggle_past.emit(self.model.record_id(item.id))

    def _past_clicked(self, checked: bool) -> None:
        item = self.current_indicator()
        if item is not None:
            self.set_past.emit(self.model.record_id(item.id), checked)
        self._show_detail()

    def _clear_current(self) -> None:
        item = self._editable_current()
        if item is not None:
            self.set_status.emit(self.model.record_id(item.id), None)

    def _clicked(self, index: QModelIndex) -> None:
        """One tap on the status column cycles the signal. A second tap on the same cell
        within a double-click's time is a bounce or a double tap, not a wish to record the
        opposite ("waargenomen" silently becoming "niet waargenomen"), so it is ignored."""
        item = self.model.indicator(index)
        if item is None and index.isValid() and not index.parent().isValid():
            self.toggle_group(index.row())
            return
        if item is None or index.column() != STATUS_COLUMN or self._read_only:
            return  # read-only: the tap selected the signal, which shows its details
        interval = QApplication.doubleClickInterval()
        if (
            item.id == self._last_tap_id
            and self._last_tap.isValid()
            and self._last_tap.elapsed() < interval
        ):
            return
        self._last_tap_id = item.id
        self._last_tap.start()
        self.cycle.emit(self.model.record_id(item.id))

    def _status_clicked(self, status: ObservationStatus | None) -> None:
        item = self.current_indicator()
        if item is not None:
            self.set_status.emit(self.model.record_id(item.id), status)
        self._show_detail()

    def _evidence_chosen(self, _index: int) -> None:
        item = self.current_indicator()
        if item is None or self._loading_detail:
            return
        value = self.evidence.currentData()
        self.set_evidence.emit(self.model.record_id(item.id), Evidence(value) if value else None)

    def _note_finished(self) -> None:
        # The note belongs to the signal it was loaded for, not to whatever is current now:
        # the current row can move while the cursor is still in the note.
        indicator_id = self._note_indicator
        if indicator_id is None or self._loading_detail or not self.note.isModified():
            return
        self.note.setModified(False)
        self.set_note.emit(indicator_id, self.note.text())

    def _note_returned(self) -> None:
        self._note_finished()
        self.filter.setFocus(Qt.FocusReason.OtherFocusReason)
        self.filter.selectAll()

    def flush(self) -> None:
        if self.note.isModified():
            self._note_finished()

    # -- details --------------------------------------------------------------------------

    def refresh(self, indicator_id: str | None = None) -> None:
        """A state changed (one indicator, or all of them)."""
        if indicator_id is None:
            self.model.repaint_all()
        else:
            self.model.state_changed(indicator_id)
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.current_indicator()
        self.detail.setEnabled(item is not None)
        self._loading_detail = True
        try:
            lang = current_language()
            if item is None:
                self._note_indicator = None
                self.detail_title.setText(t("ui.visit.detail.none"))
                self.detail_prompt.clear()
                self.detail_sources.hide()
                self.acute_reason.hide()
                self.note.clear()
                self.evidence.setCurrentIndex(0)
                for button in self.status_buttons.values():
                    button.setChecked(False)
                self.past_button.setChecked(False)
                return
            self.detail_title.setText(f"{item.label[lang]}  ({item.id})")
            self.detail_prompt.setText(item.prompt[lang])
            self._show_sources(item)
            own, inherited = self.model.states(item.id)
            state: ObsState | None = own
            if item.acute and item.acute_reason:
                # Danger in the past is a signal, not an alarm: the text says so, not "112".
                past = state is not None and state.past
                key = "ui.visit.detail.acute_past" if past else "ui.visit.detail.acute"
                self.acute_reason.setText(t(key, reason=item.acute_reason[lang]))
                self.acute_reason.setProperty("past", past)
                self.acute_reason.style().unpolish(self.acute_reason)
                self.acute_reason.style().polish(self.acute_reason)
                self.acute_reason.show()
            else:
                self.acute_reason.hide()
            for key, button in self.status_buttons.items():
                button.setChecked(state is not None and state.status.value == key)
            self.status_buttons["clear"].setEnabled(state is not None)
            self.past_button.setChecked(
                state is not None and state.past and state.status is ObservationStatus.OBSERVED
            )
            index = self.evidence.findData(
                state.evidence.value if state and state.evidence else None
            )
            self.evidence.setCurrentIndex(max(index, 0))
            if not self.note.hasFocus() or not self.note.isModified():
                self.note.setText(state.note or "" if state else "")
                self.note.setModified(False)
                self._note_indicator = self.model.record_id(item.id)
            hint = ""
            if own is None and inherited is not None:
                hint = t(
                    "ui.visit.detail.inherited",
                    status=t(f"observation_status.{inherited.status.value}"),
                )
            self.note.setPlaceholderText(hint or t(self._note_placeholder()))
        finally:
            self._loading_detail = False
            self._keep_detail_whole()

    def _show_sources(self, item: Indicator) -> None:
        """ "Bronnen: ILO · NLA · Politie (ILO-CD-01, NLA-04, POL-2-04)", and the ids
        recorded when that is not just the lead (an older visit's NLA-04)."""
        members = self.model.members(item.id)
        if len(members) == 1:
            self.detail_sources.hide()
            return
        text = f"{self.model.sources_text(item.id)} ({', '.join(members)})"
        recorded = self.model.recorded_members(item.id)
        if recorded and [member for member, _ in recorded] != [item.id]:
            states = "; ".join(
                f"{member} {t(f'observation_status.{state.status.value}')}"
                for member, state in recorded
            )
            text += "\n" + t("ui.visit.detail.recorded_as", recorded=states)
        self.detail_sources.setText(text)
        self.detail_sources.show()

    def clear(self) -> None:
        self.model.clear()
        self._opened = {SECTOR_GROUP}
        self.filter.clear()
        self.note.clear()
        self._catalogue = None
        self._sector = None
        self._show_detail()
