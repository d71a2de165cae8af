"""A tree model's ``parent()`` without an argument is its QObject parent, as on every QObject.

The clusters model once declared ``parent(index=QModelIndex())``: asked for its owner, it
answered with an empty index (mypy found the override that hid ``QObject.parent``).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject
from pytestqt.qtbot import QtBot

from ui.coordinator.links_view import ClustersModel
from ui.visit.checklist_model import ChecklistModel


def test_parent_without_an_argument_is_the_owner(qtbot: QtBot) -> None:
    owner = QObject()
    for model in (ClustersModel(owner), ChecklistModel(None, owner)):
        assert model.parent() is owner
        assert model.parent(QModelIndex()) == QModelIndex()
