"""The visit editor: site, persons, signal checklist, live assessment and attachments."""

from ui.visit.editor import SHORTCUTS, VisitEditor

__all__ = ["SHORTCUTS", "VisitEditor"]
