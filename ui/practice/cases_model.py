"""The practice cases as a table: title, sector, forms, level, and the trainee's own scores.

Sixteen-odd rows, read once when the practice window opens: no lazy loading needed. The score
column says best and last in counts ("5 van 6 gezien, 1 te veel"), never a mark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from fieldapp.i18n import current_language, t
from fieldapp.practice.model import PracticeCase
from ui.practice.practice_vault import CaseScore, Scores

COLUMNS = (
    "ui.practice.column.title",
    "ui.practice.column.sector",
    "ui.practice.column.forms",
    "ui.practice.column.level",
    "ui.practice.column.score",
)
TITLE, SECTOR, FORMS, LEVEL, SCORE = range(len(COLUMNS))
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


def score_text(score: CaseScore) -> str:
    return t(
        "ui.practice.score.counts",
        spotted=score.spotted,
        signals=score.signals,
        over_read=score.over_read,
    )


def scores_text(scores: Scores | None) -> str:
    if scores is None or scores.last is None:
        return t("ui.practice.score.none")
    last = score_text(scores.last)
    if scores.best is None or scores.best == scores.last:
        return t("ui.practice.score.last", score=last)
    return t("ui.practice.score.best_last", best=score_text(scores.best), last=last)


class CasesModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cases: list[PracticeCase] = []
        self._scores: dict[str, Scores] = {}

    def set_cases(self, cases: Sequence[PracticeCase], scores: Mapping[str, Scores]) -> None:
        self.beginResetModel()
        self._cases = list(cases)
        self._scores = dict(scores)
        self.endResetModel()

    def set_scores(self, scores: Mapping[str, Scores]) -> None:
        self._scores = dict(scores)
        if self._cases:
            self.dataChanged.emit(self.index(0, SCORE), self.index(len(self._cases) - 1, SCORE), [])

    def clear(self) -> None:
        self.set_cases([], {})

    def case(self, row: int) -> PracticeCase | None:
        return self._cases[row] if 0 <= row < len(self._cases) else None

    def row_of(self, case_id: str) -> int:
        return next((row for row, case in enumerate(self._cases) if case.id == case_id), -1)

    # -- the model -----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return t(COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> str | None:
        if not index.isValid() or index.parent().isValid():
            return None
        case = self.case(index.row())
        if case is None or not 0 <= index.column() < len(COLUMNS):
            return None
        if role == CASE_ID_ROLE:
            return case.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(case, index.column())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{t(COLUMNS[index.column()])}: {self._text(case, index.column())}"
        return None

    def _text(self, case: PracticeCase, column: int) -> str:
        if column == TITLE:
            return str(getattr(case.title, current_language()))
        if column == SECTOR:
            return t(f"sector.{case.sector.value}")
        if column == FORMS:
            return ", ".join(t(f"form.{form}") for form in case.forms)
        if column == LEVEL:
            return t(f"practice.level.{case.level}")
        return scores_text(self._scores.get(case.id))
