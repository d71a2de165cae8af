"""The workspace's tabs, in order, and what a tab offers the workspace.

Each tab's class is reached through a small loader function holding a real ``import``: the
tab's module (and the core code behind it: link keys, statistics, exports, retention) loads
when the tab is first shown, not when the workspace opens. Measured: opening the workspace
with every tab module imported up front loaded 195 modules instead of 33 and took about twice
as long (docs/ARCHITECTURE.md 4.4). A renamed or missing tab class fails
``tests/ui/test_workspace.py``, which calls every loader; nothing falls back to a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QWidget

    from fieldapp.store.filters import VisitFilter
    from fieldapp.vault.vault import Vault
    from ui.runner import JobRunner


@runtime_checkable
class WorkspaceTab(Protocol):
    """What every tab's view offers the workspace: it is a ``QWidget`` made by its class as
    ``View(vault, runner, parent)`` (:class:`TabView`), and :meth:`clear` empties it when the
    workspace closes (Esc, the close button, the lock), so nothing of the vault stays shown.
    A view may offer more, each connected when it does: :class:`OpensVisits`,
    :class:`FollowsLargeTouch`, :class:`ReadsMergedFilter`."""

    def clear(self) -> None: ...


@runtime_checkable
class OpensVisits(Protocol):
    """A tab listing visits: the workspace has the main window open the one asked for."""

    open_visit_requested: SignalInstance  # a visit id


@runtime_checkable
class FollowsLargeTouch(Protocol):
    def set_large_touch(self, enabled: bool) -> None: ...


@runtime_checkable
class ReadsMergedFilter(Protocol):
    """A tab that works on what the merged picture's filters show (the exports)."""

    def set_filter_source(self, source: Callable[[], VisitFilter | None] | None) -> None: ...


class TabView(Protocol):
    """A tab's class."""

    def __call__(
        self, vault: Vault, runner: JobRunner, parent: QWidget | None = None
    ) -> QWidget: ...


class Tab(NamedTuple):
    load: Callable[[], TabView]  # one of the loaders below
    title_key: str


# -- the tabs' classes, each imported when its tab is first shown --------------------------


def _merged_visits() -> TabView:
    from ui.coordinator.visits_view import MergedVisitsView  # noqa: PLC0415 - loads when its tab is first shown

    return MergedVisitsView


def _links() -> TabView:
    from ui.coordinator.links_view import LinksView  # noqa: PLC0415 - loads when its tab is first shown

    return LinksView


def _followup() -> TabView:
    from ui.coordinator.followup_view import FollowUpView  # noqa: PLC0415 - loads when its tab is first shown

    return FollowUpView


def _dashboard() -> TabView:
    from ui.coordinator.dashboard import DashboardView  # noqa: PLC0415 - loads when its tab is first shown

    return DashboardView


def _exports() -> TabView:
    from ui.coordinator.exports_view import ExportsView  # noqa: PLC0415 - loads when its tab is first shown

    return ExportsView


def _retention() -> TabView:
    from ui.coordinator.retention_view import RetentionView  # noqa: PLC0415 - loads when its tab is first shown

    return RetentionView


TABS: tuple[Tab, ...] = (
    Tab(_merged_visits, "ui.workspace.tab.visits"),
    Tab(_links, "ui.workspace.tab.links"),
    Tab(_followup, "ui.workspace.tab.followup"),
    Tab(_dashboard, "ui.workspace.tab.dashboard"),
    Tab(_exports, "ui.workspace.tab.exports"),
    Tab(_retention, "ui.workspace.tab.retention"),
)
