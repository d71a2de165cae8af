"""Practice mode on the desktop (issue 17): the practice vault beside the real one, the banner
on every screen, a case's scenario beside the real visit editor, the debrief and the scores,
reset, and room on a 1280x800 tablet at 150 % (853x533 logical pixels)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from fieldapp import i18n
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.domain import ObservationStatus, Role
from fieldapp.inputs import ObservationInput
from fieldapp.practice.loader import load_case, load_cases
from fieldapp.practice.model import PracticeCase
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support.qt import unlock
from ui.main_window import MainWindow
from ui.models.visits import VisitsModel
from ui.practice.cases_model import CasesModel
from ui.practice.practice_vault import (
    PASSPHRASE_SETTING,
    CaseScore,
    Scores,
    practice_folder,
)
from ui.practice.window import CASE, DEBRIEF, LIST, PracticeWindow
from ui.views.visits import VisitsView
from ui.visit import VisitEditor
from ui.widgets import style_sheet
from ui.window_settings import SMALLEST_SCREEN

CASE_ID = "greenhouse-westland"
TITLE_BAR = 32  # what the window manager adds above a window
USABLE = QSize(SMALLEST_SCREEN.width(), SMALLEST_SCREEN.height() - TITLE_BAR)
TOUCH = 44


def _dump(store: Store) -> list[dict[str, Any]]:
    """Every visit of a vault with everything recorded in it, to compare before and after."""
    return [asdict(store.visit_detail(summary.uuid)) for summary in store.list_visits(1000)]


@pytest.fixture
def open_practice(
    qtbot, make_window: Callable[..., MainWindow], locked_vault: int
) -> Callable[[], tuple[MainWindow, PracticeWindow]]:
    def make() -> tuple[MainWindow, PracticeWindow]:
        window = make_window(editor_class=VisitEditor)
        unlock(qtbot, window)
        window.practice_action.trigger()
        practice = window.practice_window
        assert practice is not None
        qtbot.waitExposed(practice)
        return window, practice

    return make


def _case(practice: PracticeWindow, case_id: str = CASE_ID) -> PracticeCase:
    row = practice.cases_model.row_of(case_id)
    case = practice.cases_model.case(row)
    assert case is not None
    return case


def _open(practice: PracticeWindow, case_id: str = CASE_ID) -> tuple[str, dict[str, str]]:
    """Open a case as a trainee does (select it, press the button); its visit and refs."""
    practice.table.selectRow(practice.cases_model.row_of(case_id))
    practice.open_button.click()
    assert practice.current_page() == CASE
    found = practice.practice.current_visit(_case(practice, case_id))
    assert found is not None
    return found


def _record(practice: PracticeWindow, ref: str, indicator: str) -> None:
    """Record a signal as observed for the case person ``ref``, through the practice store."""
    assert practice.case is not None
    found = practice.practice.current_visit(practice.case)
    assert found is not None
    visit_uuid, refs = found
    person_uuid = next(uuid for uuid, known in refs.items() if known == ref)
    practice.practice.store.set_observation(
        visit_uuid, person_uuid, ObservationInput(indicator, ObservationStatus.OBSERVED)
    )


def test_the_action_opens_practice_in_a_practice_vault_beside_the_real_one(
    qtbot, open_practice, vault_dir: Path
) -> None:
    window, practice = open_practice()
    real = window.session.store
    before = _dump(real)

    folder = practice_folder(vault_dir)
    assert folder == vault_dir.with_name("vault-oefenen")
    assert practice.practice.is_open
    vault = practice.practice.session.vault
    assert vault is not None and vault.info.practice
    assert vault.info.role is Role.FIELD
    assert isinstance(real.setting(PASSPHRASE_SETTING), str)  # kept in the encrypted vault
    assert len(real.setting(PASSPHRASE_SETTING)) >= 40
    assert practice.cases_model.rowCount() == len(load_cases()[1])
    assert "OEFENEN" in practice.windowTitle()

    _open(practice)
    _record(practice, "A", "NLA-05")
    practice.debrief_button.click()
    practice.close()

    assert _dump(real) == before  # the real vault's visits are untouched
    assert not practice.practice.is_open  # closing locks the practice vault
    # The practice vault opens again with the kept passphrase, and holds the practice visit.
    reopened = window.show_practice()
    assert reopened is not None and reopened.practice.is_open
    assert reopened.practice.store.count_visits() == 1
    assert reopened.practice.scores()[CASE_ID].last is not None


def test_every_screen_shows_the_practice_banner(qtbot, open_practice) -> None:
    _window, practice = open_practice()

    def banner_shown() -> None:
        assert practice.banner.isVisible()
        assert practice.banner.text().startswith("OEFENEN — oefenkluis")
        assert practice.banner.geometry().top() < practice.pages.geometry().top()

    assert practice.current_page() == LIST
    banner_shown()
    _open(practice)
    banner_shown()
    practice.debrief_button.click()
    assert practice.current_page() == DEBRIEF
    banner_shown()


def test_the_scenario_stands_beside_the_real_visit_editor(qtbot, open_practice) -> None:
    _window, practice = open_practice()
    practice.resize(1400, 860)
    visit_uuid, refs = _open(practice)
    case = _case(practice)

    assert isinstance(practice.editor, VisitEditor)
    assert practice.editor.visit_uuid == visit_uuid
    assert practice.editor.current_step() == 0  # a real visit's first step, not where one was left
    assert practice.scenario.isVisible() and practice.editor.isVisible()
    assert practice.scenario.geometry().right() < practice.editor_holder.geometry().left()
    shown = practice.scenario_text.text()
    assert case.scenario.nl[0][:40].replace("'", "&#x27;") in shown
    for person in case.persons:
        assert person.label.nl.replace("'", "&#x27;") in shown
    assert "NLA-05" not in shown  # never the model answer
    detail = practice.practice.store.visit_detail(visit_uuid)
    assert detail.site.sector is case.sector
    assert sorted(refs.values()) == sorted(person.ref for person in case.persons)


def test_recording_the_model_signals_spots_them_all(qtbot, open_practice) -> None:
    _window, practice = open_practice()
    _open(practice)
    case = _case(practice)
    for person in case.persons:
        for signal in person.model.signals:
            _record(practice, person.ref, signal.indicator)

    practice.debrief_button.click()

    debrief = practice.debrief_view.debrief
    assert debrief is not None
    assert debrief.score.spotted == debrief.score.signals > 0
    assert debrief.score.missed == 0 and debrief.score.over_read == 0
    text = practice.debrief_view.text.toPlainText()
    first = case.persons[0].model.signals[0].indicator
    label = assessment_catalogue().get(first).label["nl"]
    assert label in text  # the catalogue's words, not only the id
    assert "Het model" in text and case.sources[0] in text
    # The score is kept in the practice vault and shown in the list.
    scores = practice.practice.scores()[CASE_ID]
    assert scores.last == CaseScore(debrief.score.signals, debrief.score.signals, 0, 0)
    practice.debrief_view.list_button.click()
    assert practice.current_page() == LIST
    row = practice.cases_model.row_of(CASE_ID)
    shown = practice.cases_model.index(row, 4).data()
    assert f"{debrief.score.signals} van {debrief.score.signals} gezien" in shown


def _tempting_case() -> tuple[PracticeCase, str, str, str]:
    """A shipped case with a tempting signal: (case, person ref, indicator, why in Dutch)."""
    for case in load_cases()[1]:
        for person in case.persons:
            for tempting in person.model.tempting:
                return case, person.ref, tempting.indicator, tempting.why.nl
    raise AssertionError("no shipped case has a tempting signal")


def test_a_wrong_signal_is_over_read_with_the_cases_reason(qtbot, open_practice) -> None:
    case, ref, indicator, why = _tempting_case()
    _window, practice = open_practice()
    _open(practice, case.id)
    _record(practice, ref, indicator)

    practice.debrief_button.click()

    debrief = practice.debrief_view.debrief
    assert debrief is not None
    person = next(item for item in debrief.persons if item.person.ref == ref)
    assert [over.indicator for over in person.over_read] == [indicator.upper()]
    assert debrief.score.over_read == 1
    text = practice.debrief_view.text.toPlainText()
    assert why in text
    assert assessment_catalogue().get(indicator).label["nl"] in text


def test_try_again_starts_a_new_visit_and_keeps_the_best_score(qtbot, open_practice) -> None:
    _window, practice = open_practice()
    first_visit, _refs = _open(practice)
    case = _case(practice)
    for signal in case.persons[0].model.signals:
        _record(practice, case.persons[0].ref, signal.indicator)
    practice.debrief_button.click()
    best = practice.practice.scores()[CASE_ID].best

    practice.debrief_view.again_button.click()
    assert practice.current_page() == CASE
    second = practice.practice.current_visit(case)
    assert second is not None and second[0] != first_visit
    practice.debrief_button.click()  # nothing recorded this time

    scores = practice.practice.scores()[CASE_ID]
    assert scores.best == best and scores.last is not None and scores.last.spotted == 0


def test_reset_deletes_the_practice_vault_and_makes_a_new_one(
    qtbot, open_practice, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, practice = open_practice()
    _open(practice)
    _record(practice, "A", "NLA-05")
    practice.debrief_button.click()
    old = practice.practice.session.vault
    assert old is not None
    old_id = old.info.vault_id
    old_passphrase = window.session.store.setting(PASSPHRASE_SETTING)
    asked: list[str] = []

    def yes(*args: Any, **_kwargs: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    practice.debrief_view.list_button.click()
    practice.reset_button.click()

    assert asked and "helemaal verwijderd" in asked[0]
    assert practice.current_page() == LIST
    new = practice.practice.session.vault
    assert new is not None and new.info.practice and new.info.vault_id != old_id
    assert practice.practice.store.count_visits() == 0
    assert practice.practice.scores() == {}
    assert window.session.store.setting(PASSPHRASE_SETTING) != old_passphrase
    assert practice.cases_model.rowCount() > 0
    assert (practice_folder(vault_dir) / "vault.key").exists()


def test_reset_asks_first_and_a_no_keeps_everything(
    qtbot, open_practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    _window, practice = open_practice()
    _open(practice)
    vault = practice.practice.session.vault
    assert vault is not None
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.No)
    practice.back_to_list()
    practice.reset_button.click()
    assert practice.practice.session.vault is vault
    assert practice.practice.store.count_visits() == 1


def test_a_vault_in_the_practice_folder_that_is_not_ours_is_left_alone(
    qtbot, open_practice, vault_dir: Path
) -> None:
    folder = practice_folder(vault_dir)
    Vault.create(folder, "someone else's passphrase", Role.FIELD, FAST_FOR_TESTS).lock()
    before = sorted(path.name for path in folder.iterdir())

    _window, practice = open_practice()

    assert not practice.practice.is_open
    assert practice.list_status.isVisible()
    assert "hoort niet bij deze kluis" in practice.list_status.text()
    assert not practice.practice.can_reset()
    assert sorted(path.name for path in folder.iterdir()) == before


def test_locking_the_real_vault_closes_practice(qtbot, open_practice) -> None:
    window, practice = open_practice()
    _open(practice)
    window.lock()
    assert window.practice_window is None
    assert not practice.practice.is_open


def test_the_case_list_model_passes_the_model_tester(qtmodeltester) -> None:
    model = CasesModel()
    _set, cases = load_cases()
    best, last = CaseScore(6, 5, 1, 1), CaseScore(6, 3, 3, 0)
    model.set_cases(cases, {cases[0].id: Scores(best, last), cases[1].id: Scores(last, last)})
    qtmodeltester.check(model)
    assert model.index(0, 4).data() == (
        "beste: 5 van 6 gezien, 1 te veel; laatst: 3 van 6 gezien, 0 te veel"
    )
    assert model.index(1, 4).data() == "laatst: 3 van 6 gezien, 0 te veel"
    assert model.index(2, 4).data() == "nog niet geoefend"
    assert model.index(0, 1).data() == i18n.t(f"sector.{cases[0].sector.value}")
    assert model.index(0, 0).data() == cases[0].title.nl
    model.clear()
    qtmodeltester.check(model)


def _fits(widget: QWidget, name: str) -> None:
    QApplication.processEvents()
    needed = widget.minimumSize().expandedTo(widget.minimumSizeHint())
    assert needed.width() <= USABLE.width(), f"{name} needs {needed.width()} px wide"
    assert needed.height() <= USABLE.height(), f"{name} needs {needed.height()} px high"


def _small_targets(root: QWidget) -> list[str]:
    return [
        f"{button.objectName() or button.text()}: {button.height()} px"
        for button in root.findChildren(QPushButton)
        if button.isVisible() and button.height() < TOUCH
    ]


@pytest.mark.parametrize("large_touch", [False, True])
def test_practice_fits_a_tablet_at_150_percent(qtbot, open_practice, large_touch: bool) -> None:
    window, practice = open_practice()
    window.set_large_touch(large_touch)
    assert practice.large_touch is large_touch
    practice.resize(USABLE)
    _fits(practice, "case list")
    _open(practice)
    QApplication.processEvents()
    _fits(practice, "case")
    # Too narrow for both: one at a time, by two buttons above, each with the whole height.
    assert practice.is_narrow()
    assert practice.show_scenario_button.isVisible() and practice.show_editor_button.isVisible()
    assert practice.editor_holder.isVisible() and not practice.scenario.isVisible()
    practice.show_scenario_button.click()
    QApplication.processEvents()
    assert practice.scenario.isVisible() and not practice.editor_holder.isVisible()
    assert practice.scenario.width() > USABLE.width() * 0.8
    practice.activateWindow()
    qtbot.waitUntil(practice.isActiveWindow)
    qtbot.keyClick(practice.focusWidget() or practice, Qt.Key.Key_F6)
    assert practice.editor_holder.isVisible() and not practice.scenario.isVisible()
    if large_touch:
        assert _small_targets(practice.pages.widget(CASE)) == []
    practice.debrief_button.click()
    _fits(practice, "debrief")
    if large_touch:
        assert _small_targets(practice.pages.widget(DEBRIEF)) == []
        practice.debrief_view.list_button.click()
        assert _small_targets(practice.pages.widget(LIST)) == []


def test_the_practice_screens_in_english(qtbot, open_practice) -> None:
    window, practice = open_practice()
    practice.close()  # one practice window, and one opening of the practice vault, at a time
    i18n.set_language("en")
    try:
        english = PracticeWindow(
            window.session.store,
            window.session.folder,
            runner=window.runner,
            editor_class=VisitEditor,
            catalogue=assessment_catalogue(),
            parent=window,
        )
        qtbot.addWidget(english)
        assert english.banner.text().startswith("PRACTICE — practice vault")
        assert "PRACTICE" in english.windowTitle()
        _open(english)
        case = load_case(CASE_ID)[1]
        assert case.scenario.en[0][:30] in english.scenario_text.text()
        english.debrief_button.click()
        assert "Debrief" in english.debrief_view.text.toPlainText()
        english.close()
    finally:
        i18n.set_language("nl")


@pytest.mark.parametrize("large_touch", [False, True])
def test_the_overview_has_a_practice_button_beside_new_visit_that_fits_a_tablet(
    qtbot, make_window, locked_vault: int, large_touch: bool
) -> None:
    """The overview's "Oefenen…" is the main window's own action (the menu item), so it opens
    the same practice window; beside "Nieuw bezoek", as tall, and the row still fits 853 px."""
    window = make_window(editor_class=VisitEditor)
    unlock(qtbot, window)
    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(style_sheet(large_touch))
    view = VisitsView(
        window.visits_model, window.new_visit_action, practice_action=window.practice_action
    )
    view.setParent(host)
    view.set_large_touch(large_touch)
    host.resize(USABLE)
    view.resize(USABLE)
    host.show()
    qtbot.waitExposed(host)
    _fits(view, "visits list with the practice button")
    button, new = view.practice_button, view.new_button
    assert button is not None and new is not None
    assert button.isVisible() and button.text() == "Oefenen"
    assert button.accessibleName() == "Oefenen"
    assert button.height() >= TOUCH and button.height() == new.height()
    assert new.geometry().right() < button.geometry().left()
    assert button.geometry().right() <= view.width()

    button.click()

    assert window.practice_window is not None
    qtbot.waitExposed(window.practice_window)
    assert window.practice_window.practice.is_open


def test_the_overview_without_a_practice_action_has_no_practice_button(qtbot) -> None:
    """The coordinator's merged list and any other list built without it: no button."""
    view = VisitsView(VisitsModel(), None)
    qtbot.addWidget(view)
    assert view.practice_button is None


def test_the_debrief_shows_what_was_missed_and_over_read_before_what_was_spotted(
    qtbot, open_practice
) -> None:
    """On a tablet the first screen holds the score and a few lines: what to look at again
    (missed, over-read, each with why) comes before the list of what went right."""
    _window, practice = open_practice()
    _open(practice)
    case = _case(practice)
    first, *rest = case.persons[0].model.signals
    for signal in rest:
        _record(practice, case.persons[0].ref, signal.indicator)
    tempting = case.persons[0].model.tempting[0]
    _record(practice, case.persons[0].ref, tempting.indicator)

    practice.debrief_button.click()

    text = practice.debrief_view.text.toPlainText()
    missed = text.index(first.why.nl)
    over_read = text.index(tempting.why.nl)
    spotted = text.index(i18n.t("practice.debrief.spotted", count=len(rest)))
    assert text.index("Score:") < missed
    assert missed < over_read < spotted
