"""What the flat list models share: the roles that carry a row's text, the flags of a row, and
how a column is aligned."""

from __future__ import annotations

from PySide6.QtCore import Qt

TEXT_ROLES = frozenset(
    {
        int(Qt.ItemDataRole.DisplayRole),
        int(Qt.ItemDataRole.AccessibleTextRole),
        int(Qt.ItemDataRole.ToolTipRole),  # the whole text where a column cuts it off
    }
)
ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


def alignment(numeric: bool) -> int:
    """Counts right-aligned so their digits line up; text left-aligned."""
    horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
