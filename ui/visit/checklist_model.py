"""The indicator checklist as a two-level tree: a header per ILO dimension (and one for context
signals outside the ILO frame), the indicators under it in catalogue order.

Each meaning appears once: indicators that several lists word differently (the held passport
of the ILO, NLA and police lists, ``fieldapp.catalogue.presentation.meaning_groups``) are one
row, the lead's, found by any member's words. A row's state is its group's: an observation
recorded under another member (an older visit, another list's id) shows on the row and is
what an action on the row changes, so a recorded observation is never hidden; a new one is
recorded on the lead, which the engine counts the same (the members map to it).

The rows show the state in the current scope (one person, or everyone at the visit); a
person's row also shows, greyed, what was recorded for everyone when the person has nothing
of their own. Filtering (filter-as-you-type over Dutch and English
labels, prompts and keywords via ``Catalogue.search``, and an optional form) resets the model;
state changes only emit ``dataChanged``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPen, QPixmap

from fieldapp.catalogue import DIMENSIONS, Catalogue, Indicator
from fieldapp.catalogue.model import CONTEXT, CatalogueError
from fieldapp.catalogue.presentation import group_sources, meaning_groups
from fieldapp.domain import ObservationStatus
from fieldapp.i18n import current_language, t, tn
from ui.visit.controller import ObsState

Index = QModelIndex | QPersistentModelIndex
GROUPS = (*DIMENSIONS, CONTEXT)
SECTOR_GROUP = "sector"  # the site's sector's shortlist, above the dimensions
_WORDS = re.compile(r"\w+")
COLUMNS = ("ui.visit.col.signal", "ui.visit.col.status", "ui.visit.col.evidence")
LABEL_COLUMN, STATUS_COLUMN, EVIDENCE_COLUMN = range(3)

INDICATOR_ROLE = Qt.ItemDataRole.UserRole + 1  # indicator id (str), None on a header
STATE_ROLE = Qt.ItemDataRole.UserRole + 2  # status value in this scope, "" when not recorded
ACUTE_ROLE = Qt.ItemDataRole.UserRole + 3  # bool
HEADER_ROLE = Qt.ItemDataRole.UserRole + 4  # bool
INHERITED_ROLE = Qt.ItemDataRole.UserRole + 5  # bool: the state shown is the visit-level one
PAST_ROLE = Qt.ItemDataRole.UserRole + 6  # bool: observed, and it happened before the visit

ACUTE_RED = "#a4262c"
OBSERVED_BLUE = "#1f4e79"
MUTED_GREY = "#6b6b6b"

# (own, inherited from the visit level) for an indicator id.
StateLookup = Callable[[str], tuple[ObsState | None, ObsState | None]]


def _no_state(_indicator_id: str) -> tuple[ObsState | None, ObsState | None]:
    return None, None


class ChecklistModel(QAbstractItemModel):
    def __init__(self, catalogue: Catalogue | None, parent: Any = None) -> None:
        super().__init__(parent)
        self._catalogue = catalogue
        self._states: StateLookup = _no_state
        self._text = ""
        self._form: str | None = None
        self._context: frozenset[str] = frozenset()  # the forms the site's sector is for
        self._pinned: tuple[str, ...] = ()  # the sector's shortlist, shown first
        self._groups: list[tuple[str, list[Indicator]]] = []
        self._rows: dict[str, tuple[int, int]] = {}  # any member id -> (group row, row)
        self._members: dict[str, tuple[str, ...]] = {}  # lead id -> its group (lead first)
        self._lead: dict[str, str] = {}  # member id -> the lead whose row it is on
        self._open: frozenset[str] | None = None  # groups shown open; None: every group
        self._rebuild()

    # -- what is shown --------------------------------------------------------------------

    def set_state_lookup(self, lookup: StateLookup) -> None:
        """Where row states come from (the scope changed): every row may change."""
        self._states = lookup
        self._all_changed()

    def states(self, indicator_id: str) -> tuple[ObsState | None, ObsState | None]:
        """(own state in the scope, visit-level state) of the row an indicator is on: for a
        group, the state of the member recorded (see :meth:`record_id`)."""
        ids = self.members(indicator_id)
        if len(ids) == 1:
            return self._states(ids[0])
        found = [self._states(member) for member in ids]
        return (
            _shown([own for own, _ in found]),
            _shown([inherited for _, inherited in found]),
        )

    def members(self, indicator_id: str) -> tuple[str, ...]:
        """Every id on the row of ``indicator_id`` (its lead first)."""
        lead = self._lead.get(indicator_id, indicator_id)
        return self._members.get(lead, (lead,))

    def lead_of(self, indicator_id: str) -> str:
        return self._lead.get(indicator_id, indicator_id)

    def record_id(self, indicator_id: str) -> str:
        """The id an action on the row changes: the member whose own state the row shows (so
        cycling or clearing acts on the observation that is seen), else the lead."""
        ids = self.members(indicator_id)
        if len(ids) == 1:
            return ids[0]
        own = [self._states(member)[0] for member in ids]
        shown = _shown(own)
        return next((m for m, s in zip(ids, own, strict=True) if s is shown), ids[0])

    def recorded_members(self, indicator_id: str) -> list[tuple[str, ObsState]]:
        """The row's members with an own state in this scope, for the details."""
        found = []
        for member in self.members(indicator_id):
            own = self._states(member)[0]
            if own is not None:
                found.append((member, own))
        return found

    def sources(self, indicator_id: str) -> tuple[str, ...]:
        """The lists (frameworks) behind the row; one for a row that is no group."""
        if self._catalogue is None:
            return ()
        lead = self.lead_of(indicator_id)
        if lead not in self._members:
            return (self._catalogue.indicators[lead].framework,)
        return group_sources(self._catalogue, lead)

    def repaint_all(self) -> None:
        self._all_changed()

    def group_key(self, group_row: int) -> str | None:
        """The group (a dimension, or the sector's shortlist) on header row ``group_row``."""
        return self._groups[group_row][0] if 0 <= group_row < len(self._groups) else None

    def group_row_of(self, key: str) -> int | None:
        return next((row for row, (own, _) in enumerate(self._groups) if own == key), None)

    def set_open(self, keys: frozenset[str] | None) -> None:
        """Which groups the view shows open (None: all, while filtering): their headers
        say so (an arrow) and, when closed, how many signals they hold."""
        if keys != self._open:
            self._open = keys
            for group_row in range(len(self._groups)):
                header = self.index(group_row, LABEL_COLUMN)
                self.dataChanged.emit(header, header)

    def is_open(self, key: str) -> bool:
        return self._open is None or key in self._open

    def set_filter(self, text: str, form: str | None = None) -> None:
        text = text.strip()
        if (text, form) == (self._text, self._form):
            return
        self.beginResetModel()
        self._text, self._form = text, form
        self._rebuild()
        self.endResetModel()

    def set_sector(self, forms: tuple[str, ...], pinned: tuple[str, ...]) -> None:
        """The site's sector: the forms it is assessed for (a form-specific signal outside
        them is labelled with its form and ranked last) and its shortlist (shown first)."""
        context, pinned = frozenset(forms), tuple(pinned)
        if (context, pinned) == (self._context, self._pinned):
            return
        self.beginResetModel()
        self._context, self._pinned = context, pinned
        self._rebuild()
        self.endResetModel()

    def in_context(self, item: Indicator) -> bool:
        """Generic signals (a held passport) count in every form; a form-specific one (an
        organ-removal scar) only when the sector is for one of its forms."""
        return (
            not self._context
            or not item.context_forms
            or bool(self._context & set(item.context_forms))
        )

    @property
    def filter_text(self) -> str:
        return self._text

    def clear(self) -> None:
        """Forget the catalogue and the states (on lock)."""
        self.beginResetModel()
        self._catalogue = None
        self._states = _no_state
        self._rebuild()
        self.endResetModel()

    def state_changed(self, indicator_id: str) -> None:
        """The indicator's state changed in some scope: repaint its row and its header."""
        position = self._rows.get(indicator_id)
        if position is None:
            return
        group_row, row = position
        parent = self.index(group_row, 0)
        self.dataChanged.emit(self.index(row, 0, parent), self.index(row, len(COLUMNS) - 1, parent))
        self.dataChanged.emit(parent, parent)

    def _all_changed(self) -> None:
        for group_row, (_, items) in enumerate(self._groups):
            parent = self.index(group_row, 0)
            self.dataChanged.emit(parent, self.index(group_row, len(COLUMNS) - 1))
            if items:
                self.dataChanged.emit(
                    self.index(0, 0, parent), self.index(len(items) - 1, len(COLUMNS) - 1, parent)
                )

    def _load_groups(self) -> None:
        self._members, self._lead = {}, {}
        if self._catalogue is None:
            return
        try:
            groups = meaning_groups(self._catalogue)
        except CatalogueError:  # a broken presentation file: every indicator its own row
            return
        self._members = dict(groups)
        self._lead = {member: lead for lead, ids in groups.items() for member in ids}

    def _rebuild(self) -> None:
        self._groups, self._rows = [], {}
        self._load_groups()
        if self._catalogue is None:
            return
        catalogue = self._catalogue
        found = catalogue.search(self._text, current_language())
        if self._form:
            found = [item for item in found if self._form in item.forms]
        # One row per meaning, where its first matching member would be: any member's
        # words find the group, which shows the lead.
        items: list[Indicator] = []
        leads: set[str] = set()
        for item in found:
            lead = self._lead.get(item.id, item.id)
            if lead not in leads:
                leads.add(lead)
                items.append(catalogue.indicators[lead])
        by_id = {item.id: item for item in items}
        pinned = [by_id[i] for i in self._pinned if i in by_id]
        if pinned:
            self._groups.append((SECTOR_GROUP, pinned))
            for row, item in enumerate(pinned):
                self._place(item.id, (0, row))
        shown = {item.id for item in pinned}
        for dimension in GROUPS:
            members = [
                item for item in items if item.dimension == dimension and item.id not in shown
            ]
            if members:
                group_row = len(self._groups)
                self._groups.append((dimension, members))
                for row, item in enumerate(members):
                    self._place(item.id, (group_row, row))

    def _place(self, lead: str, position: tuple[int, int]) -> None:
        for member in self._members.get(lead, (lead,)):
            self._rows[member] = position

    # -- navigation helpers ---------------------------------------------------------------

    def indicator(self, index: Index) -> Indicator | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        group_row = index.internalId() - 1
        if not 0 <= group_row < len(self._groups):
            return None
        items = self._groups[group_row][1]
        return items[index.row()] if 0 <= index.row() < len(items) else None

    def index_of(self, indicator_id: str, column: int = 0) -> QModelIndex:
        position = self._rows.get(indicator_id)
        if position is None:
            return QModelIndex()
        group_row, row = position
        return self.index(row, column, self.index(group_row, 0))

    def visible_ids(self) -> list[str]:
        return [item.id for _, items in self._groups for item in items]

    def first_indicator(self) -> QModelIndex:
        ids = self.visible_ids()
        return self.index_of(ids[0]) if ids else QModelIndex()

    def best_match(self) -> QModelIndex:
        """The row the filter most likely means, for Return in the filter. Labels in the
        current language rank first, then labels in the other language, then the rest
        (prompt and keyword matches, in display order). Within a language: a label equal to
        the text, then one starting with it, then one with every word at a word start, then
        one containing every word; shorter labels first (the more general signal). The rows
        themselves stay grouped."""
        words = self._text.casefold().split()
        ids = self.visible_ids()
        if not words or not ids or self._catalogue is None:
            return self.first_indicator()
        catalogue = self._catalogue
        lang = current_language()
        languages = (lang, "en" if lang == "nl" else "nl")

        def score(indicator_id: str) -> tuple[int, int, int, int]:
            # In the sector's context first; then by label (a group's best member label);
            # then generic signals before form-specific ones ("slapen": sleeping at the
            # workplace before an au pair's room).
            item = catalogue.indicators[indicator_id]
            outside = 0 if self.in_context(item) else 1
            specific = 1 if item.context_forms else 0
            for offset, language in enumerate(languages):
                ranked = [
                    (rank, len(label))
                    for member in self.members(indicator_id)
                    if (
                        rank := _label_rank(
                            (label := catalogue.indicators[member].label[language]).casefold(),
                            words,
                        )
                    )
                    is not None
                ]
                if ranked:
                    rank, length = min(ranked)
                    return outside, offset * 4 + rank, specific, length
            return outside, 8, specific, 0

        best = min(range(len(ids)), key=lambda position: (*score(ids[position]), position))
        return self.index_of(ids[best])

    def step(self, index: Index, delta: int) -> QModelIndex:
        """The indicator ``delta`` rows away from ``index`` (skipping headers), clamped."""
        ids = self.visible_ids()
        if not ids:
            return QModelIndex()
        item = self.indicator(index)
        position = ids.index(item.id) if item is not None else -1
        target = min(max(position + delta, 0), len(ids) - 1)
        return self.index_of(ids[target])

    # -- QAbstractItemModel ---------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008 - Qt API
        if not 0 <= column < len(COLUMNS):
            return QModelIndex()
        if not parent.isValid():
            if 0 <= row < len(self._groups):
                return self.createIndex(row, column, 0)
            return QModelIndex()
        if parent.internalId() != 0 or parent.column() != 0:
            return QModelIndex()
        group_row = parent.row()
        if 0 <= group_row < len(self._groups) and 0 <= row < len(self._groups[group_row][1]):
            return self.createIndex(row, column, group_row + 1)
        return QModelIndex()

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: Index) -> QModelIndex: ...
    def parent(self, child: Index | None = None) -> QObject | QModelIndex | None:
        """The group header of an indicator row; without an argument, the QObject parent."""
        if child is None:
            return QObject.parent(self)
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        if 0 <= parent.row() < len(self._groups):
            return len(self._groups[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt API
        return self.rowCount(parent) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.ItemIsEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return t(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            if not 0 <= index.row() < len(self._groups):
                return None
            return self._header_data(index, role)
        item = self.indicator(index)
        if item is None:
            return None
        return self._item_data(item, index.column(), role)

    def _header_data(self, index: Index, role: int) -> Any:
        dimension, items = self._groups[index.row()]
        if role == HEADER_ROLE:
            return True
        if index.column() != LABEL_COLUMN:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            observed = sum(
                1
                for item in items
                if (state := self._effective(item.id)[0]) is not None
                and state.status is ObservationStatus.OBSERVED
            )
            name = (
                t("ui.visit.group_sector")
                if dimension == SECTOR_GROUP
                else t(f"dimension.{dimension}")
            )
            if observed:
                name = t("ui.visit.group_observed", group=name, count=observed)
            if self._open is None:
                return name  # while filtering every group is open
            if self.is_open(dimension):
                arrow, shown = "▼", "open"
            else:
                arrow, shown = "▶", "closed"
            if role == Qt.ItemDataRole.AccessibleTextRole:
                count = tn("ui.visit.group_closed", len(items), group=name)
                return f"{count}, {t(f'ui.visit.group_state.{shown}')}"
            return f"{arrow} {name} ({len(items)})"
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._open is not None:
                return None  # a header that opens by tap reads as a control, not as a caption
            return QBrush(QColor(MUTED_GREY))
        return None

    def _effective(self, indicator_id: str) -> tuple[ObsState | None, bool]:
        own, inherited = self.states(indicator_id)
        if own is not None:
            return own, False
        return inherited, inherited is not None

    def _item_data(self, item: Indicator, column: int, role: int) -> Any:
        lang = current_language()
        state, inherited = self._effective(item.id)
        if role == INDICATOR_ROLE:
            return item.id
        if role == STATE_ROLE:
            own, _ = self.states(item.id)
            return own.status.value if own else ""
        if role == ACUTE_ROLE:
            return item.acute
        if role == HEADER_ROLE:
            return False
        if role == INHERITED_ROLE:
            return inherited
        if role == PAST_ROLE:
            return _is_past(state)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = item.prompt[lang]
            if item.acute and item.acute_reason:
                tip = f"{t('ui.visit.acute_mark')}: {item.acute_reason[lang]}\n{tip}"
            if _is_past(state):
                tip = f"{t('ui.visit.past_tip')}\n{tip}"
            if state is not None and state.note:
                tip += "\n" + t("ui.visit.note_tip", note=state.note)
            if item.id in self._members:
                tip += "\n" + self.sources_text(item.id)
            return tip
        if role == Qt.ItemDataRole.AccessibleTextRole:
            parts = [item.label[lang], _status_text(state, inherited)]
            if state is not None and state.evidence:
                parts.append(t(f"evidence.{state.evidence.value}"))
            if item.acute:
                parts.append(t("ui.visit.acute_mark"))
            if state is not None and state.note:
                parts.append(t("ui.visit.has_note"))
            if item.id in self._members:
                parts.append(self.sources_text(item.id))
            return ", ".join(parts)
        if column == LABEL_COLUMN:
            if role == Qt.ItemDataRole.DisplayRole:
                if not self.in_context(item):  # reached through "Alle vormen": say its form
                    forms = ", ".join(t(f"form.{form}") for form in item.context_forms)
                    return t("ui.visit.out_of_context", label=item.label[lang], forms=forms)
                return item.label[lang]
            if role == Qt.ItemDataRole.DecorationRole:
                return _acute_icon() if item.acute else _blank_icon()
            if role == Qt.ItemDataRole.ForegroundRole and item.acute:
                return QBrush(QColor(ACUTE_RED))
            if (
                role == Qt.ItemDataRole.FontRole
                and state is not None
                and not inherited
                and state.status is ObservationStatus.OBSERVED
            ):
                font = QFont()
                font.setBold(True)
                return font
            return None
        if column == STATUS_COLUMN:
            if role == Qt.ItemDataRole.DisplayRole:
                return _status_text(state, inherited)
            if role == Qt.ItemDataRole.DecorationRole:
                status = state.status.value if state else ""
                return _status_icon("past" if _is_past(state) else status, inherited)
            if role == Qt.ItemDataRole.ForegroundRole:
                if inherited or state is None:
                    return QBrush(QColor(MUTED_GREY))
                if state.status is ObservationStatus.OBSERVED:
                    return QBrush(QColor(OBSERVED_BLUE))
            return None
        if column == EVIDENCE_COLUMN and role == Qt.ItemDataRole.DisplayRole:
            if state is None:
                return ""
            parts = []
            if state.evidence:
                parts.append(t(f"evidence.{state.evidence.value}"))
            if state.note:
                parts.append(t("ui.visit.has_note"))
            return " · ".join(parts)
        if column == EVIDENCE_COLUMN and role == Qt.ItemDataRole.ForegroundRole and inherited:
            return QBrush(QColor(MUTED_GREY))
        return None

    def sources_text(self, indicator_id: str) -> str:
        """ "Bronnen: ILO · NLA · Politie" for a row that several lists share."""
        names = " · ".join(t(f"framework.{name}") for name in self.sources(indicator_id))
        return t("ui.visit.sources", sources=names)


def _shown(states: list[ObsState | None]) -> ObsState | None:
    """The state a group's row shows, from its members' (lead first): an observed signal
    wins (an observation is never hidden behind a "not observed" under another id), then the
    first recorded one."""
    recorded = [state for state in states if state is not None]
    observed = [s for s in recorded if s.status is ObservationStatus.OBSERVED]
    return (observed or recorded)[0] if recorded else None


def _label_rank(label: str, words: list[str]) -> int | None:
    text = " ".join(words)
    if label == text:
        return 0
    if label.startswith(text):
        return 1
    label_words = _WORDS.findall(label)
    if all(any(w.startswith(word) for w in label_words) for word in words):
        return 2
    if all(word in label for word in words):
        return 3
    return None


def _is_past(state: ObsState | None) -> bool:
    """Shown as "in the past": the flag counts only on an observed signal (it is kept, hidden,
    while the status cycles through not observed and unknown)."""
    return state is not None and state.past and state.status is ObservationStatus.OBSERVED


def _status_text(state: ObsState | None, inherited: bool) -> str:
    if state is None:
        return t("ui.visit.status.none")
    if _is_past(state):
        text = t("ui.visit.status.past")
    else:
        text = t(f"observation_status.{state.status.value}")
    return t("ui.visit.status.inherited", status=text) if inherited else text


ICON_SIZE = 16


def _canvas() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(QSize(ICON_SIZE * 2, ICON_SIZE * 2))  # drawn at 2x, sharp on HiDPI
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


@cache
def _blank_icon() -> QIcon:
    pixmap, painter = _canvas()
    painter.end()
    return QIcon(pixmap)


@cache
def _acute_icon() -> QIcon:
    pixmap, painter = _canvas()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(ACUTE_RED))
    painter.drawEllipse(1, 1, 14, 14)
    painter.setPen(QPen(QColor("white"), 2.2))
    painter.drawLine(8, 4, 8, 9)
    painter.drawPoint(8, 12)
    painter.end()
    return QIcon(pixmap)


@cache
def _status_icon(status: str, inherited: bool) -> QIcon:
    """Filled check: observed; a check in a ring: observed, in the past; dash: not observed;
    question mark: unknown; an empty ring: not recorded yet (tap to record). Inherited states
    are drawn lighter."""
    pixmap, painter = _canvas()
    colour = QColor(OBSERVED_BLUE if status in ("observed", "past") else MUTED_GREY)
    if inherited:
        colour.setAlpha(110)
    if status == "past":
        painter.setPen(QPen(colour, 1.5))
        painter.drawEllipse(QPointF(8, 8), 6.5, 6.5)
        painter.setPen(QPen(colour, 2))
        painter.drawPolyline([_p(4.8, 8.2), _p(7, 10.5), _p(11.2, 5.5)])
    elif status == "observed":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(1, 1, 14, 14)
        painter.setPen(QPen(QColor("white"), 2))
        painter.drawPolyline([_p(4.5, 8.2), _p(7, 10.8), _p(11.5, 5.2)])
    elif status == "not_observed":
        painter.setPen(QPen(colour, 1.5))
        painter.drawEllipse(2, 2, 12, 12)
        painter.drawLine(5, 8, 11, 8)
    elif status == "unknown":
        painter.setPen(QPen(colour, 1.5))
        painter.drawEllipse(2, 2, 12, 12)
        font = QFont()
        font.setPixelSize(10)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(2, 2, 12, 12, int(Qt.AlignmentFlag.AlignCenter), "?")
    else:
        light = QColor(MUTED_GREY)
        light.setAlpha(90)
        painter.setPen(QPen(light, 1.2))
        painter.drawEllipse(2, 2, 12, 12)
    painter.end()
    return QIcon(pixmap)


def _p(x: float, y: float) -> QPointF:
    return QPointF(x, y)
