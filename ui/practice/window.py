"""The practice window (issue 17): the cases, then a case's scenario beside the same visit
editor a real visit uses, then the debrief.

Everything here runs in the practice vault (:mod:`ui.practice.practice_vault`), never in the
real one; a banner in its own colour says so on every screen, and the window title too. The
window opens the practice vault itself (creating it on first use, on the runner: Argon2id is
slow) and locks it when it closes; the main window closes it when the real vault locks.

Room: on a screen wide enough (:data:`SIDE_BY_SIDE`) the scenario stands beside the editor;
narrower (a 1280x800 tablet at 150 % is 853 logical pixels wide) two large buttons above
switch between the scenario and the editor, each then with the whole height (F6 switches by
keyboard, and moves between the two when both are shown).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldAppError
from fieldapp.i18n import current_language, t
from fieldapp.practice.debrief import Debrief, check_answers
from fieldapp.practice.loader import load_cases
from fieldapp.practice.model import PracticeCase
from ui.practice.cases_model import FORMS, LEVEL, SCORE, SECTOR, TITLE, CasesModel
from ui.practice.debrief_view import DebriefView
from ui.practice.practice_vault import PracticeVault, trainee_record
from ui.runner import JobRunner
from ui.session import describe_error
from ui.visit.fields import kinetic
from ui.widgets import LARGE_TOUCH_ROW_HEIGHT, ROW_HEIGHT, MessageLabel, heading, style_sheet
from ui.window_settings import fit_dialog

if TYPE_CHECKING:
    from pathlib import Path

    from fieldapp.store.store import Store
    from fieldapp.vault.keyfile import KdfParams
    from fieldapp.vault.vault import UnlockKeys

log = logging.getLogger(__name__)

SIDE_BY_SIDE = 1100  # logical px: from this width the scenario stands beside the editor
SCENARIO_WIDTH = 340  # the scenario's column beside the editor
DEFAULT_SIZE = QSize(1400, 900)
MIN_SIZE = QSize(600, 440)  # inside the smallest screen (ui.window_settings.SMALLEST_SCREEN)
LIST, CASE, DEBRIEF = range(3)
# A colour no other screen uses, with white text (contrast above 9:1): practice is never
# mistaken for real work.
BANNER_STYLE = """
QLabel#practiceBanner { background: #5b2a86; color: white; font-weight: 600;
                        padding: 8px 12px; border-radius: 4px; }
