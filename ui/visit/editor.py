"""The visit editor: a visit recorded in the order it happens, by keyboard or touch, in four
steps: Locatie (the place, the visit, attachments), Personen (who was met: sex, age band,
nationality, language with quick choices), Signalen (the checklist, for everyone or for one
person, beside what the signals add up to) and Afronden (per person the signals, the outcome,
the duties and where to refer; what a final referral still lacks; refer, close, discard,
remove a person). A bar of large numbered buttons on top shows the steps, which one is
current and a count ("Personen (2)", "Signalen (6)"). On a tablet (1280×800 at 150%) each
step is one screen; what does not fit scrolls vertically, by finger too.

Every change is committed to the vault at once (the top bar says when: "Opgeslagen 10:42"), and
Ctrl+Z undoes the last change, also in the vault. Text fields save when editing finishes; a
value that cannot be saved is said beside its field and, when the form moves on to another
person, in the top bar too, never dropped without a word. The editor holds no state of its own
beyond the open vault: :meth:`VisitEditor.clear` (on lock) drops every model and every shown
value.

Keyboard (also listed in :data:`SHORTCUTS`, shown with F1):

====================  ===============================================================
Alt+1 ... Alt+4       go to a step (Locatie, Personen, Signalen, Afronden)
Ctrl+PgDown / PgUp    next / previous step
Return                at the end of a step's fields: on to the next step; in the name
                      field: next field; in the signal filter: cycle the current signal
Ctrl+N                new visit (handled by the main window; see ``start_new_visit``)
Ctrl+P                add a person (A, B, C ...): Personen, at their first quick choice
Ctrl+0                record signals for everyone at the visit
Ctrl+1 ... Ctrl+9     select person 1 ... 9
Ctrl+I                edit the selected person's details (Personen)
Ctrl+F                search the checklist (Signalen; the filter works like a command line)
Up / Down             in the filter: move through the matching signals
Space                 in the list: cycle not recorded -> observed -> not observed -> unknown
E / Ctrl+E            cycle the evidence source of the current signal
N / F2                write a note with the current signal (Return saves it)
P / F3                mark the current signal as in the past (observed, happened before)
Delete                in the list: clear the current signal
Ctrl+O                add a photo or PDF (Locatie)
Ctrl+D                refer: make a referral document for a partner (``ui.referral.dialog``)
Ctrl+Z                undo the last change
Ctrl+S                save what is being typed (everything else is saved already)
Escape                clear the filter; otherwise back to the visits list
====================  ===============================================================

A shortcut pressed while a list of suggestions is open under a field (a language, a country,
a known place) closes the list, keeps what was typed and does what it says
(:class:`~ui.visit.fields.PopupShortcuts`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from fieldapp.catalogue import Catalogue
from fieldapp.domain import Evidence, ObservationStatus, Person, PersonRole
from fieldapp.errors import FieldAppError, ValidationError
from fieldapp.i18n import t
from fieldapp.localtime import datetime_text, time_text
from fieldapp.referral.readiness import missing_for_final
from fieldapp.store.store import Store
from ui.referral.dialog import ReferralDialog
from ui.visit.assessment_panel import AssessmentPanel
from ui.visit.attachments import AttachmentsPanel, PhotoHooks
from ui.visit.checklist import ChecklistPanel
from ui.visit.controller import ObsState, PhotoOwner, VisitController, new_draft_visit
from ui.visit.fields import FIELD_STYLE, ElidedLabel, PopupShortcuts, kinetic
from ui.visit.finish import (
    FinishPage,
    made_referrals,
    observed_names,
    person_finish,
    recipient_gaps,
)
from ui.visit.person_form import PersonForm, person_summary
from ui.visit.provenance import Origin, OriginBanner, visit_origin
from ui.visit.site_form import SiteForm
from ui.visit.steps import FINISH, LOCATION, PERSONS, SIGNALS, STEPS, StepBar
from ui.widgets import MessageLabel

# (key sequence, message key): the editor's shortcuts, shown with F1. Space, E, N, P and
# Delete work in the checklist itself; Return and the arrows in the checklist filter.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Alt+1…4", "ui.visit.keys.step_n"),
    ("Ctrl+PgDown / PgUp", "ui.visit.keys.step_next"),
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
# The assessment beside the checklist, and the F1 panel, never narrower than this.
SIDE_WIDTH = 270

EDITOR_STYLE = """
QLabel#title { font-size: 14pt; font-weight: 600; }
QLabel#saved { color: palette(placeholder-text); }
QFrame#help { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); }
QTabBar::tab { padding: 6px 14px; }
QPushButton#step { min-height: 26px; }
QLabel#acuteLine { color: white; background: #a4262c; border-radius: 4px; padding: 4px 8px;
                   font-weight: 600; }
