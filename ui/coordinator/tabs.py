"""The workspace's tabs, in order: (module, class, title key). Each class is a QWidget made as
``View(vault, runner, parent)`` and is imported only when its tab is first shown, so opening
the workspace costs one tab, not five."""

from __future__ import annotations

TABS: tuple[tuple[str, str, str], ...] = (
    ("ui.coordinator.visits_view", "MergedVisitsView", "ui.workspace.tab.visits"),
    ("ui.coordinator.links_view", "LinksView", "ui.workspace.tab.links"),
    ("ui.coordinator.followup_view", "FollowUpView", "ui.workspace.tab.followup"),
    ("ui.coordinator.dashboard", "DashboardView", "ui.workspace.tab.dashboard"),
    ("ui.coordinator.exports_view", "ExportsView", "ui.workspace.tab.exports"),
    ("ui.coordinator.retention_view", "RetentionView", "ui.workspace.tab.retention"),
)
