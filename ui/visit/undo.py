"""Undo for the visit editor, without Qt.

Every change the editor commits to the vault pushes one :class:`Change`: a description and a
function that puts the previous value back (itself committed at once, like any change). Undo
pops the newest change and runs it. There is no redo: in the field an accidental undo is fixed
by doing the change again, which is one key press.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change. ``what`` names it for the user (a message key and parameters);
    ``target`` tells the editor where to put the focus back (for example
    ``("observation", person_uuid, indicator_id)``)."""

    what: str
    revert: Callable[[], None]
    target: tuple[Any, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


class UndoHistory:
    """The newest ``limit`` changes, newest last."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._changes: list[Change] = []

    def push(self, change: Change) -> None:
        self._changes.append(change)
        if len(self._changes) > self._limit:
            del self._changes[0]

    @property
    def can_undo(self) -> bool:
        return bool(self._changes)

    def peek(self) -> Change | None:
        return self._changes[-1] if self._changes else None

    def __len__(self) -> int:
        return len(self._changes)

    def undo(self) -> Change | None:
        """Revert the newest change and return it (None: nothing to undo). When reverting
        fails the change stays on the history and the error propagates, so the user can try
        again once the cause is fixed."""
        if not self._changes:
            return None
        change = self._changes[-1]
        change.revert()
        self._changes.pop()
        return change

    def clear(self) -> None:
        self._changes.clear()
