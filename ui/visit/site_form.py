"""The place and the visit: name (with search over places already in the vault and over the
coordinator's list of known sites, ``known_sites.py``; a whole KvK number searches both too),
trade name, address, municipality, KvK number, sector, kind of visit and the visit's notes;
behind one button, the employment agency or intermediary (name, KvK number) and where the
workers are housed (issue 15: the RIEC and the police need both, and in the notes the
documents dropped them). That part opens by itself when the place holds any of it.

Text fields save when editing finishes (Return, Tab, focus elsewhere); a refused value (a
postcode or KvK number that cannot be right) is shown with the reason under the field and
never saved. Return in the name jumps to the postcode, then the place, then the sector: the
four things almost every visit needs; Return in the sector, or in the visit's notes, ends the
Locatie step (``chain_finished``). A known place chosen from the list under the name (Down and
Return, or one tap) puts the keyboard on the first of those still empty, else the sector. The
place is on the left, the visit (and what the editor adds beside it, the attachments) on the
right, so the step fits a tablet's screen.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp import validate as v
from fieldapp.domain import Sector, Site, Visit, VisitType
from fieldapp.errors import ValidationError
from fieldapp.i18n import t
from fieldapp.store.reply_store import KnownSite
from ui.visit import known_sites
from ui.visit.controller import site_field
from ui.visit.fields import (
    Field,
    FocusOutFilter,
    ReturnFilter,
    UndoPassThrough,
    is_modified,
    mark_saved,
    problem_text,
    section_heading,
    select_data,
    set_text,
    text_of,
)
from ui.visit.known_sites import SuggestionDelegate
from ui.widgets import MessageLabel

# What a postcode can start with: up to four digits (not starting with 0), then letters.
_POSTCODE_PREFIX = re.compile(r"^(?:[1-9]\d{0,3}|[1-9]\d{3}[A-Za-z]{1,2})?$")
SITE_UUID_ROLE = Qt.ItemDataRole.UserRole + 1
KNOWN_ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # a row of the coordinator's list shown
TEXT_FIELDS = ("name", "trade_name", "street", "number", "postcode", "place", "municipality", "kvk")
# Behind the "Uitzendbureau en huisvesting" button: the controller's names (set_site_field).
MORE_FIELDS = (
    "intermediary_name",
    "intermediary_kvk",
    "housing_street",
    "housing_number",
    "housing_postcode",
    "housing_place",
)
POSTCODE_FIELDS = ("postcode", "housing_postcode")
KVK_FIELDS = ("kvk", "intermediary_kvk")
NUMBER_FIELDS = ("number", "housing_number")
# Typing in these offers known places (the KvK field once it holds a whole number).
SEARCH_FIELDS = ("name", "kvk")
# Return moves along the fields most visits need; elsewhere it moves to the next field.
QUICK_CHAIN = ("name", "postcode", "place", "sector")

Commit = Callable[[Callable[[], Any]], Any]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class SiteForm(QWidget):
    """``commit(action)`` runs a controller change (the editor shows the saved state);
    a ``ValidationError`` comes back to this form, which shows it under the field."""

    site_linked = Signal()  # a place already in the vault was chosen
    chain_finished = Signal()  # Return in the sector or the notes: the step is done

    def __init__(self, commit: Commit, controller_getter: Callable[[], Any]) -> None:
        super().__init__()
        self._commit = commit
        self._controller = controller_getter
        self._site_read_only = False  # another device's place (set_read_only)
        self._visit_read_only = False  # another device's visit
        self._undo_filter = UndoPassThrough(self)
        self._return_filter = ReturnFilter(self._on_return, self)
        self._focus_filter = FocusOutFilter(self._on_focus_out, self)

        self.edits: dict[str, QLineEdit] = {}
        self.fields: dict[str, Field] = {}
        captions = {
            "name": t("ui.visit.site.name"),
            "trade_name": t("ui.visit.site.trade_name"),
            "street": t("ui.visit.site.street"),
            "number": t("ui.visit.site.number"),
            "postcode": t("ui.visit.site.postcode"),
            "place": t("ui.visit.site.place"),
            "municipality": t("ui.visit.site.municipality"),
            "kvk": t("ui.visit.site.kvk"),
            "intermediary_name": t("ui.visit.site.intermediary_name"),
            "intermediary_kvk": t("ui.visit.site.intermediary_kvk"),
        }
        for name in ("street", "number", "postcode", "place"):
            captions[f"housing_{name}"] = captions[name]
        placeholders = {
            "name": t("ui.visit.site.name_placeholder"),
            "intermediary_name": t("ui.visit.site.intermediary_placeholder"),
            **dict.fromkeys(POSTCODE_FIELDS, "1234 AB"),
            **dict.fromkeys(KVK_FIELDS, "12345678"),
        }
        for name in (*TEXT_FIELDS, *MORE_FIELDS):
            edit = QLineEdit()
            edit.setObjectName(f"site_{name}")
            edit.setPlaceholderText(placeholders.get(name, ""))
            edit.setMaxLength(20 if name in NUMBER_FIELDS else v.MAX_SHORT_TEXT)
            edit.installEventFilter(self._undo_filter)
            edit.editingFinished.connect(lambda name=name: self._editing_finished(name))
            edit.returnPressed.connect(lambda name=name: self._next_after(name))
            self.edits[name] = edit
            self.fields[name] = Field(captions[name], edit)
        for name in POSTCODE_FIELDS:
            self.edits[name].textEdited.connect(
                lambda text, name=name: self._live_postcode(text, name)
            )
        for name in KVK_FIELDS:
            self.edits[name].textEdited.connect(lambda text, name=name: self._live_kvk(text, name))
        for name in MORE_FIELDS:
            if name.startswith("housing_"):  # "Straat" twice on one page: say which
                self.edits[name].setAccessibleName(
                    t("ui.visit.site.housing_field", field=captions[name])
                )
        for name in SEARCH_FIELDS:
            self.edits[name].textEdited.connect(
                lambda text, name=name: self._search_sites(text, name)
            )
        self.fields["name"].widget.setAccessibleDescription(t("ui.visit.site.name_hint"))
        # Under the name: what a place chosen from the coordinator's list filled, and what
        # it left because the field held something else.
        self.known_notice = MessageLabel()
        self.known_notice.setObjectName("knownSitesNotice")
        name_layout = self.fields["name"].layout()
        assert name_layout is not None  # Field lays out its caption, input and message
        name_layout.addWidget(self.known_notice)
        self._known_shown: list[KnownSite] = []

        self.sector = QComboBox()
        self.sector.setObjectName("site_sector")
        for sector in Sector:
            self.sector.addItem(capitalised(t(f"sector.{sector.value}")), sector.value)
        self.sector.currentIndexChanged.connect(self._sector_changed)
        # Beside the trade name: its width must not come from the longest sector's name.
        self.sector.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.sector.setMinimumContentsLength(12)
        self.sector.installEventFilter(self._return_filter)
        self.fields["sector"] = Field(t("ui.visit.site.sector"), self.sector)

        self.visit_type = QComboBox()
        self.visit_type.setObjectName("visit_type")
        for kind in VisitType:
            self.visit_type.addItem(capitalised(t(f"visit_type.{kind.value}")), kind.value)
        self.visit_type.currentIndexChanged.connect(self._type_changed)
        self.visit_type.installEventFilter(self._return_filter)
        self.fields["type"] = Field(t("ui.visit.visit.type"), self.visit_type)

        self.notes = QPlainTextEdit()
        self.notes.setObjectName("visit_notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText(t("ui.visit.visit.notes_placeholder"))
        self.notes.setFixedHeight(84)
        self.notes.installEventFilter(self._undo_filter)
        self.notes.installEventFilter(self._focus_filter)
        self.notes.installEventFilter(self._return_filter)
        self.fields["notes"] = Field(
            t("ui.visit.visit.notes"), self.notes, hint=t("ui.visit.visit.notes_hint")
        )

        self.completer_model = QStandardItemModel(self)
        self.completer = QCompleter(self.completer_model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setWidget(self.edits["name"])
        self._delegate = SuggestionDelegate(self.edits["name"], self)
        self._popup.setItemDelegate(self._delegate)
        # The QModelIndex overload of an overloaded signal, which PySide6's stub cannot index.
        self.completer.activated[QModelIndex].connect(self._site_chosen)  # type: ignore[index]
        self._popup.setAccessibleName(t("ui.visit.site.known_sites"))

        # The intermediary and the housing: behind one button, in the place's grid (rows 5
        # to 9), so their columns line up with the address above.
        self.more_button = QPushButton()
        self.more_button.setObjectName("site_more")
        self.more_button.setCheckable(True)
        self.more_button.setAutoDefault(False)
        self.more_button.setAccessibleName(t("ui.visit.site.more"))
        self.more_button.setToolTip(t("ui.visit.site.more_tip"))
        self.more_button.toggled.connect(self._more_toggled)
        self.more_button.clicked.connect(self._more_clicked)
        self.housing_heading = QLabel(t("ui.visit.site.housing"))
        bold = self.housing_heading.font()
        bold.setBold(True)
        self.housing_heading.setFont(bold)
        self.more_widgets: list[QWidget] = [
            self.housing_heading,
            *(self.fields[name] for name in MORE_FIELDS),
        ]

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.addWidget(self.fields["name"], 0, 0, 1, 2)
        # The sector is required and steers the checklist: next to the name, above the fold
        # on a tablet (it was the last row).
        grid.addWidget(self.fields["trade_name"], 1, 0)
        grid.addWidget(self.fields["sector"], 1, 1)
        grid.addWidget(self.fields["street"], 2, 0)
        grid.addWidget(self.fields["number"], 2, 1)
        grid.addWidget(self.fields["postcode"], 3, 0)
        grid.addWidget(self.fields["place"], 3, 1)
        grid.addWidget(self.fields["municipality"], 4, 0)
        grid.addWidget(self.fields["kvk"], 4, 1)
        # Across both columns: in the first alone, a tablet cut its words ("Jitzendbureau en
        # huisvesti", 266 of the 312 px it needs).
        grid.addWidget(self.more_button, 5, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.fields["intermediary_name"], 6, 0)
        grid.addWidget(self.fields["intermediary_kvk"], 6, 1)
        grid.addWidget(self.housing_heading, 7, 0, 1, 2)
        grid.addWidget(self.fields["housing_street"], 8, 0)
        grid.addWidget(self.fields["housing_number"], 8, 1)
        grid.addWidget(self.fields["housing_postcode"], 9, 0)
        grid.addWidget(self.fields["housing_place"], 9, 1)
        self._show_more(False)

        visit_grid = QGridLayout()
        visit_grid.setVerticalSpacing(6)
        visit_grid.addWidget(self.fields["type"], 0, 0)
        visit_grid.addWidget(self.fields["notes"], 1, 0)

        site_column = QVBoxLayout()
        site_column.setSpacing(8)
        site_column.addWidget(section_heading(t("ui.visit.site.heading")))
        site_column.addLayout(grid)
        site_column.addStretch(1)
        self._visit_column = QVBoxLayout()
        self._visit_column.setSpacing(8)
        self._visit_column.addWidget(section_heading(t("ui.visit.visit.heading")))
        self._visit_column.addLayout(visit_grid)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        layout.addLayout(site_column, 3)
        layout.addLayout(self._visit_column, 2)

        # Tab order: the text fields, then the sector (beside the name, but chosen after the
        # address), then the optional agency and housing; Return takes the quick chain
        # (QUICK_CHAIN).
        order: list[QWidget] = [self.edits[name] for name in TEXT_FIELDS]
        order += [self.sector, self.more_button, *(self.edits[name] for name in MORE_FIELDS)]
        order += [self.visit_type, self.notes]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def set_read_only(self, *, site: bool, visit: bool) -> None:
        """Another device's record is read, not changed: its texts stay selectable, its
        choices show their value without opening. ``site``: the place; ``visit``: the kind of
        visit and its notes."""
        self._site_read_only = site
        self._visit_read_only = visit
        for edit in self.edits.values():
            edit.setReadOnly(site)
            if site:
                edit.setPlaceholderText("")  # a hint to type, where nothing can be typed
        self.sector.setEnabled(not site)
        self.visit_type.setEnabled(not visit)
        self.notes.setReadOnly(visit)
        if visit:
            self.notes.setPlaceholderText("")

    def add_side(self, widget: QWidget) -> None:
        """Put ``widget`` under the visit's fields (the editor's attachments)."""
        self._visit_column.addSpacing(6)
        self._visit_column.addWidget(widget)
        self._visit_column.addStretch(1)

    def focus_first_empty(self) -> None:
        """Where the Locatie step's work continues: the first empty field of the quick
        chain, else the sector."""
        for name in QUICK_CHAIN[:-1]:
            if not self.edits[name].text():
                self.edits[name].setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
        self.sector.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- showing --------------------------------------------------------------------------

    @property
    def _popup(self) -> QAbstractItemView:
        """The list of known sites under the name field."""
        popup = self.completer.popup()
        assert popup is not None  # Qt makes the default list on first asking
        return popup

    def load(self, site: Site, visit: Visit) -> None:
        for name, edit in self.edits.items():
            set_text(edit, site_field(site, name))
            self.fields[name].message.clear_message()
        if any(site_field(site, name) for name in MORE_FIELDS):
            self._show_more(True)  # what was recorded is in view; never closed for the user
        select_data(self.sector, site.sector.value)
        select_data(self.visit_type, visit.type.value)
        set_text(self.notes, visit.notes)
        self.fields["notes"].message.clear_message()
        self.known_notice.clear_message()

    def clear(self) -> None:
        for edit in self.edits.values():
            set_text(edit, "")
        for field in self.fields.values():
            field.message.clear_message()
        set_text(self.notes, "")
        self._show_more(False)
        self.completer_model.clear()
        self._known_shown = []
        self.known_notice.clear_message()
        self._popup.hide()

    def flush(self) -> None:
        """Save whatever was typed but not yet saved (before leaving or locking)."""
        for name, edit in self.edits.items():
            if is_modified(edit):
                self.save_text(name)
        if is_modified(self.notes):
            self._save_notes()

    # -- saving ---------------------------------------------------------------------------

    def save_text(self, name: str) -> bool:
        """Save one text field; False when the value was refused."""
        edit = self.edits[name]
        controller = self._controller()
        if controller is None:
            return False
        if self._site_read_only:
            return True  # nothing typed to save: Return still moves on
        field = self.fields[name]
        try:
            self._commit(lambda: controller.set_site_field(name, edit.text()))
        except ValidationError as exc:
            field.message.show_error(problem_text(exc))
            return False
        field.message.clear_message()
        stored = site_field(controller.site, name)
        if (stored or "") != edit.text():  # normalised: "2675ab" -> "2675 AB"
            set_text(edit, stored)
        mark_saved(edit)
        return True

    def _editing_finished(self, name: str) -> None:
        """Save, unless Return or Tab is picking a suggestion: the open list hands that key to
        the field first, and what was typed there was only the search (saving it made a
        second change, and one undo left "kwek" as the name)."""
        if self._controller() is None:
            return  # cleared (locked, or the editor is going): nothing to save to
        if (
            self._popup.isVisible()
            and self.completer.widget() is self.edits[name]
            and self._popup.currentIndex().isValid()
        ):
            return
        self.save_text(name)

    def _sector_changed(self, _index: int) -> None:
        controller = self._controller()
        if controller is not None and not self._site_read_only:
            self._commit(lambda: controller.set_site_field("sector", self.sector.currentData()))

    def _type_changed(self, _index: int) -> None:
        controller = self._controller()
        if controller is not None and not self._visit_read_only:
            self._commit(lambda: controller.set_visit_field("type", self.visit_type.currentData()))

    def _save_notes(self) -> None:
        controller = self._controller()
        if controller is None or self._visit_read_only:
            return
        field = self.fields["notes"]
        try:
            self._commit(lambda: controller.set_visit_field("notes", text_of(self.notes)))
        except ValidationError as exc:
            field.message.show_error(problem_text(exc))
            return
        field.message.clear_message()
        mark_saved(self.notes)

    def _on_focus_out(self, widget: QWidget) -> None:
        if widget is self.notes and is_modified(self.notes):
            self._save_notes()

    def _on_return(self, widget: QWidget) -> bool:
        if widget is self.notes:
            self._save_notes()
            self.chain_finished.emit()
            return True
        if widget is self.sector:
            self.chain_finished.emit()
            return True
        if widget is self.visit_type:
            self.notes.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return False

    def _next_after(self, name: str) -> None:
        """Return in a text field: save, then go to the next field of the quick chain (or the
        next field). A refused value keeps the focus, so it can be corrected at once."""
        if self._popup.isVisible():
            return
        if not self.save_text(name):
            return
        if name in QUICK_CHAIN:
            target = QUICK_CHAIN[QUICK_CHAIN.index(name) + 1]
            widget = self.sector if target == "sector" else self.edits[target]
        else:
            # The place's own fields, or the agency and housing, each on to the sector.
            order = [*(MORE_FIELDS if name in MORE_FIELDS else TEXT_FIELDS), "sector"]
            target = order[order.index(name) + 1]
            widget = self.sector if target == "sector" else self.edits[target]
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    # -- live checks ----------------------------------------------------------------------

    def _live_postcode(self, text: str, name: str = "postcode") -> None:
        """While typing: say so as soon as the text can no longer become a postcode."""
        field = self.fields[name]
        compact = text.replace(" ", "")
        if len(compact) >= 6 or not _POSTCODE_PREFIX.match(compact):
            try:
                v.postcode(text, f"site.{name}")
            except ValidationError as exc:
                field.message.show_error(problem_text(exc))
                return
        field.message.clear_message()

    def _live_kvk(self, text: str, name: str = "kvk") -> None:
        field = self.fields[name]
        digits = text.replace(" ", "").replace(".", "")
        if len(digits) >= 8 or not digits.isdigit():
            try:
                v.kvk_number(text, f"site.{name}")
            except ValidationError as exc:
                field.message.show_error(problem_text(exc))
                return
        field.message.clear_message()

    # -- the intermediary and the housing -------------------------------------------------

    def _show_more(self, on: bool) -> None:
        if self.more_button.isChecked() != on:
            self.more_button.setChecked(on)  # toggled -> _more_toggled
        else:
            self._more_toggled(on)

    def _more_toggled(self, on: bool) -> None:
        arrow = "▾" if on else "▸"
        self.more_button.setText(f"{arrow}  {t('ui.visit.site.more')}")
        for widget in self.more_widgets:
            widget.setVisible(on)

    def _more_clicked(self, on: bool) -> None:
        """Opened by a tap or Space: the first of its fields takes the keyboard."""
        if on:
            self.edits[MORE_FIELDS[0]].setFocus(Qt.FocusReason.TabFocusReason)

    # -- known places ---------------------------------------------------------------------

    def _search_sites(self, text: str, field: str = "name") -> None:
        """Places already in the vault (chosen: this visit is recorded there), then the
        coordinator's list of known sites (chosen: the fields are filled). In the KvK field
        only a whole number, matched exactly."""
        controller = self._controller()
        self.completer_model.clear()
        self._known_shown = []
        self.known_notice.clear_message()
        if controller is None:
            return
        digits = "".join(text.split()).replace(".", "")
        if field == "kvk" and (len(digits) != 8 or not digits.isdigit()):
            self._popup.hide()
            return
        places = [
            site for site in controller.known_sites(text) if field != "kvk" or site.kvk == digits
        ]
        for site in places:
            where = site.address.one_line() or site.municipality
            self._add_suggestion(site.name, where, site.kvk, SITE_UUID_ROLE, site.meta.uuid)
        for known in known_sites.find(controller.store.vault, text, kvk_only=field == "kvk"):
            if any(known_sites.same_place(known, site) for site in places):
                continue  # the place in the vault is this business: its record is offered
            row = len(self._known_shown)
            self._known_shown.append(known)
            where = known_sites.known_where(known)
            self._add_suggestion(known.name, where, known.kvk, KNOWN_ROW_ROLE, row)
        if not self.completer_model.rowCount():
            self._popup.hide()
            return
        edit = self.edits[field]
        if self.completer.widget() is not edit:
            self.completer.setWidget(edit)
        self._delegate.field_widget = edit
        self._popup.setFont(edit.font())  # a window of its own: the editor's style misses it
        self.completer.complete(self._popup_rect(edit))

    def _add_suggestion(
        self, name: str, where: str | None, kvk: str | None, role: int, value: object
    ) -> None:
        shown = known_sites.suggestion_text(name, where, kvk)
        item = QStandardItem(shown)
        item.setData(name, Qt.ItemDataRole.EditRole)
        item.setData(shown, Qt.ItemDataRole.DisplayRole)
        item.setData(value, role)
        item.setData(shown.replace("\n", ", "), Qt.ItemDataRole.AccessibleTextRole)
        self.completer_model.appendRow(item)

    def _popup_rect(self, edit: QLineEdit) -> QRect:
        """Under ``edit``, as wide as the name field: the KvK field alone is too narrow for
        a name and an address on a tablet."""
        name = self.edits["name"]
        left = name.mapTo(self, QPoint(0, 0)).x() - edit.mapTo(self, QPoint(0, 0)).x()
        return QRect(left, 0, name.width(), edit.height())

    def _site_chosen(self, index: QModelIndex) -> None:
        controller = self._controller()
        if controller is None:
            return
        row = index.data(KNOWN_ROW_ROLE)
        if isinstance(row, int) and 0 <= row < len(self._known_shown):
            self._fill_from_list(self._known_shown[row])
            return
        site_uuid = index.data(SITE_UUID_ROLE)
        if not site_uuid:
            return
        self._commit(lambda: controller.link_site(site_uuid))
        self.load(controller.site, controller.visit)
        self.site_linked.emit()
        self.focus_first_empty()  # as after a choice from the list: Return goes on

    def _fill_from_list(self, known: KnownSite) -> None:
        """One change: the empty fields (and the one typed in) from the list; the line under
        the name says what was kept."""
        controller = self._controller()
        if controller is None or self._site_read_only:
            return
        typed_in = next(
            (name for name in SEARCH_FIELDS if self.edits[name] is self.completer.widget()),
            "name",
        )
        fill = known_sites.plan_fill(controller.site, known, typed_in)
        try:
            self._commit(lambda: controller.set_site_fields(fill.values))
        except ValidationError as exc:  # the plan leaves out what the vault refuses
            self.fields[typed_in].message.show_error(problem_text(exc))
            return
        self.load(controller.site, controller.visit)
        self.known_notice.show_info(known_sites.notice(fill))
        # On to what is still empty, else the sector, where Return ends the step.
        self.focus_first_empty()