"""
LARGE_TOUCH_STYLE = """
QPushButton { min-height: 44px; min-width: 44px; }
QTableView::item { min-height: 44px; }
"""


class PracticeWindow(QDialog):
    """``real_store``/``real_folder``: the open real vault, which keeps the practice vault's
    passphrase; ``kdf``: the cost for a new practice vault; ``editor_class``: the visit editor
    (``ui.visit.editor.VisitEditor``); ``catalogue``: the catalogue the engine assesses with."""

    def __init__(
        self,
        real_store: Store,
        real_folder: Path,
        *,
        runner: JobRunner,
        editor_class: Any,
        catalogue: Any,
        kdf: KdfParams | None = None,
        large_touch: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.practice = PracticeVault(real_store, real_folder, kdf)
        self.runner = runner
        self.editor_class = editor_class
        self.catalogue = catalogue
        self.large_touch = large_touch
        self.editor: Any = None
        self.case: PracticeCase | None = None
        self._visit: tuple[str, dict[str, str]] | None = None
        self._cases: list[PracticeCase] = []
        self._attempt = 0  # a job answered after the window moved on is ignored
        self._closed = False

        self.setObjectName("practiceWindow")
        self.setWindowTitle(t("ui.practice.title"))
        # A window of its own (minimise, maximise), not a modal box over the main window.
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowFlag(Qt.WindowType.WindowMinMaxButtonsHint, True)

        self.banner = QLabel(t("ui.practice.banner"))
        self.banner.setObjectName("practiceBanner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(t("ui.practice.banner"))
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_list_page())
        self.pages.addWidget(self._build_case_page())
        self.debrief_view = DebriefView()
        self.debrief_view.again_requested.connect(self.try_again)
        self.debrief_view.list_requested.connect(self.back_to_list)
        self.pages.addWidget(self.debrief_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)

        switch = QShortcut(QKeySequence(Qt.Key.Key_F6), self)
        switch.activated.connect(self.switch_pane)
        self.set_large_touch(large_touch)
        self.setMinimumSize(MIN_SIZE)
        fit_dialog(self, DEFAULT_SIZE)
        self.pages.setCurrentIndex(LIST)
        self._open_vault()

    # -- building ------------------------------------------------------------------------

    def _build_list_page(self) -> QWidget:
        page = QWidget()
        self.cases_model = CasesModel(self)
        self.table = QTableView()
        self.table.setObjectName("practiceCases")
        self.table.setAccessibleName(t("ui.practice.cases_name"))
        self.table.setModel(self.cases_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)  # wrapped, never cut
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.activated.connect(lambda index: self.open_case_at(index.row()))
        kinetic(self.table)
        self.open_button = QPushButton(t("ui.practice.open_case"))
        self.open_button.setObjectName("practiceOpen")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(lambda: self.open_case_at(self.table.currentIndex().row()))
        self.reset_button = QPushButton(t("ui.practice.reset"))
        self.reset_button.setObjectName("practiceReset")
        self.reset_button.setAutoDefault(False)
        self.reset_button.setToolTip(t("ui.practice.reset_tip"))
        self.reset_button.clicked.connect(self.ask_reset)
        self.list_status = MessageLabel()
        intro = QLabel(t("ui.practice.intro"))
        intro.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(heading(t("ui.practice.cases_heading")))
        layout.addWidget(intro)
        layout.addWidget(self.list_status)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        return page

    def _build_case_page(self) -> QWidget:
        page = QWidget()
        self.to_list_button = QPushButton(t("ui.practice.back_to_list"))
        self.to_list_button.setObjectName("practiceBack")
        self.to_list_button.setAutoDefault(False)
        self.to_list_button.clicked.connect(self.back_to_list)
        self.show_scenario_button = QPushButton(t("ui.practice.show_scenario"))
        self.show_editor_button = QPushButton(t("ui.practice.show_editor"))
        self.pane_buttons = QButtonGroup(self)
        for button, name in (
            (self.show_scenario_button, "practiceShowScenario"),
            (self.show_editor_button, "practiceShowEditor"),
        ):
            button.setObjectName(name)
            button.setCheckable(True)
            button.setAutoDefault(False)
            self.pane_buttons.addButton(button)
        self.show_editor_button.setChecked(True)
        self.pane_buttons.buttonToggled.connect(lambda *_: self._fit())
        self.debrief_button = QPushButton(t("ui.practice.debrief.button"))
        self.debrief_button.setObjectName("practiceDebriefButton")
        self.debrief_button.setAutoDefault(False)
        self.debrief_button.setToolTip(t("ui.practice.debrief.button_tip"))
        self.debrief_button.clicked.connect(self.ask_debrief)
        self.case_status = MessageLabel()
        top = QHBoxLayout()
        top.addWidget(self.to_list_button)
        top.addWidget(self.show_scenario_button)
        top.addWidget(self.show_editor_button)
        top.addStretch(1)
        top.addWidget(self.debrief_button)

        self.scenario_text = QLabel()
        self.scenario_text.setObjectName("practiceScenario")
        self.scenario_text.setWordWrap(True)
        self.scenario_text.setTextFormat(Qt.TextFormat.RichText)
        self.scenario_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scenario_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.scenario_text.setContentsMargins(8, 4, 8, 8)
        self.scenario = QScrollArea()
        self.scenario.setObjectName("practiceScenarioPanel")
        self.scenario.setAccessibleName(t("ui.practice.scenario_name"))
        self.scenario.setWidgetResizable(True)
        self.scenario.setFrameShape(QFrame.Shape.StyledPanel)
        self.scenario.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scenario.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows scroll the text
        self.scenario.setWidget(self.scenario_text)
        kinetic(self.scenario)
        self.editor_holder = QWidget()
        self.editor_layout = QVBoxLayout(self.editor_holder)
        self.editor_layout.setContentsMargins(0, 0, 0, 0)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.scenario)
        self.split.addWidget(self.editor_holder)
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.case_status)
        layout.addWidget(self.split, 1)
        return page

    # -- size and look -------------------------------------------------------------------

    def is_narrow(self) -> bool:
        return self.width() < SIDE_BY_SIDE

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
        self._fit_table()

    def _fit_table(self) -> None:
        """The title takes what the other columns leave; each of them at most a sixth of the
        width, wrapped onto more lines rather than cut (a tablet in large touch)."""
        cap = max(90, self.table.viewport().width() // 6)
        metrics = self.table.fontMetrics()
        model = self.cases_model
        for column in (SECTOR, FORMS, LEVEL, SCORE):
            self.table.resizeColumnToContents(column)
            texts = [str(model.index(row, column).data()) for row in range(model.rowCount())]
            longest_word = max(
                (metrics.horizontalAdvance(word) for text in texts for word in text.split()),
                default=0,
            )
            width = max(cap, longest_word + 2 * metrics.averageCharWidth())
            if self.table.columnWidth(column) > width:
                self.table.setColumnWidth(column, width)
        self.table.resizeRowsToContents()
        # A wrapped row is exactly as high as its lines: on a tablet the two lines of a score
        # touched the grid above and below. The room a one-line row has, it keeps.
        rows = self.table.verticalHeader().defaultSectionSize()
        line = metrics.lineSpacing()
        for row in range(model.rowCount()):
            height = self.table.rowHeight(row)
            if height > rows:
                self.table.setRowHeight(row, max(rows, height + (rows - line) // 2))

    def _fit(self) -> None:
        """Beside each other where they fit, else one at a time by the two buttons."""
        narrow = self.is_narrow()
        self.show_scenario_button.setVisible(narrow)
        self.show_editor_button.setVisible(narrow)
        if narrow:
            scenario = self.show_scenario_button.isChecked()
            self.scenario.setVisible(scenario)
            self.editor_holder.setVisible(not scenario)
            self.scenario.setMaximumWidth(16777215)
        else:
            self.scenario.setVisible(True)
            self.editor_holder.setVisible(True)
            self.scenario.setMaximumWidth(max(SCENARIO_WIDTH, self.width() // 3))
            self.scenario.setMinimumWidth(min(SCENARIO_WIDTH, self.width() // 4))

    def switch_pane(self) -> None:
        """F6: the other of scenario and editor (shown, or given the focus)."""
        if self.pages.currentIndex() != CASE:
            return
        to_scenario = not self.scenario.isVisible() or self._focus_in_editor()
        if self.is_narrow():
            to_scenario = not self.show_scenario_button.isChecked()
            (self.show_scenario_button if to_scenario else self.show_editor_button).setChecked(True)
        if to_scenario:
            self.scenario.setFocus()
        elif self.editor is not None:
            self.editor.setFocus()

    def _focus_in_editor(self) -> bool:
        focused = self.focusWidget()
        return focused is not None and self.editor_holder.isAncestorOf(focused)

    def set_large_touch(self, enabled: bool) -> None:
        self.large_touch = enabled
        self.setStyleSheet(
            style_sheet(enabled) + BANNER_STYLE + (LARGE_TOUCH_STYLE if enabled else "")
        )
        rows = LARGE_TOUCH_ROW_HEIGHT if enabled else ROW_HEIGHT
        self.table.verticalHeader().setDefaultSectionSize(rows)
        self.table.verticalHeader().setMinimumSectionSize(rows)
        if self.editor is not None:
            self.editor.set_large_touch(enabled)
        self._fit_table()

    def current_page(self) -> int:
        return self.pages.currentIndex()

    # -- the practice vault --------------------------------------------------------------

    def _open_vault(self) -> None:
        self._set_busy(True, t("ui.practice.opening"))
        try:
            job = self.practice.open_job()
        except (FieldAppError, OSError) as exc:
            self._set_busy(False)
            self.list_status.show_error(describe_error(exc))
            return
        self._attempt += 1
        attempt = self._attempt
        self.runner.run(
            job,
            lambda keys: self._opened(attempt, keys),
            lambda exc: self._open_failed(attempt, exc),
        )

    def _opened(self, attempt: int, keys: UnlockKeys) -> None:
        if attempt != self._attempt or self._closed:
            keys.wipe()
            return
        self._set_busy(False)
        try:
            self.practice.finish_open(keys)
            _set, self._cases = load_cases()
        except (FieldAppError, OSError) as exc:
            self.list_status.show_error(describe_error(exc))
            return
        self.list_status.clear_message()
        self.cases_model.set_cases(self._cases, self.practice.scores())
        self._fit_table()
        if self._cases:
            self.table.selectRow(0)
        self.table.setFocus()

    def _open_failed(self, attempt: int, exc: BaseException) -> None:
        if attempt != self._attempt or self._closed:
            return
        self._set_busy(False)
        if not isinstance(exc, FieldAppError | OSError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
        self.list_status.show_error(describe_error(exc))

    def _set_busy(self, busy: bool, message: str = "") -> None:
        for widget in (self.table, self.open_button, self.reset_button, self.debrief_button):
            widget.setEnabled(not busy)
        if message:
            self.list_status.show_info(message)

    def ask_reset(self) -> None:
        answer = QMessageBox.question(
            self,
            t("ui.practice.reset_title"),
            t("ui.practice.reset_question"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.reset()

    def reset(self) -> None:
        """Delete the practice vault and start again with a new, empty one."""
        self._drop_editor()
        self.case, self._visit = None, None
        self.debrief_view.clear()
        self.cases_model.clear()
        self.pages.setCurrentIndex(LIST)
        try:
            self.practice.reset()
        except (FieldAppError, OSError) as exc:
            self.list_status.show_error(describe_error(exc))
            return
        self._open_vault()

    # -- a case --------------------------------------------------------------------------

    def open_case_at(self, row: int) -> None:
        case = self.cases_model.case(row)
        if case is not None:
            self.open_case(case)

    def open_case(self, case: PracticeCase) -> None:
        """The case's scenario beside a visit for it: the one the trainee was recording, or a
        new one at the case's place with the persons as the trainee meets them."""
        if not self.practice.is_open:
            return
        try:
            visit = self.practice.current_visit(case) or self.practice.start_visit(
                case, self.catalogue.version
            )
        except (FieldAppError, OSError) as exc:
            self.list_status.show_error(describe_error(exc))
            return
        self._drop_editor()
        self.case, self._visit = case, visit
        self.scenario_text.setText(scenario_html(case))
        self.scenario.verticalScrollBar().setValue(0)
        editor = self.editor_class(
            self.practice.store, self.catalogue, visit[0], parent=self.editor_holder
        )
        editor.set_large_touch(self.large_touch)
        hide_back = getattr(editor, "set_back_button_visible", None)
        if hide_back is not None:
            hide_back(False)  # "Naar de lijst" above says it once; Escape still goes back
        editor.close_requested.connect(self.back_to_list)
        # As a real visit: the first step, the first person (the editor otherwise resumes
        # where the last visit was left, which for a new case is the wrong person).
        first_person = getattr(editor, "select_person_number", None)
        if first_person is not None:
            first_person(1)
        first_step = getattr(editor, "go_to_step", None)
        if first_step is not None:
            first_step(0, focus=False)
        discarded = getattr(editor, "discarded", None)
        if discarded is not None:
            discarded.connect(self._visit_discarded)
        self.editor = editor
        self.editor_layout.addWidget(editor)
        self.case_status.clear_message()
        self.show_editor_button.setChecked(True)
        self.pages.setCurrentIndex(CASE)
        self._fit()
        editor.setFocus()

    def _visit_discarded(self, _visit_uuid: str) -> None:
        if self.case is not None:
            with contextlib.suppress(FieldAppError, OSError):
                self.practice.forget_visit(self.case)
        self._visit = None
        self.back_to_list()

    def _drop_editor(self) -> None:
        """The editor saves what was still being typed, empties its models and goes."""
        editor, self.editor = self.editor, None
        if editor is None:
            return
        with contextlib.suppress(RuntimeError, TypeError):
            editor.close_requested.disconnect(self.back_to_list)
        editor.clear()
        editor.hide()
        self.editor_layout.removeWidget(editor)
        editor.setParent(None)
        editor.deleteLater()

    def back_to_list(self) -> None:
        self._drop_editor()
        self.pages.setCurrentIndex(LIST)
        if self.case is not None:
            row = self.cases_model.row_of(self.case.id)
            if row >= 0:
                self.table.selectRow(row)
        self.table.setFocus()

    # -- the debrief ---------------------------------------------------------------------

    def ask_debrief(self) -> None:
        """The trainee's record as it stands, held against the model answer (the engine runs
        on the runner: it assesses every person twice)."""
        case, visit = self.case, self._visit
        if case is None or visit is None or not self.practice.is_open:
            return
        if self.editor is not None:
            self.editor.flush()
        try:
            record = trainee_record(self.practice.store, visit[0], visit[1])
        except (FieldAppError, OSError) as exc:
            self.case_status.show_error(describe_error(exc))
            return
        self.debrief_button.setEnabled(False)
        self.case_status.show_info(t("ui.practice.debrief.working"))
        self._attempt += 1
        attempt = self._attempt
        self.runner.run(
            lambda: check_answers(case, record),
            lambda debrief: self._show_debrief(attempt, debrief),
            lambda exc: self._debrief_failed(attempt, exc),
        )

    def _show_debrief(self, attempt: int, debrief: Debrief) -> None:
        if attempt != self._attempt or self._closed or not self.practice.is_open:
            return
        self.debrief_button.setEnabled(True)
        self.case_status.clear_message()
        try:
            self.practice.keep_score(debrief.case, debrief.score)
            self.cases_model.set_scores(self.practice.scores())
            self._fit_table()
        except (FieldAppError, OSError) as exc:
            log.warning("practice score not kept: %s", type(exc).__name__)
        self.debrief_view.show_debrief(debrief)
        self.pages.setCurrentIndex(DEBRIEF)
        self.debrief_view.text.setFocus()

    def _debrief_failed(self, attempt: int, exc: BaseException) -> None:
        if attempt != self._attempt or self._closed:
            return
        self.debrief_button.setEnabled(True)
        if not isinstance(exc, FieldAppError | OSError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
        self.case_status.show_error(describe_error(exc))

    def try_again(self) -> None:
        """The same case in a new visit: the earlier record stays, the new one starts empty."""
        case = self.case
        if case is None or not self.practice.is_open:
            return
        self._drop_editor()
        with contextlib.suppress(FieldAppError, OSError):
            self.practice.forget_visit(case)
        self.open_case(case)

    # -- closing -------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing (also when the real vault locks): save, and lock the practice vault."""
        self._closed = True
        self._drop_editor()
        self.debrief_view.clear()
        self.cases_model.clear()
        self.practice.lock()
        super().done(result)


def scenario_html(case: PracticeCase, lang: str | None = None) -> str:
    """The case as the trainee meets it: title, level and sector, the place, the scenario, and
    the persons by the labels the visit starts with. Never the model answer."""
    lang = lang or current_language()
    forms = ", ".join(t(f"form.{form}") for form in case.forms)
    parts = [
        f"<h3>{escape(str(getattr(case.title, lang)))}</h3>",
        "<p style='color: gray'>"
        + escape(
            t(
                "ui.practice.about",
                level=t(f"practice.level.{case.level}"),
                sector=t(f"sector.{case.sector.value}"),
                forms=forms,
            )
        )
        + "</p>",
        f"<p><i>{escape(str(getattr(case.place, lang)))}</i></p>",
    ]
    parts += [f"<p>{escape(paragraph)}</p>" for paragraph in getattr(case.scenario, lang)]
    parts.append(f"<p><b>{escape(t('ui.practice.persons_met'))}</b></p><ul>")
    parts += [f"<li>{escape(str(getattr(person.label, lang)))}</li>" for person in case.persons]
    parts.append("</ul>")
    return "".join(parts)
