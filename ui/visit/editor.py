"""The visit editor: one screen to record a site visit quickly and calmly, by keyboard or touch.

Left: the place and the visit, and attachments. Middle: the persons met (A, B, C ...), the
selected person's details and the signal checklist. Right: what the signals recorded so far add
up to for the selected person, recomputed after every change.

Every change is committed to the vault at once (the top bar says when: "Opgeslagen 10:42"), and
Ctrl+Z undoes the last change, also in the vault. Text fields save when editing finishes. The
editor holds no state of its own beyond the open vault: :meth:`VisitEditor.clear` (on lock)
drops every model and every shown value.

Keyboard (also listed in :data:`SHORTCUTS`, shown with F1):

=================  ==================================================================
Ctrl+N             new visit (handled by the main window; see ``start_new_visit``)
Ctrl+P             add a person (A, B, C ...) and record signals for them
Ctrl+0             record signals for everyone at the visit
Ctrl+1 ... Ctrl+9  select person 1 ... 9
Ctrl+I             edit the selected person's details
Ctrl+F             search the checklist (the filter works like a command line)
Return             in the filter: cycle the current signal; in the name field: next field
Up / Down          in the filter: move through the matching signals
Space              in the list: cycle not recorded -> observed -> not observed -> unknown
E / Ctrl+E         cycle the evidence source of the current signal
N / F2             write a note with the current signal (Return saves it)
P / F3             mark the current signal as in the past (observed, happened before)
Delete             in the list: clear the current signal
Ctrl+O             add a photo or PDF
Ctrl+D             refer: make a referral document for a partner (``ui.referral.dialog``)
Ctrl+Z             undo the last change
Ctrl+S             save what is being typed (everything else is saved already)
Escape             clear the filter; otherwise back to the visits list
=================  ==================================================================
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.catalogue import Catalogue
from fieldapp.domain import Evidence, ObservationStatus, Person
from fieldapp.errors import FieldAppError, ValidationError
from fieldapp.i18n import t
from fieldapp.localtime import datetime_text, time_text
from fieldapp.store.store import Store
from ui.referral.dialog import ReferralDialog
from ui.visit.assessment_panel import AssessmentPanel
from ui.visit.attachments import AttachmentsPanel
from ui.visit.checklist import ChecklistPanel
from ui.visit.controller import ObsState, VisitController, new_draft_visit
from ui.visit.fields import FIELD_STYLE
from ui.visit.person_form import PersonForm, person_summary
from ui.visit.site_form import SiteForm
from ui.widgets import MessageLabel

# (key sequence, message key): the editor's shortcuts, shown with F1. Space, E, N, P and
# Delete work in the checklist itself; Return and the arrows in the checklist filter.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+P", "ui.visit.keys.add_person"),
    ("Ctrl+0", "ui.visit.keys.everyone"),
    ("Ctrl+1…9", "ui.visit.keys.person_n"),
    ("Ctrl+I", "ui.visit.keys.person_details"),
    ("Ctrl+F", "ui.visit.keys.filter"),
    ("Enter", "ui.visit.keys.filter_return"),
    ("↑ ↓", "ui.visit.keys.arrows"),
    ("Space", "ui.visit.keys.space"),
    ("E", "ui.visit.keys.evidence"),
    ("N / F2", "ui.visit.keys.note"),
    ("P / F3", "ui.visit.keys.past"),
    ("Delete", "ui.visit.keys.delete"),
    ("Ctrl+O", "ui.visit.keys.attachment"),
    ("Ctrl+D", "ui.referral.key"),
    ("Ctrl+Z", "ui.visit.keys.undo"),
    ("Ctrl+S", "ui.visit.keys.save"),
    ("Esc", "ui.visit.keys.escape"),
)

# More than this many persons: the summary line (every person's outcome) is left out, so a
# change stays fast; the selected person is always assessed.
SUMMARY_LIMIT = 12

EDITOR_STYLE = """
QLabel#title { font-size: 14pt; font-weight: 600; }
QLabel#saved { color: palette(placeholder-text); }
QFrame#pane { background: palette(window); }
QFrame#help { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QTabBar::tab { padding: 6px 14px; }
"""
LARGE_TOUCH_STYLE = """
QTreeView::item { min-height: 40px; }
QPushButton, QToolButton, QComboBox, QLineEdit, QSpinBox, QDateEdit { min-height: 38px; }
QTabBar::tab { min-height: 40px; min-width: 56px; }
QCheckBox::indicator { width: 28px; height: 28px; }
"""


class VisitEditor(QWidget):
    saved = Signal(str)  # a change to this visit was committed (visit uuid)
    close_requested = Signal()  # Escape or "Terug naar lijst"

    def __init__(
        self, store: Store, catalogue: Catalogue, visit_uuid: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller: VisitController | None = VisitController(store, catalogue, visit_uuid)
        self.catalogue = catalogue
        self.visit_uuid = visit_uuid
        self._person_uuid: str | None = None
        self._large_touch = False
        self._focused_once = False
        self.setObjectName("visitEditor")
        self.setAccessibleName(t("ui.visit.editor_name"))

        # -- top bar
        self.back_button = QPushButton(t("ui.visit.back"))
        self.back_button.setObjectName("back")
        self.back_button.setAccessibleName(t("ui.visit.back_plain"))
        self.back_button.setToolTip(t("ui.visit.back_tip"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.request_close)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.saved_label = QLabel(t("ui.visit.autosave"))
        self.saved_label.setObjectName("saved")
        self.saved_label.setAccessibleName(t("ui.visit.saved_state"))
        self.undo_button = QPushButton(t("ui.visit.undo_button"))
        self.undo_button.setObjectName("undo")
        self.undo_button.setAccessibleName(t("ui.visit.undo_plain"))
        self.undo_button.setAutoDefault(False)
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        self.refer_button = QPushButton(t("ui.referral.button"))
        self.refer_button.setObjectName("refer")
        self.refer_button.setAccessibleName(t("ui.referral.button_plain"))
        self.refer_button.setToolTip(t("ui.referral.button_tip"))
        self.refer_button.setAutoDefault(False)
        self.refer_button.clicked.connect(self.open_referral)
        self.referral_dialog: Any = None
        self.help_button = QPushButton(t("ui.visit.keys.button"))
        self.help_button.setObjectName("keys")
        self.help_button.setAccessibleName(t("ui.visit.keys.button_plain"))
        self.help_button.setCheckable(True)
        self.help_button.setAutoDefault(False)
        self.status = MessageLabel()
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.saved_label)
        top.addWidget(self.undo_button)
        top.addWidget(self.help_button)

        self.help = QFrame()
        self.help.setObjectName("help")
        help_layout = QVBoxLayout(self.help)
        help_layout.setContentsMargins(12, 8, 12, 8)
        help_text = QLabel(
            "<table cellspacing='2'>"
            + "".join(
                f"<tr><td><b>{keys}</b>&nbsp;&nbsp;</td><td>{t(key)}</td></tr>"
                for keys, key in SHORTCUTS
            )
            + "</table>"
        )
        help_text.setTextFormat(Qt.TextFormat.RichText)
        help_layout.addWidget(help_text)
        self.help.hide()
        self.help_button.toggled.connect(self.help.setVisible)

        # -- the three panes
        commit = self.commit
        self.site_form = SiteForm(commit, lambda: self.controller)
        self.site_form.chain_finished.connect(self._site_chain_finished)
        self.site_form.site_linked.connect(self._refresh_title)
        self.attachments = AttachmentsPanel(
            lambda action: self.commit(action, handle=False),
            self._add_attachment_file,
            self._attachment_content,
        )
        left_body = QWidget()
        left = QVBoxLayout(left_body)
        left.setContentsMargins(12, 8, 12, 12)
        left.setSpacing(12)
        left.addWidget(self.site_form)
        left.addWidget(self.attachments)
        left.addStretch(1)
        left_scroll = QScrollArea()
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setWidget(left_body)
        left_scroll.setMinimumWidth(300)

        self.persons_bar = QTabBar()
        self.persons_bar.setObjectName("persons")
        self.persons_bar.setAccessibleName(t("ui.visit.persons.name"))
        self.persons_bar.setExpanding(False)
        self.persons_bar.setDrawBase(False)
        self.persons_bar.setUsesScrollButtons(True)
        self.persons_bar.currentChanged.connect(self._person_tab_changed)
        self.add_person_button = QPushButton(t("ui.visit.persons.add"))
        self.add_person_button.setObjectName("add_person")
        self.add_person_button.setAccessibleName(t("ui.visit.persons.add_plain"))
        self.add_person_button.setToolTip(t("ui.visit.persons.add_tip"))
        self.add_person_button.setAutoDefault(False)
        self.add_person_button.clicked.connect(self.add_person)
        self.no_persons = QLabel(t("ui.visit.persons.none"))
        self.no_persons.setObjectName("saved")
        self.no_persons.setWordWrap(True)
        persons_heading = QLabel(t("ui.visit.persons.heading"))
        persons_heading.setObjectName("sectionHeading")
        persons_row = QHBoxLayout()
        persons_row.setSpacing(8)
        persons_row.addWidget(persons_heading)
        persons_row.addWidget(self.persons_bar, 1)
        persons_row.addWidget(self.add_person_button)
        self.person_form = PersonForm(commit, lambda: self.controller)
        self.person_form.changed.connect(self._show_person_summary)
        self.person_toggle = QToolButton()
        self.person_toggle.setObjectName("person_details")
        self.person_toggle.setText(t("ui.visit.persons.details"))
        self.person_toggle.setAccessibleName(t("ui.visit.persons.details_plain"))
        self.person_toggle.setToolTip(t("ui.visit.persons.details_tip"))
        self.person_toggle.setCheckable(True)
        self.person_toggle.setChecked(True)
        self.person_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.person_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.person_toggle.setAutoRaise(True)
        self.person_toggle.toggled.connect(self.show_person_details)
        self.person_summary = QLabel()
        self.person_summary.setObjectName("saved")
        self.person_summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        details_row = QHBoxLayout()
        details_row.setSpacing(8)
        details_row.addWidget(self.person_toggle)
        details_row.addWidget(self.person_summary, 1)
        details_row.addStretch(0)

        self.checklist = ChecklistPanel(catalogue)
        self.checklist.model.set_state_lookup(self._states)
        self.checklist.cycle.connect(
            lambda ind: self._change_observation(ind, lambda c, s: c.cycle(s, ind))
        )
        self.checklist.set_status.connect(self._set_status)
        self.checklist.cycle_evidence.connect(
            lambda ind: self._change_observation(ind, lambda c, s: c.cycle_evidence(s, ind))
        )
        self.checklist.set_evidence.connect(self._set_evidence)
        self.checklist.set_note.connect(self._set_note)
        self.checklist.toggle_past.connect(
            lambda ind: self._change_observation(ind, lambda c, s: c.toggle_past(s, ind))
        )
        self.checklist.set_past.connect(self._set_past)
        self.checklist.scope_changed.connect(self._scope_changed)

        middle_body = QWidget()
        middle = QVBoxLayout(middle_body)
        middle.setContentsMargins(12, 8, 12, 12)
        middle.setSpacing(8)
        middle.addLayout(persons_row)
        middle.addWidget(self.no_persons)
        middle.addLayout(details_row)
        middle.addWidget(self.person_form)
        person_rule = QFrame()
        person_rule.setFrameShape(QFrame.Shape.HLine)
        person_rule.setFrameShadow(QFrame.Shadow.Sunken)
        middle.addWidget(person_rule)
        middle.addWidget(self.checklist, 1)

        self.assessment = AssessmentPanel()
        right_body = QWidget()
        right = QVBoxLayout(right_body)
        right.setContentsMargins(8, 8, 8, 8)
        right.addWidget(self.assessment, 1)
        refer_row = QHBoxLayout()  # after reading what the signals add up to: refer
        refer_row.setContentsMargins(4, 4, 8, 0)
        refer_row.addWidget(self.refer_button)
        refer_row.addStretch(1)
        right.addLayout(refer_row)
        right_body.setMinimumWidth(280)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left_scroll)
        self.splitter.addWidget(middle_body)
        self.splitter.addWidget(right_body)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([360, 640, 360])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.help)
        layout.addWidget(self.splitter, 1)

        self._shortcuts: list[QShortcut] = []
        self._shortcut("Ctrl+P", self.add_person)
        self._shortcut("Ctrl+F", self.checklist.focus_filter)
        self._shortcut("Ctrl+Z", self.undo)
        self._shortcut("Ctrl+S", self.save_now)
        self._shortcut("Ctrl+O", self.attachments.choose_file)
        self._shortcut("Ctrl+D", self.open_referral)
        self._shortcut("Ctrl+E", self.checklist.cycle_evidence_current)
        self._shortcut("F2", self.checklist.edit_note)
        self._shortcut("F3", self.checklist.toggle_past_current)
        self._shortcut("Ctrl+I", self.edit_person_details)
        self._shortcut("F1", self.help_button.toggle)
        self._shortcut("Escape", self.request_close)
        self._shortcut("Ctrl+0", self.select_everyone)
        for number in range(1, 10):
            self._shortcut(f"Ctrl+{number}", partial(self.select_person_number, number))

        self.setStyleSheet(EDITOR_STYLE + FIELD_STYLE)
        self._load_all()

    def _shortcut(self, keys: str, slot: Callable[[], Any]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        self._shortcuts.append(shortcut)

    # -- the interface for the main window -----------------------------------------------

    @staticmethod
    def start_new_visit(store: Store, catalogue: Catalogue) -> str:
        """Create an empty draft visit (no site name yet, sector "other", started now,
        inspector and agency from the profile) and return its id (Ctrl+N)."""
        return new_draft_visit(store, catalogue)

    def clear(self) -> None:
        """Save what was typed when the vault is still open, then forget everything shown
        (on lock): models, fields, thumbnails, the assessment and the undo history."""
        with contextlib.suppress(FieldAppError, OSError):
            self.flush()
        if self.referral_dialog is not None:
            self.referral_dialog.reject()  # forgets its document
        if self.controller is not None:
            self.controller.history.clear()
        self.controller = None
        self._person_uuid = None
        self.site_form.clear()
        self.person_form.clear()
        self.checklist.clear()
        self.assessment.clear()
        self.attachments.clear()
        self.persons_bar.blockSignals(True)
        while self.persons_bar.count():
            self.persons_bar.removeTab(0)
        self.persons_bar.blockSignals(False)
        self.title.clear()
        self.saved_label.setText("")
        self.status.clear_message()
        self.undo_button.setEnabled(False)
        self.setEnabled(False)

    def flush(self) -> None:
        """Save every field with typing that was not saved yet."""
        if self.controller is None:
            return
        self.site_form.flush()
        self.person_form.flush()
        self.checklist.flush()

    def set_large_touch(self, on: bool) -> None:
        """Bigger rows and targets for a tablet used with fingers (set from the settings)."""
        self._large_touch = on
        self.setStyleSheet(EDITOR_STYLE + FIELD_STYLE + (LARGE_TOUCH_STYLE if on else ""))
        self.checklist.set_large_touch(on)
        self.show_person_details(not on)

    @property
    def large_touch(self) -> bool:
        return self._large_touch

    def request_close(self) -> None:
        with contextlib.suppress(FieldAppError, OSError):
            self.flush()
        self.close_requested.emit()

    def save_now(self) -> None:
        self.flush()
        if self.controller is not None and self.controller.saved_at is not None:
            self._show_saved()
        else:
            self.saved_label.setText(t("ui.visit.nothing_to_save"))

    def open_referral(self) -> Any:
        """Ctrl+D: the referral dialog for this visit, about the selected person when they
        are a possible victim (otherwise every possible victim)."""
        controller = self.controller
        if controller is None:
            return None
        try:
            self.flush()  # what was typed goes into the document too
            dialog = ReferralDialog(
                controller.store,
                self.visit_uuid,
                catalogue=self.catalogue,
                person_uuid=self._person_uuid,
                parent=self,
            )
        except (FieldAppError, OSError) as exc:
            self._show_failure(exc)
            return None
        if self.referral_dialog is not None:
            self.referral_dialog.reject()
        self.referral_dialog = dialog
        dialog.finished.connect(lambda _result: self._referral_closed(dialog))
        dialog.open()
        return dialog

    def _referral_closed(self, dialog: Any) -> None:
        if self.referral_dialog is dialog:
            self.referral_dialog = None
        dialog.deleteLater()
        if self.controller is not None:
            self.refer_button.setFocus()

    # -- committing -----------------------------------------------------------------------

    def commit(self, action: Callable[[], Any], *, handle: bool = True) -> Any:
        """Run one controller change. A refused value (``ValidationError``) goes back to the
        caller, which shows it at the field; other failures (the vault locked, a file error)
        are shown in the top bar unless ``handle`` is False."""
        controller = self.controller
        if controller is None:
            return None
        before = controller.saved_at
        try:
            result = action()
        except ValidationError:
            raise
        except (FieldAppError, OSError) as exc:
            if not handle:
                raise
            self._show_failure(exc)
            return None
        if controller.saved_at != before:
            self._after_change()
        return result

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, FieldAppError):
            text = exc.message()
        else:
            text = t("ui.error.os", detail=getattr(exc, "strerror", None) or type(exc).__name__)
        self.status.show_error(text)

    def _after_change(self) -> None:
        self.status.clear_message()
        self._show_saved()
        self._refresh_title()
        self._refresh_assessment()
        self.saved.emit(self.visit_uuid)

    def _show_saved(self, undone: str | None = None) -> None:
        controller = self.controller
        if controller is None or controller.saved_at is None:
            return
        time = time_text(controller.saved_at)
        if undone:
            self.saved_label.setText(t("ui.visit.undone", what=undone, time=time))
        else:
            self.saved_label.setText(t("ui.visit.saved_at", time=time))
        last = controller.history.peek()
        self.undo_button.setEnabled(last is not None)
        self.undo_button.setToolTip(
            t("ui.visit.undo_tip", what=t(last.what, **last.params)) if last else ""
        )

    def undo(self) -> None:
        controller = self.controller
        if controller is None:
            return
        try:
            change = controller.undo()
        except (FieldAppError, OSError) as exc:
            self._show_failure(exc)
            return
        if change is None:
            self.saved_label.setText(t("ui.visit.nothing_to_undo"))
            return
        target = change.target
        self._load_all(attachments=bool(target) and target[0] == "attachment")
        if target and target[0] == "observation":
            scope, indicator_id = target[1], target[2]
            if scope is None:
                self.checklist.select_everyone()
            elif scope in {p.meta.uuid for p in controller.persons}:
                self._select_person(scope, scope_to_person=True)
            self.checklist.set_current(indicator_id)
        self.status.clear_message()
        self._show_saved(undone=t(change.what, **change.params))
        self.saved.emit(self.visit_uuid)

    # -- loading --------------------------------------------------------------------------

    def _load_all(self, *, attachments: bool = True) -> None:
        """Show what the controller holds. Thumbnails are made again only when asked: they
        read every image from the vault."""
        controller = self.controller
        if controller is None:
            return
        self.site_form.load(controller.site, controller.visit)
        if attachments:
            self.attachments.load(controller.attachments)
        self._load_persons()
        self.checklist.refresh()
        self._refresh_title()
        self._refresh_assessment()

    def _refresh_title(self) -> None:
        controller = self.controller
        if controller is None:
            return
        started = datetime_text(controller.visit.started_at)
        name = controller.site.name or t("ui.visit.untitled")
        self.title.setText(t("ui.visit.title", name=name, date=started))
        self.title.setAccessibleName(self.title.text())

    def _load_persons(self) -> None:
        controller = self.controller
        if controller is None:
            return
        persons = controller.persons
        known = {p.meta.uuid for p in persons}
        if self._person_uuid not in known:
            self._person_uuid = persons[-1].meta.uuid if persons else None
        self.persons_bar.blockSignals(True)
        while self.persons_bar.count():
            self.persons_bar.removeTab(0)
        for number, person in enumerate(persons, start=1):
            index = self.persons_bar.addTab(t("ui.visit.persons.tab", label=person.label))
            self.persons_bar.setTabData(index, person.meta.uuid)
            hint = t("ui.visit.persons.tab_tip", label=person.label, number=number)
            self.persons_bar.setTabToolTip(index, hint)
            self.persons_bar.setAccessibleTabName(index, hint)
            if person.meta.uuid == self._person_uuid:
                self.persons_bar.setCurrentIndex(index)
        self.persons_bar.blockSignals(False)
        self.persons_bar.setVisible(bool(persons))
        self.no_persons.setVisible(not persons)
        current = self._current_person()
        self.person_form.load(current)
        self._show_person_details_state()
        self.checklist.show_person(current.label if current else None, select=False)

    def _current_person(self) -> Person | None:
        controller = self.controller
        if controller is None or self._person_uuid is None:
            return None
        try:
            return controller.person(self._person_uuid)
        except KeyError:
            return None

    def _refresh_assessment(self) -> None:
        controller = self.controller
        person = self._current_person()
        if controller is None or person is None:
            self.assessment.clear()
            return
        try:
            result = controller.assessment(person.meta.uuid)
            others = None
            if 1 < len(controller.persons) <= SUMMARY_LIMIT:
                others = [
                    (
                        p.label,
                        result
                        if p.meta.uuid == person.meta.uuid
                        else controller.assessment(p.meta.uuid),
                    )
                    for p in controller.persons
                ]
        except (FieldAppError, OSError) as exc:
            self._show_failure(exc)
            return
        self.assessment.show_assessment(person, result, self.catalogue, others)

    # -- persons --------------------------------------------------------------------------

    def add_person(self) -> None:
        """Ctrl+P: a new person (next letter), selected, with the checklist on them."""
        controller = self.controller
        if controller is None:
            return
        self.person_form.flush()
        person = self.commit(controller.add_person)
        if person is None:
            return
        self._person_uuid = person.meta.uuid
        self._load_persons()
        self._select_person(person.meta.uuid, scope_to_person=True)
        self._refresh_assessment()
        self.checklist.focus_filter()

    def show_person_details(self, shown: bool) -> None:
        """Show the selected person's form, or one summary line (more room for the list)."""
        blocked = self.person_toggle.blockSignals(True)
        self.person_toggle.setChecked(shown)
        self.person_toggle.blockSignals(blocked)
        self._show_person_details_state()

    def edit_person_details(self) -> None:
        """Ctrl+I: open the selected person's details and put the cursor in the first field."""
        if self._current_person() is None:
            return
        self.show_person_details(True)
        self.person_form.focus_first()

    def _show_person_details_state(self) -> None:
        person = self._current_person()
        shown = self.person_toggle.isChecked()
        self.person_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.person_toggle.setVisible(person is not None)
        self.person_form.setVisible(person is not None and shown)
        self.person_summary.setVisible(person is not None and not shown)
        self._show_person_summary()

    def _show_person_summary(self) -> None:
        person = self._current_person()
        self.person_summary.setText(person_summary(person) if person else "")

    def select_person_number(self, number: int) -> None:
        controller = self.controller
        if controller is not None and 0 < number <= len(controller.persons):
            self._select_person(controller.persons[number - 1].meta.uuid, scope_to_person=True)

    def select_everyone(self) -> None:
        self.checklist.select_everyone()

    def _select_person(self, person_uuid: str, *, scope_to_person: bool) -> None:
        self.person_form.flush()
        self._person_uuid = person_uuid
        for index in range(self.persons_bar.count()):
            if self.persons_bar.tabData(index) == person_uuid:
                self.persons_bar.blockSignals(True)
                self.persons_bar.setCurrentIndex(index)
                self.persons_bar.blockSignals(False)
        person = self._current_person()
        self.person_form.load(person)
        self._show_person_summary()
        self.checklist.show_person(person.label if person else None, select=scope_to_person)
        self.checklist.refresh()
        self._refresh_assessment()

    def _person_tab_changed(self, index: int) -> None:
        person_uuid = self.persons_bar.tabData(index)
        if person_uuid:
            self._select_person(person_uuid, scope_to_person=True)

    def _scope_changed(self, _everyone: bool) -> None:
        self.checklist.refresh()

    def _site_chain_finished(self) -> None:
        """Return in the sector: on to the signals (for everyone, or the selected person)."""
        self.checklist.focus_filter()

    # -- observations ---------------------------------------------------------------------

    def _scope(self) -> str | None:
        return None if self.checklist.everyone else self._person_uuid

    def _states(self, indicator_id: str) -> tuple[ObsState | None, ObsState | None]:
        controller = self.controller
        if controller is None:
            return None, None
        scope = self._scope()
        own = controller.observation(scope, indicator_id)
        inherited = None if scope is None else controller.observation(None, indicator_id)
        return own, inherited

    def _change_observation(
        self, indicator_id: str, change: Callable[[VisitController, str | None], Any]
    ) -> None:
        controller = self.controller
        if controller is None:
            return
        scope = self._scope()
        try:
            self.commit(lambda: change(controller, scope))
        except ValidationError as exc:
            self.status.show_error(exc.message())
        except ValueError:
            return
        self.checklist.refresh(indicator_id)

    def _set_status(self, indicator_id: str, status: ObservationStatus | None) -> None:
        if status is None:
            self._change_observation(
                indicator_id, lambda c, s: c.clear_observation(s, indicator_id)
            )
        else:
            self._change_observation(
                indicator_id, lambda c, s: c.set_status(s, indicator_id, status)
            )

    def _set_evidence(self, indicator_id: str, evidence: Evidence | None) -> None:
        self._change_observation(
            indicator_id, lambda c, s: c.set_evidence(s, indicator_id, evidence)
        )

    def _set_note(self, indicator_id: str, note: str) -> None:
        self._change_observation(indicator_id, lambda c, s: c.set_note(s, indicator_id, note))

    def _set_past(self, indicator_id: str, past: bool) -> None:
        self._change_observation(indicator_id, lambda c, s: c.set_past(s, indicator_id, past))

    # -- attachments ----------------------------------------------------------------------

    def _add_attachment_file(self, path: str) -> Any:
        if self.controller is None:
            return None
        return self.controller.add_attachment_file(path)

    def _attachment_content(self, attachment_uuid: str) -> bytes:
        if self.controller is None:
            return b""
        return self.controller.attachment_content(attachment_uuid)

    # -- focus ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once and self.controller is not None:
            self._focused_once = True
            self._focus_start()

    def focusInEvent(self, event: QFocusEvent) -> None:
        """``editor.setFocus()`` (as the main window does) lands where work starts."""
        super().focusInEvent(event)
        self._focus_start()

    def _focus_start(self) -> None:
        """A new visit starts at the site's name; an existing one at the signal filter."""
        if self.controller is None:
            return
        if not self.controller.site.name:
            self.site_form.edits["name"].setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.checklist.focus_filter()

    def set_back_button_visible(self, visible: bool) -> None:
        """For a host that shows its own way back; Escape keeps working."""
        self.back_button.setVisible(visible)
