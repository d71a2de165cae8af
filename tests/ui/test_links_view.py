"""The linked cases tab: a lazy cluster -> visits tree that passes the model tester, refresh on
a worker with a busy state, the why-linked panel, and Enter opening a visit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from fieldapp.demo import demo_visits
from fieldapp.domain import Address, PersonRole, Role, Sector
from fieldapp.inputs import NewVisit, PersonInput, SiteInput, VisitInput
from fieldapp.store.store import Store
from fieldapp.validate import moment
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from ui.coordinator.links_view import (
    CLUSTER_ROLE,
    VISIT_PAGE,
    VISIT_ROLE,
    ClustersModel,
    LinksView,
)
from ui.runner import InlineRunner, Runner

SAME_ADDRESS_VISITS = VISIT_PAGE + 30


class ManualRunner:
    """Keeps each job until the test runs it: the busy state can be seen in between."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None], Callable[[Any], None]]] = []

    def run(self, job: Callable[[], Any], on_done: Callable[[Any], None], on_error: Any) -> None:
        self.jobs.append((job, on_done, on_error))

    def finish(self) -> None:
        job, on_done, on_error = self.jobs.pop(0)
        try:
            result = job()
        except BaseException as exc:
            on_error(exc)
        else:
            on_done(result)

    def wait(self) -> None:
        return None


def _visit(name: str, started: str, *, postcode: str, number: str, phone: str) -> NewVisit:
    return NewVisit(
        site=SiteInput(
            name=name,
            sector=Sector.CAR_WASH,
            address=Address(street="Havenstraat", number=number, postcode=postcode, place="Venlo"),
            municipality="Venlo",
            phones=(phone,),
        ),
        visit=VisitInput(started_at=moment(started, "started_at"), agencies=("NLA",)),
        persons=(("A", PersonInput("Werknemer A", PersonRole.POSSIBLE_VICTIM)),),
    )