"""
# Narrower than this (logical px), the Signalen step shows the checklist or the assessment,
# not both: a tablet at 150% is 853 wide.
NARROW = 1000
LOW = 640  # below this height (logical px) a narrow screen shows the details beside the list
# Touch mode (with the window's own large-touch style): every target at least 44 px high.
LARGE_TOUCH_STYLE = """
QTreeView::item, QListView::item { min-height: 44px; }
QPushButton, QToolButton, QComboBox, QLineEdit, QSpinBox, QDateEdit { min-height: 44px; }
QPushButton { min-width: 44px; }
QPushButton#step { min-height: 48px; }
QTabBar::tab { min-height: 44px; min-width: 56px; }
QCheckBox { min-height: 44px; }
QCheckBox::indicator { width: 28px; height: 28px; }
"""


def _page(body: QWidget) -> QScrollArea:
    """A step's page: scrolls vertically (by finger too), never sideways."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(body)
    kinetic(area)
    return area


class _StepFollowsFocus(QObject):
    """A field of another step that gets the focus (a click on a label's buddy, a test's
    setFocus) brings its step forward, so the focus is never on a hidden field."""

    def __init__(self, editor: VisitEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget):
            self._editor._focus_entered(watched)
        return False


class VisitEditor(QWidget):
    saved = Signal(str)  # a change to this visit was committed (visit uuid)
    close_requested = Signal()  # Escape, "Terug naar lijst" or "Bezoek sluiten"
    discarded = Signal(str)  # the empty draft was thrown away (visit uuid)

    def __init__(
        self, store: Store, catalogue: Catalogue, visit_uuid: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller: VisitController | None = VisitController(store, catalogue, visit_uuid)
        self.catalogue = catalogue
        self.visit_uuid = visit_uuid
        self._person_uuid: str | None = None
        self._everyone_chosen = False  # "everyone" picked on purpose, not just no person yet
        self._left_behind: str | None = None  # a refused value of a person no longer shown
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
        self.title = ElidedLabel()
        # Shortened at the end on a tablet: the place's name is what says which visit this
        # is (cut in the middle it read "Kwekerij N…2026 21:25"); the time is in the tooltip.
        self.title.elide = Qt.TextElideMode.ElideRight
        self.title.setObjectName("title")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.saved_label = ElidedLabel(t("ui.visit.autosave"))
        self.saved_label.setObjectName("saved")
        self.saved_label.setAccessibleName(t("ui.visit.saved_state"))
        self.saved_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
        # Whose record this is: another device's visit is read here, never changed.
        self.origin = Origin(read_only=False, banner="", site_read_only=False)
        self.origin_banner = OriginBanner()
        title_column = QVBoxLayout()  # the name over the saved state: room for the buttons
        title_column.setSpacing(0)
        title_column.addWidget(self.title)
        title_column.addWidget(self.saved_label)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.back_button)
        top.addLayout(title_column, 1)
        top.addWidget(self.undo_button)
        top.addWidget(self.help_button)

        self.steps = StepBar()
        self.steps.step_chosen.connect(self.go_to_step)

        # The F1 panel sits at the side, in its own scroll area: it never takes rows away.
        self.help = QScrollArea()
        self.help.setObjectName("help")
        self.help.setWidgetResizable(True)
        self.help.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.help.setAccessibleName(t("ui.visit.keys.button_plain"))
        self.help.setFixedWidth(SIDE_WIDTH)
        # The keys over their meaning, not a table: a two-column table in the narrow panel
        # ran past its right edge on a tablet.
        help_text = QLabel(
            "".join(
                f"<p style='margin: 0 0 6px 0'><b>{keys}</b><br>{t(key)}</p>"
                for keys, key in SHORTCUTS
            )
        )
        help_text.setTextFormat(Qt.TextFormat.RichText)
        help_text.setWordWrap(True)
        help_text.setContentsMargins(10, 8, 10, 8)
        help_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.help.setWidget(help_text)
        kinetic(self.help)
        self.help.hide()
        self.help_button.toggled.connect(self._show_help)

        # -- step 1: the place and the visit, attachments beside
        commit = self.commit
        self.site_form = SiteForm(commit, lambda: self.controller)
        self.site_form.chain_finished.connect(self._site_chain_finished)
        self.site_form.site_linked.connect(self._refresh_title)
        self.attachments = AttachmentsPanel(
            lambda action: self.commit(action, handle=False),
            self._add_attachment_file,
            self._attachment_content,
            photos=PhotoHooks(self._photo_owners, self._add_photo, lambda: self.large_touch),
            owner_text=self._attachment_owner_text,
        )
        kinetic(self.attachments.list)
        self.site_form.add_side(self.attachments)
        location_body = QWidget()
        location = QVBoxLayout(location_body)
        location.setContentsMargins(12, 8, 12, 12)
        location.addWidget(self.site_form)
        location.addStretch(1)

        # -- step 2: the persons, one at a time
        self.persons_bar = QTabBar()
        self.persons_bar.setObjectName("persons")
        self.persons_bar.setAccessibleName(t("ui.visit.persons.name"))
        self.persons_bar.setExpanding(False)
        self.persons_bar.setDrawBase(False)
        self.persons_bar.setUsesScrollButtons(True)
        self.persons_bar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.persons_bar.currentChanged.connect(self._person_tab_changed)
        self.add_person_button = QPushButton(t("ui.visit.persons.add"))
        self.add_person_button.setObjectName("add_person")
        self.add_person_button.setAccessibleName(t("ui.visit.persons.add_plain"))
        self.add_person_button.setToolTip(t("ui.visit.persons.add_tip"))
        self.add_person_button.setAutoDefault(False)
        self.add_person_button.clicked.connect(self.add_person)
        self.add_person_button.installEventFilter(self)  # Return adds too
        self.no_persons = QLabel(t("ui.visit.persons.none"))
        self.no_persons.setObjectName("saved")
        self.no_persons.setWordWrap(True)
        persons_row = QHBoxLayout()  # no heading: the step bar says "Personen"
        persons_row.setSpacing(8)
        persons_row.addWidget(self.persons_bar, 1)
        persons_row.addWidget(self.add_person_button)
        self.person_form = PersonForm(commit, lambda: self.controller)
        self.person_form.changed.connect(self._person_changed)
        self.person_form.chain_finished.connect(self._person_chain_finished)
        persons_body = QWidget()
        persons = QVBoxLayout(persons_body)
        persons.setContentsMargins(12, 8, 12, 12)
        persons.setSpacing(8)
        persons.addLayout(persons_row)
        persons.addWidget(self.no_persons)
        persons.addWidget(self.person_form)
        persons.addStretch(1)

        # -- step 3: the checklist, what it adds up to beside it
        self.person_summary = ElidedLabel()
        self.person_summary.setObjectName("saved")
        self.person_summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
        self.checklist.add_summary(self.person_summary)
        kinetic(self.checklist.view)
        signals_page = self.signals_page = QWidget()
        signals = QVBoxLayout(signals_page)
        signals.setContentsMargins(12, 8, 8, 8)
        signals.addWidget(self.checklist, 1)

        self.assessment = AssessmentPanel()
        kinetic(self.assessment)
        self.side = QWidget()
        self.side.setObjectName("side")
        side = QVBoxLayout(self.side)
        side.setContentsMargins(4, 8, 8, 8)
        side.addWidget(self.assessment, 1)
        refer_row = QHBoxLayout()  # after reading what the signals add up to: refer
        refer_row.setContentsMargins(4, 4, 8, 0)
        refer_row.addWidget(self.refer_button)
        refer_row.addStretch(1)
        side.addLayout(refer_row)
        self.side.setMinimumWidth(SIDE_WIDTH)

        self.signals_split = QSplitter(Qt.Orientation.Horizontal)
        self.signals_split.setChildrenCollapsible(False)
        self.signals_scroll = _page(signals_page)  # scrolls only when the screen is low
        self.signals_split.addWidget(self.signals_scroll)
        self.signals_split.addWidget(self.side)
        self.signals_split.setStretchFactor(0, 5)
        self.signals_split.setStretchFactor(1, 3)
        # On a narrow screen the assessment takes the checklist's place on request, and an
        # acute signal is said above the list (the banner is in the hidden panel).
        self.acute_line = QLabel()
        self.acute_line.setObjectName("acuteLine")
        self.acute_line.setWordWrap(True)
        self.acute_line.hide()
        self.assessment_toggle = QPushButton(t("ui.visit.assessment.show"))
        self.assessment_toggle.setObjectName("assessment_toggle")
        self.assessment_toggle.setAccessibleName(t("ui.visit.assessment.show"))
        self.assessment_toggle.setCheckable(True)
        self.assessment_toggle.setAutoDefault(False)
        self.assessment_toggle.toggled.connect(self._fit_signals)
        self.back_to_signals = QPushButton(t("ui.visit.assessment.hide"))
        self.back_to_signals.setObjectName("back_to_signals")
        self.back_to_signals.setAccessibleName(t("ui.visit.assessment.hide"))
        self.back_to_signals.setAutoDefault(False)
        self.back_to_signals.clicked.connect(lambda: self.assessment_toggle.setChecked(False))
        self.checklist.add_scope_widget(self.assessment_toggle)
        self.checklist.add_summary(self.acute_line)
        side.insertWidget(0, self.back_to_signals, 0, Qt.AlignmentFlag.AlignLeft)

        # -- step 4: finishing
        self.finish = FinishPage()
        self.finish.refer_requested.connect(self.open_referral_about)
        self.finish.close_requested.connect(self.close_visit)
        self.finish.discard_requested.connect(self.discard_draft)
        self.finish.delete_person_requested.connect(self.delete_person)

        self.pages = QStackedWidget()
        self.pages.setObjectName("stepPages")
        self.pages.addWidget(_page(location_body))
        self.pages.addWidget(_page(persons_body))
        self.pages.addWidget(self.signals_split)
        self.pages.addWidget(_page(self.finish))
        self.pages.currentChanged.connect(self._page_changed)

        body = QHBoxLayout()
        body.setSpacing(6)
        body.addWidget(self.pages, 1)
        body.addWidget(self.help)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.origin_banner)
        layout.addWidget(self.steps)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)

        self._shortcuts: list[QShortcut] = []
        self._shortcut("Ctrl+P", self.add_person)
        self._shortcut("Ctrl+F", self.focus_filter)
        self._shortcut("Ctrl+Z", self.undo)
        self._shortcut("Ctrl+S", self.save_now)
        self._shortcut("Ctrl+O", self.add_attachment)
        self._shortcut("Ctrl+D", self.open_referral)
        self._shortcut("Ctrl+E", self.checklist.cycle_evidence_current)
        self._shortcut("F2", self.edit_note)
        self._shortcut("F3", self.checklist.toggle_past_current)
        self._shortcut("Ctrl+I", self.edit_person_details)
        self._shortcut("F1", self.help_button.toggle)
        self._shortcut("Escape", self.request_close)
        self._shortcut("Ctrl+0", self.select_everyone)
        for number in range(1, 10):
            self._shortcut(f"Ctrl+{number}", partial(self.select_person_number, number))
        for index in range(len(STEPS)):
            self._shortcut(f"Alt+{index + 1}", partial(self.go_to_step, index))
        self._shortcut("Ctrl+PgDown", self.next_step)
        self._shortcut("Ctrl+PgUp", self.previous_step)

        # A shortcut typed while suggestions are open reaches the editor (issue 14).
        popup_keys = PopupShortcuts(self.run_shortcut, self)
        for popup in (
            self.site_form.completer.popup(),
            self.person_form.nationality_completer.popup(),
            self.person_form.languages_completer.popup(),
        ):
            if popup is not None:
                popup.installEventFilter(popup_keys)
        follow = _StepFollowsFocus(self)
        for page in self._page_widgets():
            for widget in page.findChildren(QWidget):
                if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                    widget.installEventFilter(follow)

        for area in self.findChildren(QAbstractScrollArea):  # also the notes, by finger
            if area.window() is self:  # not a combo box's list (a window of its own)
                kinetic(area)
        self.setStyleSheet(EDITOR_STYLE + FIELD_STYLE)
        self._apply_origin(store)
        self._load_all()
        self.go_to_step(LOCATION if not self.controller.site.name else SIGNALS, focus=False)

    def _apply_origin(self, store: Store) -> None:
        """A visit another device recorded is read only here: the banner says whose it is,
        and every way to change it is gone (the core refuses a change anyway). Moving between
        steps and persons, reading, the checklist's filter and referring stay. A visit of this
        vault at a place another device recorded keeps the visit editable, not the place."""
        controller = self.controller
        if controller is None:
            return
        try:
            self.origin = visit_origin(store, self.visit_uuid, controller.site.meta.uuid)
        except (FieldAppError, OSError) as exc:
            self._show_failure(exc)
            return
        origin = self.origin
        self.origin_banner.show_text(origin.banner)
        self.site_form.set_read_only(site=origin.site_read_only, visit=origin.read_only)
        if not origin.read_only:
            return
        self.setAccessibleDescription(t("ui.visit.imported.name"))
        self.saved_label.setText(t("ui.visit.imported.name"))  # not "every change is saved"
        self.person_form.set_read_only(True)
        self.finish.set_read_only(True)
        for hidden in (self.add_person_button, self.undo_button):
            hidden.hide()
        self.checklist.set_read_only(True)
        for button in self.attachments.findChildren(QPushButton):  # add, camera: adding
            button.setEnabled(False)
        editing = {"Ctrl+P", "Ctrl+Z", "Ctrl+O", "Ctrl+E", "F3"}
        for shortcut in self._shortcuts:
            if shortcut.key().toString() in editing:
                shortcut.setEnabled(False)

    @property
    def read_only(self) -> bool:
        """Another device's visit: nothing in it can be changed here."""
        return self.origin.read_only

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
        self.finish.clear()
        for index in range(len(STEPS)):
            self.steps.set_count(index, None)
        self.persons_bar.blockSignals(True)
        while self.persons_bar.count():
            self.persons_bar.removeTab(0)
        self.persons_bar.blockSignals(False)
        self.title.clear()
        self.origin_banner.show_text("")
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
        return self.open_referral_about(self._person_uuid)

    def open_referral_about(self, person_uuid: str | None) -> Any:
        """The referral dialog about one person (None: every possible victim)."""
        controller = self.controller
        if controller is None:
            return None
        try:
            self.flush()  # what was typed goes into the document too
            dialog = ReferralDialog(
                controller.store,
                self.visit_uuid,
                catalogue=self.catalogue,
                person_uuid=person_uuid,
                parent=self,
                record_consent=None if self.origin.read_only else self._record_consent,
                completed_by=self.origin.recorded_by or None,
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

    def _record_consent(self, person_uuid: str, consent: str) -> bool:
        """The referral dialog's answer to "consent asked?", recorded (and undoable) as if
        chosen in the person's details, which show it at once."""
        controller = self.controller
        if controller is None:
            return False
        if not self.commit(lambda: controller.set_person_field(person_uuid, "consent", consent)):
            return False
        self.person_form.load(self._current_person())
        self._show_person_summary()
        return True

    def _referral_closed(self, dialog: Any) -> None:
        if self.referral_dialog is dialog:
            self.referral_dialog = None
        dialog.deleteLater()
        if self.controller is not None:
            self._refresh_finish()
            if self.steps.current() == FINISH:
                self.finish.refer_button.setFocus()
            else:
                self.refer_button.setFocus()

    # -- committing -----------------------------------------------------------------------

    def commit(self, action: Callable[[], Any], *, handle: bool = True) -> Any:
        """Run one controller change. A refused value (``ValidationError``) goes back to the
        caller, which shows it at the field; other failures (the vault locked, a file error)
        are shown in the top bar unless ``handle`` is False. Another device's visit runs no
        change at all: the core's refusal is said at once, so no field ever shows a value the
        vault does not hold."""
        controller = self.controller
        if controller is None:
            return None
        if self.origin.read_only:
            refused = FieldAppError("store.imported_read_only")
            if not handle:
                raise refused
            self._show_failure(refused)
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
        self._follow_sector()
        self.status.clear_message()
        if self._left_behind:  # said once more after the change that moved away from it
            self.status.show_error(self._left_behind)
            self._left_behind = None
        self._show_saved()
        self._refresh_title()
        self._refresh_assessment()
        self._refresh_counts()
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
        self._refresh_counts()
        self._refresh_finish()
        self.saved.emit(self.visit_uuid)

    # -- loading --------------------------------------------------------------------------

    def _load_all(self, *, attachments: bool = True) -> None:
        """Show what the controller holds. Thumbnails are made again only when asked: they
        read every image from the vault."""
        controller = self.controller
        if controller is None:
            return
        self.site_form.load(controller.site, controller.visit)
        self._follow_sector()
        if attachments:
            self.attachments.load(controller.attachments)
        self._load_persons()
        self.checklist.refresh()
        self._refresh_title()
        self._refresh_assessment()
        self._refresh_counts()
        self._refresh_finish()

    def _follow_sector(self) -> None:
        """The checklist follows the site's sector (its shortlist and forms)."""
        controller = self.controller
        if controller is not None:
            sector = controller.site.sector
            self.checklist.set_sector(sector.value if sector else None)

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
            # A reopened visit opens on the first possible victim: the last one added is
            # as often the foreman or a witness, whose signals are not what the list is for.
            victims = [p for p in persons if p.role is PersonRole.POSSIBLE_VICTIM]
            first = victims[0] if victims else persons[0] if persons else None
            self._person_uuid = first.meta.uuid if first else None
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
        self._show_person_summary()
        # The list records for the person shown, unless "everyone" was chosen on purpose: a
        # reopened visit never shows one person while recording for everyone (issue 14).
        # Nobody who may be a victim: the list records for everyone rather than for a
        # witness or an employer by default.
        self.checklist.show_person(
            current.label if current else None,
            select=current is not None
            and current.role is PersonRole.POSSIBLE_VICTIM
            and not self._everyone_chosen,
        )

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
            self.acute_line.setText("")
            self._fit_signals()
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
        self.acute_line.setText(
            t("ui.visit.assessment.acute_line", label=person.label) if result.acute else ""
        )
        self._fit_signals()

    # -- persons --------------------------------------------------------------------------

    def add_person(self) -> None:
        """Ctrl+P: a new person (next letter), selected, with the checklist on them; the
        Personen step shows them at their first quick choice (sex)."""
        controller = self.controller
        if controller is None:
            return
        self.checklist.flush()
        self._flush_person()
        person = self.commit(controller.add_person)
        if person is None:
            return
        self._person_uuid = person.meta.uuid
        self._load_persons()
        self._select_person(person.meta.uuid, scope_to_person=True)
        self._refresh_assessment()
        self.go_to_step(PERSONS, focus=False)
        self.person_form.focus_quick()

    def edit_person_details(self) -> None:
        """Ctrl+I: the selected person's details, the cursor in the first field."""
        if self._current_person() is None:
            return
        self.go_to_step(PERSONS, focus=False)
        self.person_form.focus_first()

    def _flush_person(self) -> None:
        """Save what was typed for the person shown before another is shown; a value that
        cannot be saved is said in the top bar, as it leaves the screen with its person."""
        problems = self.person_form.flush()
        person = self._current_person()
        if problems and person is not None:
            self._left_behind = t(
                "ui.visit.person.not_saved", label=person.label, problems=" ".join(problems)
            )
            self.status.show_error(self._left_behind)

    def _person_changed(self) -> None:
        self._show_person_summary()
        self._refresh_counts()

    def _person_chain_finished(self) -> None:
        """Return at the end of a person's quick choices: on to their signals."""
        self.go_to_step(SIGNALS)

    def _show_person_summary(self) -> None:
        person = self._current_person()
        self.person_summary.setText(person_summary(person) if person else "")
        self.person_summary.setVisible(person is not None and not self.checklist.everyone)

    def select_person_number(self, number: int) -> None:
        self.checklist.flush()
        self._flush_person()  # also when it is the person shown: the typing is kept
        controller = self.controller
        if controller is not None and 0 < number <= len(controller.persons):
            self._select_person(controller.persons[number - 1].meta.uuid, scope_to_person=True)

    def select_everyone(self) -> None:
        self.checklist.flush()  # a note being typed stays with the person it was typed for
        self.checklist.select_everyone()

    def _select_person(self, person_uuid: str, *, scope_to_person: bool) -> None:
        # Shortcuts do not take the focus from the note, so what is typed there is saved
        # now, while the scope is still the one it was typed for.
        self.checklist.flush()
        if person_uuid != self._person_uuid:
            self._flush_person()
        if scope_to_person:
            self._everyone_chosen = False
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

    def _scope_changed(self, everyone: bool) -> None:
        self._everyone_chosen = everyone
        self._show_person_summary()
        self.checklist.refresh()

    def _site_chain_finished(self) -> None:
        """Return at the end of the place's quick chain (the sector): on to the persons."""
        self.go_to_step(PERSONS)

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

    def _photo_owners(self) -> tuple[list[PhotoOwner], int]:
        """What a camera photo can belong to, the person shown preselected (else the visit)."""
        controller = self.controller
        if controller is None:
            return [], 0
        person_uuid = self._person_uuid
        owners = controller.photo_owners(person_uuid)
        default = next(
            (i for i, o in enumerate(owners) if o.kind == "person" and o.uuid == person_uuid), 0
        )
        return owners, default

    def _add_photo(self, owner: PhotoOwner, jpeg: bytes) -> Any:
        if self.controller is None:
            return None
        return self.controller.add_photo(owner, jpeg)

    def _attachment_owner_text(self, attachment: Any) -> str | None:
        if self.controller is None:
            return None
        return self.controller.attachment_owner_text(attachment)

    def add_attachment(self) -> None:
        """Ctrl+O: the attachments are on the Locatie step; show them, then choose a file."""
        self.go_to_step(LOCATION, focus=False)
        self.attachments.add_button.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.attachments.choose_file()

    # -- steps ----------------------------------------------------------------------------

    def go_to_step(self, index: int, *, focus: bool = True) -> None:
        """Show a step (Alt+1 ... Alt+4, a tap on the bar); ``focus`` puts the cursor where
        the step's work starts."""
        if not 0 <= index < len(STEPS):
            return
        if self.controller is not None and index != self.pages.currentIndex():
            with contextlib.suppress(FieldAppError, OSError):
                self.site_form.flush()
                self._flush_person()
                self.checklist.flush()
        if index == SIGNALS and index != self.pages.currentIndex():
            self._scope_on_a_possible_victim()
        self.pages.setCurrentIndex(index)
        self.steps.set_current(index)
        if focus:
            self._focus_step(index)

    def _scope_on_a_possible_victim(self) -> None:
        """Entering Signalen while the list records for a witness or an employer (often
        the person just added: the foreman) moves it to the first possible victim, or to
        everyone: the list is for victims' signals, and a tap meant for them must not land
        on the foreman. Ctrl+1…9 still records for anyone, on purpose."""
        controller = self.controller
        person = self._current_person()
        if controller is None or person is None or self.checklist.everyone:
            return
        if person.role is PersonRole.POSSIBLE_VICTIM:
            return
        victims = [p for p in controller.persons if p.role is PersonRole.POSSIBLE_VICTIM]
        if victims:
            self._select_person(victims[0].meta.uuid, scope_to_person=True)
        else:
            self.select_everyone()

    def _page_widgets(self) -> list[QWidget]:
        return [self.pages.widget(index) or QWidget() for index in range(self.pages.count())]

    def current_step(self) -> int:
        return self.pages.currentIndex()

    def next_step(self) -> None:
        self.go_to_step(min(self.current_step() + 1, len(STEPS) - 1))

    def previous_step(self) -> None:
        self.go_to_step(max(self.current_step() - 1, 0))

    def _page_changed(self, index: int) -> None:
        self.steps.set_current(index)
        if index == FINISH:
            self._refresh_finish()

    def _focus_step(self, index: int) -> None:
        if self.controller is None:
            return
        reason = Qt.FocusReason.ShortcutFocusReason
        if index == LOCATION:
            self.site_form.focus_first_empty()
        elif index == PERSONS:
            if self._current_person() is None:
                self.add_person_button.setFocus(reason)
            else:
                self.person_form.focus_quick()
        elif index == SIGNALS:
            self.checklist.focus_filter()
        else:
            self.finish.refer_button.setFocus(reason)
            if not self.finish.refer_button.isEnabled():
                self.finish.close_button.setFocus(reason)

    def focus_filter(self) -> None:
        """Ctrl+F: the Signalen step, in the filter."""
        self.go_to_step(SIGNALS, focus=False)
        self.checklist.focus_filter()

    def edit_note(self) -> None:
        self.go_to_step(SIGNALS, focus=False)
        self.checklist.edit_note()

    def _focus_entered(self, widget: QWidget) -> None:
        for index, page in enumerate(self._page_widgets()):
            if page.isAncestorOf(widget):
                if index != self.pages.currentIndex():
                    self.go_to_step(index, focus=False)
                if isinstance(page, QScrollArea):
                    # Moved to by a typed choice or Return, not by Tab (which Qt follows
                    # itself): the field comes into view on a low screen.
                    page.ensureWidgetVisible(widget)
                return

    def _show_help(self, shown: bool) -> None:
        """The F1 panel beside the step, never above it (it took the list's rows)."""
        self.help.setVisible(shown)
        self._fit_signals()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_signals()

    def is_narrow(self) -> bool:
        return self.width() - (SIDE_WIDTH if self.help.isVisibleTo(self) else 0) < NARROW

    def _fit_signals(self) -> None:
        """Wide: the checklist with the assessment beside it. Narrow: one of the two (the
        toggle), with an acute signal said above the list."""
        narrow = self.is_narrow()
        showing = narrow and self.assessment_toggle.isChecked()
        self.assessment_toggle.setVisible(narrow)
        self.back_to_signals.setVisible(showing)
        self.signals_scroll.setVisible(not showing)
        self.side.setVisible(not narrow or showing)
        self.acute_line.setVisible(narrow and bool(self.acute_line.text()))
        # A tablet: the list and the chosen signal's details side by side (stacked, the
        # details fell below the fold and the list kept three rows).
        beside = narrow and self.height() < LOW
        self.checklist.set_beside(beside)
        margins = self.signals_page.layout()
        if margins is not None:  # every pixel is a row's on a low screen
            margins.setContentsMargins(*((8, 4, 4, 4) if beside else (12, 8, 8, 8)))
        self.assessment_toggle.setText(
            t("ui.visit.assessment.show_short" if beside else "ui.visit.assessment.show")
        )

    def run_shortcut(self, event: QKeyEvent) -> bool:
        """Do what one of the editor's shortcuts does for ``event``; False when it is none
        (a key typed while a list of suggestions had the keyboard)."""
        pressed = QKeySequence(event.keyCombination())
        for shortcut in self._shortcuts:
            if shortcut.key().matches(pressed) == QKeySequence.SequenceMatch.ExactMatch:
                if not pressed.matches(QKeySequence(QKeySequence.StandardKey.Undo)):
                    # What was typed is kept (saved, or refused beside its field) first.
                    with contextlib.suppress(FieldAppError, OSError):
                        self.flush()
                shortcut.activated.emit()
                return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Return on the add-person button adds one, as Space does (a keyboard user's
        Return at the start of the Personen step)."""
        if (
            watched is self.add_person_button
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.add_person()
            return True
        return super().eventFilter(watched, event)

    def _refresh_counts(self) -> None:
        controller = self.controller
        if controller is None:
            return
        self.steps.set_count(PERSONS, len(controller.persons))
        observed = sum(
            1
            for state in controller.observations.values()
            if state.status is ObservationStatus.OBSERVED
        )
        self.steps.set_count(SIGNALS, observed)

    def _refresh_finish(self) -> None:
        """Step 4 from what the vault holds now (built when shown or changed there)."""
        controller = self.controller
        if controller is None or self.pages.currentIndex() != FINISH:
            return
        try:
            detail = controller.store.visit_detail(self.visit_uuid)
            states = {key: state.status for key, state in controller.observations.items()}
            missing_all = missing_for_final(detail, None, catalogue=self.catalogue)
            rows = []
            profile = controller.store.setting("profile", {}) or {}
            referrals = controller.store.referrals(self.visit_uuid)  # what was made already
            for person in controller.persons:
                own = missing_for_final(detail, person.meta.uuid, catalogue=self.catalogue)
                result = controller.assessment(person.meta.uuid)
                rows.append(
                    person_finish(
                        person,
                        result,
                        observed_names(states, person.meta.uuid, self.catalogue),
                        [m.message for m in own if m.person_uuid is not None],
                        self.catalogue,
                        missing_for=recipient_gaps(detail, person, result, self.catalogue, profile),
                        made=made_referrals(referrals, person.meta.uuid),
                    )
                )
        except (FieldAppError, OSError) as exc:
            self._show_failure(exc)
            return
        self.finish.show_finish(
            rows,
            observed_names(states, None, self.catalogue),
            [m.message for m in missing_all if m.person_uuid is None],
            can_discard=controller.nothing_recorded(),
        )

    def close_visit(self) -> None:
        """Afronden: the visit is closed (ended now) and the list comes back."""
        controller = self.controller
        if controller is None:
            return
        with contextlib.suppress(FieldAppError, OSError):
            self.flush()
        self.commit(controller.close_visit)
        self.close_requested.emit()

    def discard_draft(self) -> None:
        """Afronden: throw away a draft in which nothing was recorded (Ctrl+N by mistake)."""
        controller = self.controller
        if controller is None or not controller.nothing_recorded():
            return
        try:
            thrown = controller.discard_draft()
        except (FieldAppError, OSError) as exc:
            self._show_failure(exc)
            return
        if not thrown:
            self.status.show_error(t("ui.visit.finish.discard_refused"))
            return
        self.discarded.emit(self.visit_uuid)
        self.close_requested.emit()

    def delete_person(self, person_uuid: str) -> None:
        """Afronden, after the card's second question: the person and what was recorded
        for them become tombstones (audited); not undoable."""
        controller = self.controller
        if controller is None:
            return
        try:
            person = controller.person(person_uuid)
        except KeyError:
            return
        self.person_form.flush()
        if self.commit(lambda: controller.delete_person(person_uuid)) is None:
            return
        if self._person_uuid == person_uuid:
            self._person_uuid = None
        self._load_all()  # their photos went with them
        self._show_saved()
        self.status.show_info(t("ui.visit.finish.deleted", label=person.label))

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
        """A new visit starts at the site's name (Locatie); an existing one where its step
        starts (the signal filter when it opened on Signalen)."""
        if self.controller is None:
            return
        if not self.controller.site.name:
            self.go_to_step(LOCATION, focus=False)
            self.site_form.edits["name"].setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._focus_step(self.current_step())

    def set_back_button_visible(self, visible: bool) -> None:
        """For a host that shows its own way back; Escape keeps working."""
        self.back_button.setVisible(visible)