@pytest.fixture
def coordinator(tmp_path: Path) -> Iterator[Vault]:
    vault = Vault.create(tmp_path / "coordinator", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    store = Store(vault)
    # One address written three ways, visited by many: the biggest cluster.
    numbers = ("7", "7 ", "07")
    store.record_visits(
        _visit(
            f"Wasstraat {index}",
            f"2025-{index % 12 + 1:02d}-03T10:00:00+01:00",
            postcode="5911 AB" if index % 2 else "5911ab",
            number=numbers[index % 3],
            phone=f"+31 77 {1_000_000 + index}",
        )
        for index in range(SAME_ADDRESS_VISITS)
    )
    # Two sites that share only a phone number.
    store.record_visit(
        _visit(
            "Poetsbedrijf Maas",
            "2025-02-01T10:00:00+01:00",
            postcode="5912 AA",
            number="1",
            phone="06-55554444",
        )
    )
    store.record_visit(
        _visit(
            "Glansservice Noord",
            "2025-04-01T10:00:00+01:00",
            postcode="5913 BB",
            number="2",
            phone="+31 6 5555 4444",
        )
    )
    store.record_visits(demo_visits(20, seed=5))
    yield vault
    vault.lock()


@pytest.fixture
def view(qtbot, coordinator: Vault) -> LinksView:
    widget = LinksView(coordinator, InlineRunner())
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _expand_first(view: LinksView) -> QModelIndex:
    first = view.model.index(0, 0)
    view.tree.expand(first)  # the view fetches the first page of visits
    return first


def test_the_model_passes_the_model_tester(qtmodeltester, view: LinksView) -> None:
    model = ClustersModel()
    qtmodeltester.check(model)  # empty
    assert view.last_result is not None
    model.set_clusters(view.last_result.clusters, Store(view.vault).visit_summaries)
    qtmodeltester.check(model)
    model.clear()
    qtmodeltester.check(model)


def test_clusters_load_with_why_they_are_linked(view: LinksView) -> None:
    model = view.model
    assert model.total == model.rowCount() >= 2
    biggest = model.cluster(model.index(0, 0))
    assert biggest is not None
    assert biggest.visits == SAME_ADDRESS_VISITS and biggest.link_types[0] == "address"
    row = model.data(model.index(0, 0))
    assert row.startswith(f"Dit adres: {SAME_ADDRESS_VISITS} bezoeken, 1 dienst, 12 maanden")
    newest = model.cluster(model.index(0, 0)).visit_uuids[0]
    site = Store(view.vault).visit_summaries([newest])[0].site_name
    assert row.endswith(f"— {site}, Venlo")  # which business it is
    assert model.data(model.index(0, 1)) is None  # cluster rows span the first column
    assert view.tree.isFirstColumnSpanned(0, QModelIndex())
    phone = next(
        model.cluster(model.index(row, 0))
        for row in range(model.rowCount())
        if model.cluster(model.index(row, 0)).link_types == ("phone",)
    )
    assert phone.visits == 2 and phone.possible_victims == 2
    assert "zojuist bijgewerkt" in view.status.text()  # the keys were stale: refreshed
    detail = view.detail.text()  # the first cluster is chosen
    assert "Gekoppeld via: adres" in detail
    assert "Diensten: Nederlandse Arbeidsinspectie" in detail  # agency_name.nla


def test_visits_load_a_page_at_a_time(view: LinksView) -> None:
    model = view.model
    assert model.page_loads == 0  # ids only until a visit row is shown
    first = model.index(0, 0)
    assert model.rowCount(first) == SAME_ADDRESS_VISITS
    last = model.index(SAME_ADDRESS_VISITS - 1, 0, first)
    uuid = model.data(last, VISIT_ROLE)
    assert uuid == model.cluster(first).visit_uuids[-1] and model.page_loads == 0
    assert model.data(model.index(SAME_ADDRESS_VISITS - 1, 1, first)).startswith("Wasstraat ")
    assert model.page_loads == 1
    model.data(model.index(VISIT_PAGE, 2, first))
    assert model.page_loads == 1  # the same page
    model.data(model.index(0, 1, first))
    assert model.page_loads == 2 and model.cached_pages == 2
    assert model.data(last, CLUSTER_ROLE) == 0

    view.tree.expand(first)  # drawn: the first page is read (cached already)
    assert model.page_loads == 2


def test_a_large_cluster_shows_its_newest_visits_and_counts_the_rest(
    qtbot, qtmodeltester, view: LinksView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.coordinator.links_view.MAX_VISIT_ROWS", 50)
    model = ClustersModel()
    model.set_clusters(list(view.last_result.clusters), Store(view.vault).visit_summaries)
    qtmodeltester.check(model)
    first = model.index(0, 0)
    assert model.rowCount(first) == 51
    more = model.index(50, 0, first)
    assert model.data(more) == (
        f"… en nog {SAME_ADDRESS_VISITS - 50} oudere bezoeken (hier staan de nieuwste 50)"
    )
    assert model.data(more, VISIT_ROLE) is None and model.data(more.siblingAtColumn(1)) is None
    assert model.data(model.index(49, 0, first), VISIT_ROLE) == model.cluster(first).visit_uuids[49]

    view.model.set_clusters(list(view.last_result.clusters), Store(view.vault).visit_summaries)
    view.tree.expand(view.model.index(0, 0))
    view.tree.setCurrentIndex(view.model.index(50, 0, view.model.index(0, 0)))
    with qtbot.assertNotEmitted(view.open_visit_requested):
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)


def test_a_visit_gone_since_is_shown_as_such(view: LinksView) -> None:
    """Erased after the clusters were found: the loader no longer finds it."""
    model = ClustersModel()
    model.set_clusters(list(view.last_result.clusters), lambda ids: [])
    row = model.index(3, 0, model.index(0, 0))
    assert model.data(row) == "(verwijderd)"
    assert model.data(row.siblingAtColumn(1)) == ""
    assert model.data(row, VISIT_ROLE) == view.last_result.clusters[0].visit_uuids[3]


def test_enter_and_double_click_open_the_visit(qtbot, view: LinksView) -> None:
    first = _expand_first(view)
    visit_index = view.model.index(2, 0, first)
    view.tree.setCurrentIndex(visit_index)
    expected = view.model.data(visit_index, VISIT_ROLE)
    view.tree.setFocus()
    with qtbot.waitSignal(view.open_visit_requested) as opened:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert opened.args == [expected]

    with qtbot.waitSignal(view.open_visit_requested) as opened:
        view.tree.activated.emit(visit_index)  # what a double-click does
    assert opened.args == [expected]

    # Enter on a cluster row opens or closes it; no visit is asked for.
    view.tree.setCurrentIndex(first)
    with qtbot.assertNotEmitted(view.open_visit_requested):
        qtbot.keyClick(view.tree, Qt.Key.Key_Enter)
    assert not view.tree.isExpanded(first)
    qtbot.keyClick(view.tree, Qt.Key.Key_Enter)
    assert view.tree.isExpanded(first)


def test_refresh_runs_on_the_runner_with_a_busy_state(qtbot, coordinator: Vault) -> None:
    runner = ManualRunner()
    widget = LinksView(coordinator, runner)
    qtbot.addWidget(widget)
    assert widget.busy and not widget.refresh_button.isEnabled()
    assert widget.status.text() == "Koppelingen worden bijgewerkt…"
    widget.refresh(force=True)
    assert len(runner.jobs) == 1  # one at a time
    with qtbot.waitSignal(widget.busy_changed) as changed:
        runner.finish()
    assert changed.args == [False]
    assert not widget.busy and widget.refresh_button.isEnabled() and widget.model.total >= 2
    assert widget.last_result is not None and widget.last_result.refreshed is not None

    qtbot.mouseClick(widget.refresh_button, Qt.MouseButton.LeftButton)
    assert widget.busy and len(runner.jobs) == 1
    runner.finish()
    assert widget.last_result.refreshed is not None  # forced, though nothing changed


def test_on_a_worker_thread(qtbot, coordinator: Vault) -> None:
    """The real runner: keys and clusters on the worker's own connection (the GUI thread's
    connection refuses use from another thread), the result on the GUI thread."""
    runner = Runner()
    try:
        widget = LinksView(coordinator, runner)
        qtbot.addWidget(widget)
        assert widget.busy
        qtbot.waitUntil(lambda: not widget.busy, timeout=60_000)
        assert widget.message.text() == ""
        assert widget.model.total >= 2 and widget.last_result.refreshed is not None
        assert widget.model.data(widget.model.index(0, 0)).startswith("Dit adres")
    finally:
        runner.wait()


def test_a_result_after_clear_is_dropped(qtbot, coordinator: Vault) -> None:
    runner = ManualRunner()
    widget = LinksView(coordinator, runner)
    qtbot.addWidget(widget)
    widget.clear()
    runner.finish()
    assert widget.model.rowCount() == 0 and widget.last_result is None
    assert not widget.busy


def test_a_field_vault_says_the_tab_is_for_coordinators(qtbot, tmp_path: Path) -> None:
    field = Vault.create(tmp_path / "field", PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
    try:
        widget = LinksView(field, InlineRunner())
        qtbot.addWidget(widget)
        assert "alleen in een coördinatorkluis" in widget.message.text()
        assert widget.model.rowCount() == 0 and not widget.busy
    finally:
        field.lock()


def test_renders_offscreen(view: LinksView, tmp_path: Path) -> None:
    _expand_first(view)
    view.tree.setCurrentIndex(view.model.index(0, 0))
    image = view.grab().toImage()
    assert not image.isNull() and image.width() >= 1000
    # Not one flat colour: the tree, the texts and the panel were drawn.
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 5
    target = tmp_path / "links.png"
    assert view.grab().save(str(target))
    assert target.stat().st_size > 1000
