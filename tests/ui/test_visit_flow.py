"""The visit in four steps (issue 14): the step bar and its keys, every step fitting a tablet
at 150% in normal and touch mode, quick choices for a person, the Afronden step, and the
defects found on the real app, each driven as a user does (keys into the focused widget, or
the open list of suggestions; clicks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QScroller,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.presentation import meaning_groups, shortlist
from fieldapp.countries import country_choices, following_languages, frequent_countries
from fieldapp.domain import (
    Address,
    AgeBand,
    Consent,
    ObservationStatus,
    PersonRole,
    Sector,
    VisitStatus,
)
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.store.store import Store
from tests.support.qt import focused, press, type_text
from ui.visit import SHORTCUTS, VisitEditor
from ui.visit.checklist_model import INDICATOR_ROLE, STATE_ROLE, STATUS_COLUMN
from ui.visit.fields import ElidedLabel
from ui.visit.steps import FINISH, LOCATION, PERSONS, SIGNALS, STEPS
from ui.widgets import style_sheet

PASSPORT = "ILO-CD-01"
TABLET = QSize(853, 533)  # 1280×800 at 150%, in logical pixels
LAPTOP = QSize(1366, 768)
TOUCH = 44


@pytest.fixture
def open_editor(
    qtbot, store: Store, catalogue: Catalogue
) -> Iterator[Callable[..., tuple[VisitEditor, QWidget]]]:
    """An editor inside a host styled as the main window styles it (touch mode adds the
    window's large-touch sheet), shown at a size, active so keys go where a user's would."""
    made: list[tuple[VisitEditor, QWidget]] = []

    def make(
        visit_uuid: str | None = None, *, size: QSize = LAPTOP, touch: bool = False
    ) -> tuple[VisitEditor, QWidget]:
        uuid = visit_uuid or VisitEditor.start_new_visit(store, catalogue)
        host = QWidget()
        host.setStyleSheet(style_sheet(touch))
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        editor = VisitEditor(store, catalogue, uuid)
        layout.addWidget(editor)
        editor.set_large_touch(touch)
        host.resize(size)
        host.show()
        qtbot.waitExposed(host)
        host.activateWindow()
        qtbot.waitUntil(host.isActiveWindow)
        made.append((editor, host))
        return editor, host

    yield make
    for editor, host in made:  # cleared before the vault locks, then the window goes
        editor.clear()
        host.close()
        host.deleteLater()


def detail(store: Store, editor: VisitEditor):
    return Store(store.vault).visit_detail(editor.visit_uuid)


def signals_on_a_tablet(
    open_editor: Callable[..., tuple[VisitEditor, QWidget]], store: Store, catalogue: Catalogue
) -> tuple[VisitEditor, str]:
    """A greenhouse visit with person A, open on Signalen at 853x533 in touch mode; A's id."""
    visit = a_visit(store, catalogue)
    person = store.add_person(visit, PersonInput(label="A"))
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    editor.go_to_step(SIGNALS)
    QApplication.processEvents()
    return editor, person


def a_visit(store: Store, catalogue: Catalogue, *, name: str = "Kas Zuidweg") -> str:
    return store.record_visit(
        NewVisit(
            SiteInput(name=name, sector=Sector.AGRICULTURE),
            VisitInput(started_at="2026-05-04T08:00:00Z"),
        ),
        catalogue.version,
    )


# -- the steps ---------------------------------------------------------------------------


def test_four_steps_by_tap_and_by_keyboard(qtbot, open_editor) -> None:
    editor, _host = open_editor()
    bar = editor.steps
    assert [b.text() for b in bar.buttons] == [
        "1  Locatie",
        "2  Personen (0)",
        "3  Signalen (0)",
        "4  Afronden",
    ]
    assert editor.current_step() == LOCATION  # a new visit starts at the site's name
    assert QApplication.focusWidget() is editor.site_form.edits["name"]
    assert bar.buttons[LOCATION].isChecked()

    qtbot.mouseClick(bar.buttons[SIGNALS], Qt.MouseButton.LeftButton)
    assert editor.current_step() == SIGNALS and bar.buttons[SIGNALS].isChecked()
    assert QApplication.focusWidget() is editor.checklist.filter
    assert not editor.site_form.isVisibleTo(editor)

    press(qtbot, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert editor.current_step() == PERSONS
    assert QApplication.focusWidget() is editor.add_person_button  # no one yet
    press(qtbot, Qt.Key.Key_Return)  # Return on the button adds the first person
    assert [p.label for p in detail(editor.controller.store, editor).persons] == ["A"]
    assert bar.buttons[PERSONS].text() == "2  Personen (1)"

    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_step() == SIGNALS
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_step() == FINISH
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_step() == FINISH  # the last stays
    press(qtbot, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_step() == SIGNALS
    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert editor.current_step() == LOCATION

    # Ctrl+F goes to the signals, wherever one is; the count follows what is observed.
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_step() == SIGNALS
    type_text(qtbot, "paspoort")
    press(qtbot, Qt.Key.Key_Return)
    assert bar.buttons[SIGNALS].text() == "3  Signalen (1)"
    keys = [keys for keys, _ in SHORTCUTS]
    assert "Alt+1…4" in keys and "Ctrl+PgDown / PgUp" in keys


def test_return_at_the_end_of_a_step_moves_on(qtbot, open_editor, store: Store) -> None:
    editor, _host = open_editor()
    type_text(qtbot, "Kas Zuidweg")
    press(qtbot, Qt.Key.Key_Return)  # name -> postcode -> place -> sector
    type_text(qtbot, "2675AB")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "Monster")
    press(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is editor.site_form.sector
    press(qtbot, Qt.Key.Key_Return)  # the end of the place: on to the persons
    assert editor.current_step() == PERSONS
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    form = editor.person_form
    assert QApplication.focusWidget() is form.sex.button_for("unknown")
    press(qtbot, Qt.Key.Key_Right)  # -> man (the row wraps around)
    press(qtbot, Qt.Key.Key_Right)  # -> vrouw
    press(qtbot, Qt.Key.Key_Return)  # chosen, on to the age band
    assert QApplication.focusWidget() in form.age_band.buttons
    press(qtbot, Qt.Key.Key_Right)
    press(qtbot, Qt.Key.Key_Right)
    press(qtbot, Qt.Key.Key_Right)
    press(qtbot, Qt.Key.Key_Right)  # 0-11, 12-15, 16-17, 18-24, 25-39
    press(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.nationality
    type_text(qtbot, "Pol")
    press(qtbot, Qt.Key.Key_Return)  # the list picks Polen (the first containing it)
    if QApplication.focusWidget() is not form.languages:
        press(qtbot, Qt.Key.Key_Return)  # the list took the first Return
    assert QApplication.focusWidget() is form.languages
    assert form.languages.text() == "Pools"  # followed the nationality
    press(qtbot, Qt.Key.Key_Return)  # the end of the person: on to their signals
    assert editor.current_step() == SIGNALS
    assert QApplication.focusWidget() is editor.checklist.filter
    person = detail(store, editor).persons[0]
    assert person.sex.value == "f" and person.age_band.value == "25-39"
    assert person.nationality == "PL" and person.languages == ("pl",)
    assert editor.checklist.person_button.isChecked()


@pytest.fixture
def patient_typing() -> Iterator[None]:
    """Keys typed together stay one search however slowly a loaded machine sends them."""
    interval = QApplication.keyboardInputInterval()
    QApplication.setKeyboardInputInterval(60_000)
    yield
    QApplication.setKeyboardInputInterval(interval)


def test_a_choice_is_typed_a_letter_or_an_age(
    qtbot, open_editor, store: Store, patient_typing
) -> None:
    editor, _host = open_editor()
    editor.go_to_step(PERSONS)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    form = editor.person_form
    type_text(qtbot, "v")  # vrouw: the focus moves, Return chooses as after an arrow
    assert QApplication.focusWidget() is form.sex.button_for("f")
    assert detail(store, editor).persons[0].sex.value == "unknown"
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "30")  # an age: its band
    assert QApplication.focusWidget() is form.age_band.button_for("25-39")
    press(qtbot, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.nationality
    person = detail(store, editor).persons[0]
    assert person.sex.value == "f" and person.age_band.value == "25-39"
    # A minor's age, and a word where no label starts with it: the focus stays.
    form.age_band.button_for("25-39").setFocus()
    type_text(qtbot, "16")
    assert QApplication.focusWidget() is form.age_band.button_for("16-17")
    QApplication.setKeyboardInputInterval(0)  # a new search
    type_text(qtbot, "z")
    assert QApplication.focusWidget() is form.age_band.button_for("16-17")
    press(qtbot, Qt.Key.Key_Return)
    assert detail(store, editor).persons[0].age_band.value == "16-17"


def test_on_a_tablet_a_typed_choice_comes_into_view(
    qtbot, open_editor, store: Store, patient_typing
) -> None:
    """By touch the age band may be below the fold; a keyboard on the tablet (a cover)
    types "30": the page scrolls to the chosen band, so the choice is seen."""
    editor, _host = open_editor(size=TABLET, touch=True)
    editor.go_to_step(PERSONS)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, Qt.Key.Key_Return)  # the sex as it is: on to the age band
    type_text(qtbot, "70")  # the last band, the furthest down
    band = editor.person_form.age_band.button_for("60+")
    assert QApplication.focusWidget() is band
    page = band.parentWidget()
    while not isinstance(page, QAbstractScrollArea):
        page = page.parentWidget()
    corner = band.mapTo(page.viewport(), band.rect().topLeft())
    assert page.viewport().rect().contains(QRect(corner, band.size()))


def test_on_a_tablet_the_title_keeps_the_places_name(qtbot, open_editor, store, catalogue) -> None:
    visit = a_visit(store, catalogue, name="Kwekerij Noordweg")
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    QApplication.processEvents()
    shown = editor.title.shown_text()
    assert shown != editor.title.text()  # it does not fit: shortened
    assert shown.startswith("Kwekerij Noordweg · "), shown  # was "Kwekerij N…2026 21:25"


def _header(checklist, dimension: str):
    row = checklist.model.group_row_of(dimension)
    assert row is not None
    return checklist.model.index(row, 0)


def test_by_touch_a_group_opens_with_a_tap_instead_of_twenty_swipes(
    qtbot, open_editor, store, catalogue
) -> None:
    editor, _a = signals_on_a_tablet(open_editor, store, catalogue)
    checklist, view = editor.checklist, editor.checklist.view
    # The shortlist open; each dimension a closed header saying how many it holds.
    assert view.isExpanded(checklist.model.index(0, 0))
    vulnerable = _header(checklist, "VUL_DEST")
    assert not view.isExpanded(vulnerable)
    assert vulnerable.data().startswith("▶ Misbruik van kwetsbaarheid")
    assert vulnerable.data().endswith("(10)")
    spoken = vulnerable.data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.endswith("· 10 signalen, dicht, tik om te openen")
    assert vulnerable.data(Qt.ItemDataRole.ForegroundRole) is None  # not a grey caption
    sleeps = checklist.model.index_of("POL-1-05", STATUS_COLUMN)
    assert not view.viewport().rect().contains(view.visualRect(sleeps))
    # One tap on the header: it opens at the top, its signals under it; one tap records.
    view.scrollTo(vulnerable)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(vulnerable).center()
    )
    assert view.isExpanded(vulnerable)
    assert not view.isExpanded(checklist.model.index(0, 0))  # the shortlist closed with it
    assert vulnerable.data().startswith("▼ ")
    assert view.visualRect(vulnerable).top() == 0
    assert view.visualRect(sleeps).bottom() < 2 * view.viewport().height()  # a swipe at most
    view.scrollTo(sleeps)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(sleeps).center()
    )
    held = {o.indicator_id: o.status for o in detail(store, editor).observations}
    assert held["POL-1-05"] is ObservationStatus.OBSERVED
    # Another group: the first closes, and its header still says what was recorded.
    coercion = _header(checklist, "COE_DEST")
    view.scrollTo(coercion)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(coercion).center()
    )
    assert view.isExpanded(coercion) and not view.isExpanded(vulnerable)
    assert "1 waargenomen" in vulnerable.data()
    # A second tap closes it: every part is a header now, all within a swipe.
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(coercion).center()
    )
    assert not view.isExpanded(coercion)
    view.scrollToTop()
    last = checklist.model.index(checklist.model.rowCount() - 1, 0)
    assert view.visualRect(last).bottom() < 2 * view.viewport().height()
    # The shortlist opens again with a tap on its header, as any part.
    sector = checklist.model.index(0, 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(sector).center()
    )
    assert view.isExpanded(sector)


def test_the_parts_stay_closed_until_someone_opens_one(
    qtbot, open_editor, store, catalogue
) -> None:
    """Before the sector is known nothing is chosen for the user: no part opens by itself
    (the list's first signal once opened "Misleidende werving" and it stayed open)."""
    editor, _host = open_editor()
    editor.go_to_step(SIGNALS)
    checklist, view = editor.checklist, editor.checklist.view

    def opened() -> list[str | None]:
        headers = [checklist.model.index(row, 0) for row in range(checklist.model.rowCount())]
        return [checklist.model.group_key(h.row()) for h in headers if view.isExpanded(h)]

    assert opened() in ([], ["sector"])  # a shortlist, if the sector "anders" has one
    editor.go_to_step(LOCATION)
    editor.site_form.sector.setCurrentIndex(
        editor.site_form.sector.findData(Sector.AGRICULTURE.value)
    )
    editor.site_form.sector.activated.emit(editor.site_form.sector.currentIndex())
    qtbot.waitUntil(lambda: checklist.form.currentData() == "labour")
    assert opened() == ["sector"]


def test_by_keyboard_closed_groups_open_as_the_current_signal_reaches_them(
    qtbot, open_editor, store, catalogue
) -> None:
    editor, _host = open_editor(a_visit(store, catalogue))
    editor.go_to_step(SIGNALS)
    checklist, view = editor.checklist, editor.checklist.view
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    pinned = shortlist(catalogue, "agriculture")
    assert checklist.current_indicator().id == pinned[0]
    for _ in pinned:
        press(qtbot, Qt.Key.Key_Down)
    current = view.currentIndex()
    assert current.parent().row() == 1  # the first dimension, opened by moving into it
    assert view.isExpanded(current.parent())
    # Words open every group with a match; an empty filter closes them again.
    type_text(qtbot, "schuld")
    assert all(
        view.isExpanded(checklist.model.index(row, 0)) for row in range(checklist.model.rowCount())
    )
    press(qtbot, Qt.Key.Key_Escape)
    assert not view.isExpanded(_header(checklist, "VUL_DEST"))


# -- fit: a tablet at 150%, normal and touch -------------------------------------------------


def _interactive(editor: VisitEditor) -> list[QWidget]:
    kinds = (QAbstractButton, QComboBox, QLineEdit, QTabBar, QCheckBox)
    found = []
    for widget in editor.findChildren(QWidget):
        if not widget.isVisibleTo(editor) or not isinstance(widget, kinds):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox):
            continue  # the text field inside an editable combo box: the box counts
        if isinstance(widget.parent(), QTabBar):
            continue  # a tab bar's own scroll arrows
        found.append(widget)
    return found


@pytest.mark.parametrize("touch", [False, True], ids=["normal", "touch"])
def test_every_step_fits_a_tablet_at_150_percent(qtbot, open_editor, store, catalogue, touch):
    visit = a_visit(store, catalogue, name="Distributiecentrum Venlo-Oost, hal 3 en 4")
    for label in ("Werknemer A", "Werknemer B"):
        store.add_person(visit, PersonInput(label=label))
    editor, host = open_editor(visit, size=TABLET, touch=touch)
    problems: list[str] = []
    for step, name in enumerate(STEPS):
        editor.go_to_step(step)
        QApplication.processEvents()
        hint = editor.minimumSizeHint()
        if hint.width() > TABLET.width() or hint.height() > TABLET.height():
            problems.append(f"{name}: needs {hint.width()}×{hint.height()}")
        page = editor.pages.currentWidget()
        for area in [*page.findChildren(QAbstractScrollArea), page]:
            if (
                isinstance(area, QAbstractScrollArea)
                and area.isVisibleTo(editor)
                and area.horizontalScrollBar().isVisible()
            ):
                problems.append(
                    f"{name}: {area.objectName() or type(area).__name__} scrolls sideways"
                )
        for label in page.findChildren(QLabel):
            if (
                label.isVisibleTo(editor)
                and label.text()
                and not label.wordWrap()
                and not isinstance(label, ElidedLabel)
                and label.width() < label.sizeHint().width()
            ):
                problems.append(f"{name}: label {label.text()!r} clipped")
        if editor.current_step() == SIGNALS:
            rows = editor.checklist.view.viewport().height()
            if rows < 4 * (TOUCH if touch else 14):
                problems.append(f"{name}: the list shows fewer than four rows ({rows} px)")
        if touch:
            for widget in _interactive(editor):
                if not widget.isVisibleTo(editor) or not page.isAncestorOf(widget):
                    continue
                size = widget.size()
                if size.height() < TOUCH or (
                    isinstance(widget, QAbstractButton) and size.width() < TOUCH
                ):
                    what = getattr(widget, "text", lambda: "")() or widget.objectName()
                    kind = type(widget).__name__
                    problems.append(f"{name}: {kind} {what!r} is {size.width()}×{size.height()}")
    if touch:
        for widget in (*editor.steps.buttons, editor.back_button, editor.undo_button):
            if widget.height() < TOUCH:
                problems.append(f"top: {widget.text()!r} is {widget.height()} high")
        editor.go_to_step(SIGNALS)
        QApplication.processEvents()
        index = editor.checklist.model.index_of(PASSPORT)
        editor.checklist.view.scrollTo(index)
        if editor.checklist.view.visualRect(index).height() < TOUCH:
            problems.append("signals: a list row is lower than 44 px")
    assert problems == []
    assert host.isVisible()


def test_kinetic_scrolling_everywhere(open_editor) -> None:
    editor, _host = open_editor()
    missing = [
        area.objectName() or type(area).__name__
        for area in editor.findChildren(QAbstractScrollArea)
        if area.window() is editor.window()
        and QScroller.grabbedGesture(area.viewport()) == Qt.GestureType(0)
    ]
    assert missing == []
    assert isinstance(editor.checklist.view, QAbstractItemView)
    assert editor.checklist.view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel


def test_on_a_tablet_the_assessment_takes_the_lists_place_on_request(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = a_visit(store, catalogue)
    store.add_person(visit, PersonInput(label="A"))
    editor, _host = open_editor(visit, size=TABLET)
    editor.go_to_step(SIGNALS)
    assert editor.assessment_toggle.isVisibleTo(editor)
    assert not editor.assessment.isVisibleTo(editor)
    qtbot.mouseClick(editor.assessment_toggle, Qt.MouseButton.LeftButton)
    assert editor.assessment.isVisibleTo(editor)
    assert not editor.checklist.view.isVisibleTo(editor)
    qtbot.mouseClick(editor.back_to_signals, Qt.MouseButton.LeftButton)
    assert editor.checklist.view.isVisibleTo(editor)
    # Danger now is said above the list, with the panel out of sight.
    editor.checklist.set_current("ILO-CD-04")
    editor.checklist.view.setFocus()
    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_Space)
    assert editor.acute_line.isVisibleTo(editor)
    assert editor.acute_line.text() == "Persoon A: bel 112 / politie nu"


# -- persons: quick choices ---------------------------------------------------------------


def test_sex_and_age_band_are_one_tap_and_an_exact_age_stays_possible(
    qtbot, open_editor, store: Store
) -> None:
    editor, _host = open_editor()
    editor.add_person()
    form = editor.person_form
    qtbot.mouseClick(form.sex.button_for("m"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.age_band.button_for("18-24"), Qt.MouseButton.LeftButton)
    person = detail(store, editor).persons[0]
    assert person.sex.value == "m" and person.age_band.value == "18-24"
    assert form.sex.button_for("m").isChecked() and not form.sex.button_for("f").isChecked()
    form.age.setFocus()
    form.age.selectAll()
    qtbot.keyClicks(form.age, "16")
    qtbot.keyClick(form.age, Qt.Key.Key_Return)
    person = detail(store, editor).persons[0]
    assert person.age == 16 and person.minor is True
    assert not form.age_band.isEnabled()  # the age decides
    assert QApplication.focusWidget() is form.nationality  # Return: on to the nationality


def test_nationality_lists_the_most_met_first_and_the_language_follows(
    qtbot, open_editor, store: Store
) -> None:
    common, _ = country_choices("nl")
    shown = frequent_countries()
    assert shown[:4] == ("NL", "RO", "BG", "PL")  # the sourced part of the order
    assert [code for code, _ in common[: len(shown)]] == list(shown)
    editor, _host = open_editor()
    editor.add_person()
    form = editor.person_form
    assert form.nationality.itemData(1) == shown[0]
    form.nationality.setCurrentIndex(form.nationality.findData("RO"))
    form.nationality.activated.emit(form.nationality.currentIndex())  # a tap in the list
    assert detail(store, editor).persons[0].languages == ("ro",)
    assert form.languages.text() == "Roemeens"
    form.nationality.setCurrentIndex(form.nationality.findData("MD"))
    form.nationality.activated.emit(form.nationality.currentIndex())
    assert detail(store, editor).persons[0].languages == ("ro",)  # Moldova: Romanian too
    # Chosen by the user: no longer follows.
    form.languages.setFocus()
    form.languages.selectAll()
    type_text(qtbot, "Russisch")
    press(qtbot, Qt.Key.Key_Tab)
    form.nationality.setCurrentIndex(form.nationality.findData("UA"))
    form.nationality.activated.emit(form.nationality.currentIndex())
    assert detail(store, editor).persons[0].languages == ("ru",)
    assert following_languages(None, "UA", ()) == ("uk",)
    assert following_languages("PL", "UA", ("pl",)) == ("uk",)
    assert following_languages("PL", "UA", ("pl", "en")) is None


# -- defects of issue 14, driven as a user does ------------------------------------------


@pytest.mark.parametrize(
    ("key", "where"),
    [(Qt.Key.Key_F, "filter"), (Qt.Key.Key_P, "person"), (Qt.Key.Key_1, "first person")],
)
def test_a_shortcut_while_the_language_list_is_open_keeps_the_language(
    qtbot, open_editor, store: Store, key, where
) -> None:
    editor, _host = open_editor()
    editor.add_person()
    form = editor.person_form
    form.languages.setFocus()
    type_text(qtbot, "Bulgaar")
    popup = form.languages_completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert QApplication.activePopupWidget() is popup  # the list has the keyboard
    press(qtbot, key, Qt.KeyboardModifier.ControlModifier)
    assert not popup.isVisible()
    first = detail(store, editor).persons[0]
    assert first.languages == ("bg",), where  # kept, not dropped
    if where == "filter":
        assert editor.current_step() == SIGNALS
        type_text(qtbot, "paspoort")
        assert editor.checklist.filter.text() == "paspoort"  # not "Bulgaarsp..."
    elif where == "person":
        assert [p.label for p in detail(store, editor).persons] == ["A", "B"]
    else:
        assert editor.checklist.person_button.text() == "Persoon A"
    assert form.fields["languages"].message.text() == ""


def test_an_invalid_value_is_said_when_its_person_leaves_the_screen(
    qtbot, open_editor, store: Store
) -> None:
    editor, _host = open_editor()
    editor.add_person()
    form = editor.person_form
    form.languages.setFocus()
    type_text(qtbot, "Klingon")
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert editor.status.isVisible()
    assert editor.status.text() == "Persoon A: Onbekende taal: ‘Klingon’. Niet opgeslagen."
    assert detail(store, editor).persons[0].languages == ()
    # And beside the field while it is on screen.
    editor.select_person_number(2)
    form.languages.setFocus()
    type_text(qtbot, "Klingon")
    press(qtbot, Qt.Key.Key_Return)
    assert form.fields["languages"].message.isVisible()
    assert QApplication.focusWidget() is form.languages  # kept, to be corrected


def test_the_signal_search_keeps_its_first_letter(qtbot, open_editor, store, catalogue) -> None:
    a_visit(store, catalogue, name="Kwekerij De Hoek")
    editor, _host = open_editor()
    type_text(qtbot, "Kw")  # the known places open under the name
    qtbot.waitUntil(editor.site_form.completer.popup().isVisible)
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "paspoort")
    assert editor.checklist.filter.text() == "paspoort"
    assert editor.site_form.edits["name"].text() == "Kw"


def test_a_reopened_visit_records_for_the_person_it_shows(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = a_visit(store, catalogue)
    store.add_person(visit, PersonInput(label="A", role=PersonRole.WITNESS))
    b = store.add_person(visit, PersonInput(label="B"))
    store.add_person(visit, PersonInput(label="C", role=PersonRole.EMPLOYER_MANAGER))
    store.set_observation(
        visit, b, ObservationInput(PASSPORT, ObservationStatus.OBSERVED), catalogue.version
    )
    editor, _host = open_editor(visit)
    editor.go_to_step(SIGNALS)
    # Opened on the first possible victim, not on the witness or the foreman added last.
    checklist = editor.checklist
    status = checklist.model.index_of(PASSPORT, STATUS_COLUMN)
    # The person shown and the scope agree: B, with B's signal.
    assert checklist.person_button.isChecked() and checklist.person_button.text() == "Persoon B"
    assert not checklist.everyone
    assert status.data(STATE_ROLE) == "observed"
    assert editor.assessment.title.text().endswith("persoon B")
    # Everyone: nothing recorded for everyone, so B's signal is not shown as theirs.
    press(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert checklist.everyone
    assert checklist.model.index_of(PASSPORT, STATUS_COLUMN).data(STATE_ROLE) == ""
    assert not editor.person_summary.isVisibleTo(editor)


def test_the_f1_panel_leaves_the_list_its_rows(qtbot, open_editor) -> None:
    editor, _host = open_editor(size=TABLET)
    editor.go_to_step(SIGNALS)
    QApplication.processEvents()
    view = editor.checklist.view
    row = view.visualRect(editor.checklist.model.index_of(PASSPORT)).height()
    press(qtbot, Qt.Key.Key_F1)
    QApplication.processEvents()
    assert editor.help.isVisible()
    assert editor.help.geometry().top() >= editor.steps.geometry().bottom()  # beside the step
    assert view.viewport().height() >= 6 * row  # not two rows
    assert editor.minimumSizeHint().width() <= TABLET.width()


# -- Afronden ------------------------------------------------------------------------------


def test_consent_asked_is_answered_in_the_referral_dialog_and_makes_it_final(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = store.record_visit(
        NewVisit(
            SiteInput(
                name="Kwekerij Zuidweg",
                sector=Sector.AGRICULTURE,
                address=Address(street="Zuidweg", number="12", postcode="2681AB", place="Monster"),
            ),
            VisitInput(started_at="2026-05-04T08:00:00Z"),
        ),
        catalogue.version,
    )
    a = store.add_person(
        visit,
        PersonInput(
            label="A", role=PersonRole.POSSIBLE_VICTIM, age_band=AgeBand.ADULT, nationality="PL"
        ),
    )
    store.set_observation(
        visit, a, ObservationInput(PASSPORT, ObservationStatus.OBSERVED), catalogue.version
    )
    # The police call back: with the callback number, consent is all a final one lacks.
    store.set_setting("profile", {"name": "J. de Vries", "agency": "nla", "contact": "070 1234567"})
    editor, _host = open_editor(visit)
    dialog = editor.open_referral_about(a)
    dialog.set_recipient("police")
    assert dialog.missing_lines() == [t("referral.missing.consent", label="A")]
    assert dialog.make_button.text() == t("ui.referral.dialog.make_draft")
    given = dialog.consent_buttons[(a, "given")]
    assert given.isVisibleTo(dialog) and given.text() == "&Gegeven"
    qtbot.mouseClick(given, Qt.MouseButton.LeftButton)
    person = detail(store, editor).persons[0]
    assert person.consent is Consent.GIVEN and person.consent_date  # today, as in the form
    assert dialog.outlook.final and not dialog.consent_buttons
    assert dialog.make_button.text() == t("ui.referral.dialog.make")
    assert dialog.make_button.isDefault()
    assert editor.person_form.consent.currentData() == "given"  # the details show it
    dialog.reject()
    qtbot.waitUntil(lambda: editor.referral_dialog is None)
    editor.undo()  # recorded as any change is: undoable
    assert detail(store, editor).persons[0].consent is Consent.NOT_ASKED


def test_finish_sums_up_each_person_and_what_a_final_referral_lacks(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = store.record_visit(
        NewVisit(
            SiteInput(name="", sector=Sector.AGRICULTURE),
            VisitInput(started_at="2026-05-04T08:00:00Z"),
        ),
        catalogue.version,
    )
    a = store.add_person(visit, PersonInput(label="A", role=PersonRole.POSSIBLE_VICTIM))
    store.set_observation(
        visit, a, ObservationInput(PASSPORT, ObservationStatus.OBSERVED), catalogue.version
    )
    editor, _host = open_editor(visit)
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    page = editor.finish
    assert editor.current_step() == FINISH
    [card] = page.cards
    assert card.title.text().startswith("Persoon A · Mogelijk slachtoffer")
    assert catalogue.get(PASSPORT).label["nl"] in card.signals.text()
    assert card.outcome.text().startswith("Persoon A: ")
    assert t("referral.missing.site_name") in page.visit_missing.text()
    # Beside each advised recipient, what its own final referral still lacks.
    assert t("referral.missing.nationality", label="A") in card.referrals.text()
    assert not card.missing.isVisibleTo(editor)  # said per recipient, not once more
    assert not page.discard_button.isVisibleTo(editor)  # something is recorded

    qtbot.mouseClick(card.refer_button, Qt.MouseButton.LeftButton)
    dialog = editor.referral_dialog
    assert dialog is not None and dialog.subject_uuid() == a
    dialog.reject()
    qtbot.waitUntil(lambda: editor.referral_dialog is None)

    # Remove the person: asked twice, on the card.
    card = page.cards[0]
    qtbot.mouseClick(card.delete_button, Qt.MouseButton.LeftButton)
    assert card.confirm.isVisibleTo(editor)
    assert detail(store, editor).persons != ()
    qtbot.mouseClick(card.confirm_button, Qt.MouseButton.LeftButton)
    held = detail(store, editor)
    assert held.persons == () and held.observations == ()
    assert page.cards == [] and page.no_persons.isVisibleTo(editor)
    assert editor.status.text() == "Persoon A is verwijderd."

    with qtbot.waitSignal(editor.close_requested):
        qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    closed = detail(store, editor).visit
    assert closed.status is VisitStatus.CLOSED and closed.ended_at is not None


def test_an_empty_draft_can_be_discarded(qtbot, open_editor, store: Store) -> None:
    editor, _host = open_editor()
    visit_uuid = editor.visit_uuid
    editor.go_to_step(FINISH)
    page = editor.finish
    assert page.discard_button.isVisibleTo(editor)
    with qtbot.waitSignal(editor.close_requested), qtbot.waitSignal(editor.discarded):
        qtbot.mouseClick(page.discard_button, Qt.MouseButton.LeftButton)
    assert visit_uuid not in {v.uuid for v in Store(store.vault).list_visits()}


def test_english_steps(open_editor) -> None:
    i18n.set_language("en")
    editor, _host = open_editor()
    assert [b.text() for b in editor.steps.buttons] == [
        "1  Location",
        "2  Persons (0)",
        "3  Signals (0)",
        "4  Finish",
    ]
    assert editor.finish.close_button.text() == "Close the visit"
    assert editor.person_form.sex.button_for("f").text() == "female"


# -- the inspector's report (tablet, touch) ---------------------------------------------


@pytest.mark.parametrize("switch", [Qt.Key.Key_2, Qt.Key.Key_0])
def test_a_note_being_typed_stays_with_its_person_when_a_shortcut_switches(
    qtbot, open_editor, store, catalogue, switch
) -> None:
    visit = a_visit(store, catalogue)
    a = store.add_person(visit, PersonInput(label="A"))
    b = store.add_person(visit, PersonInput(label="B"))
    store.set_observation(
        visit, a, ObservationInput(PASSPORT, ObservationStatus.OBSERVED), catalogue.version
    )
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # person A
    editor.go_to_step(SIGNALS)
    type_text(qtbot, "paspoort")
    editor.checklist.set_current(PASSPORT)
    editor.checklist.edit_note()
    assert focused() is editor.checklist.note
    type_text(qtbot, "bij de baas")
    press(qtbot, switch, Qt.KeyboardModifier.ControlModifier)  # without leaving the field
    QApplication.processEvents()
    editor.checklist.filter.setFocus()  # the note field loses the focus only now
    QApplication.processEvents()
    held = {(o.person_uuid, o.indicator_id): o for o in detail(store, editor).observations}
    assert held[(a, PASSPORT)].note == "bij de baas"
    assert (b, PASSPORT) not in held and (None, PASSPORT) not in held
    assert len(held) == 1


def test_a_witness_or_employer_is_not_handled_as_a_victim(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = a_visit(store, catalogue)
    a = store.add_person(visit, PersonInput(label="A", role=PersonRole.WITNESS))
    store.add_person(visit, PersonInput(label="B", role=PersonRole.EMPLOYER_MANAGER))
    store.set_observation(
        visit, None, ObservationInput(PASSPORT, ObservationStatus.OBSERVED), catalogue.version
    )
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    editor.go_to_step(SIGNALS)
    assert editor.checklist.everyone  # nobody who may be a victim: records for everyone
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    page = editor.finish
    passport = catalogue.get(PASSPORT).label["nl"]
    assert passport in page.visit_signals.text()  # once, above the cards
    for card in page.cards:
        assert passport not in card.signals.text()
        assert not card.duties.isVisibleTo(editor)
        assert card.role_note.isVisibleTo(editor)
    witness = next(card for card in page.cards if card.person_uuid == a)
    assert "getuige" in witness.role_note.text()


@pytest.mark.parametrize("typed", ["Bulgaars", "Bulgarian", "Roemeens"])
def test_a_tapped_nationality_takes_an_adjective(qtbot, open_editor, store, catalogue, typed):
    visit = a_visit(store, catalogue)
    a = store.add_person(visit, PersonInput(label="A"))
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    editor.go_to_step(PERSONS, focus=False)
    box = editor.person_form.nationality
    line = box.lineEdit()
    assert line is not None and box.currentText() == box.itemText(0)
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(line, typed)
    assert line.text() == typed  # not "— onbekend —Bulgaars"
    press(qtbot, Qt.Key.Key_Tab)
    [person] = [p for p in detail(store, editor).persons if p.meta.uuid == a]
    assert person.nationality == ("RO" if typed == "Roemeens" else "BG")


def test_a_double_tap_on_the_status_does_not_record_the_opposite(
    qtbot, open_editor, store, catalogue
) -> None:
    editor, a = signals_on_a_tablet(open_editor, store, catalogue)
    view = editor.checklist.view
    index = editor.checklist.model.index_of(PASSPORT, STATUS_COLUMN)
    view.scrollTo(index)
    point = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    held = {(o.person_uuid, o.indicator_id): o for o in detail(store, editor).observations}
    assert held[(a, PASSPORT)].status is ObservationStatus.OBSERVED


def test_the_checklist_follows_the_sector(qtbot, open_editor, store, catalogue) -> None:
    editor, _host = open_editor(a_visit(store, catalogue), size=TABLET, touch=True)
    checklist = editor.checklist
    editor.go_to_step(SIGNALS)
    # A greenhouse: the labour forms and the sector's shortlist first.
    assert checklist.form.currentData() == "labour"
    pinned = len(shortlist(catalogue, "agriculture"))
    assert checklist.model.index(0, 0).data() == f"▼ Voor deze sector ({pinned})"
    first = checklist.model.index(0, 0, checklist.model.index(0, 0))
    assert first.data(INDICATOR_ROLE) == shortlist(catalogue, "agriculture")[0]
    ids = checklist.model.visible_ids()
    assert "ORG-01" not in ids and "SUR-02" not in ids and "NLS-06" not in ids
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "slapen")
    assert checklist.current_indicator().id == "POL-1-05"  # not the au pair's room
    press(qtbot, Qt.Key.Key_Escape)
    type_text(qtbot, "schuld")
    assert "ORG-01" not in checklist.model.visible_ids()
    # One tap for every form; the signals of other forms say which.
    all_forms = checklist.form.findText("Alle vormen")
    checklist.form.setCurrentIndex(all_forms)
    checklist.form.activated.emit(all_forms)
    assert "NLC-03" in checklist.model.visible_ids()
    label = checklist.model.index_of("NLC-03").data()
    assert label.endswith("(Criminele uitbuiting)")
    assert checklist.model.best_match().data(INDICATOR_ROLE) != "NLC-03"


def test_on_a_tablet_the_chosen_signal_is_noted_without_scrolling(
    qtbot, open_editor, store, catalogue
) -> None:
    editor, _a = signals_on_a_tablet(open_editor, store, catalogue)
    checklist = editor.checklist
    for widget in (checklist.status_buttons["observed"], checklist.evidence, checklist.note):
        shown = widget.visibleRegion().boundingRect().size()
        assert shown == widget.size(), widget.objectName()  # not below the fold
    view = checklist.view
    row = view.visualRect(checklist.model.index_of(PASSPORT)).height()
    assert row >= TOUCH
    assert view.viewport().height() >= 5.5 * row  # six rows with their group's heading
    assert editor.signals_scroll.verticalScrollBar().maximum() == 0
    # No keyboard hints in touch mode.
    assert "Ctrl" not in checklist.filter.placeholderText()
    assert "F2" not in checklist.note.placeholderText()
    # Tap a signal, tap "Waargenomen", type the note: all on one screen.
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(checklist.model.index_of(PASSPORT)).center(),
    )
    qtbot.mouseClick(checklist.status_buttons["observed"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(checklist.note, Qt.MouseButton.LeftButton)
    type_text(qtbot, "bij de baas")
    press(qtbot, Qt.Key.Key_Return)
    [held] = detail(store, editor).observations
    assert held.indicator_id == PASSPORT and held.note == "bij de baas"
    assert held.status is ObservationStatus.OBSERVED


def test_entering_signalen_never_records_for_the_foreman_just_added(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = a_visit(store, catalogue)
    a = store.add_person(visit, PersonInput(label="A"))
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # B, shown on Personen
    role = editor.person_form.role
    role.setCurrentIndex(role.findData(PersonRole.EMPLOYER_MANAGER.value))
    role.activated.emit(role.currentIndex())
    press(qtbot, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert editor.current_step() == SIGNALS
    assert not editor.checklist.everyone and editor._scope() == a


def test_on_a_tablet_afronden_and_the_top_bar_fit(qtbot, open_editor, store, catalogue) -> None:
    visit = a_visit(store, catalogue, name="Kwekerij De Groene Kas aan de Middelbroekweg")
    store.add_person(visit, PersonInput(label="A"))
    editor, _host = open_editor(visit, size=TABLET, touch=True)
    # (The title: test_on_a_tablet_the_title_keeps_the_places_name.)
    # The sector is above the fold on Locatie.
    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    QApplication.processEvents()
    sector = editor.site_form.sector
    assert sector.visibleRegion().boundingRect().size() == sector.size()
    # Touch: a full-size clear button in the search.
    press(qtbot, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "paspoort")
    clear = editor.checklist.filter_clear
    assert clear.isVisible() and clear.width() >= TOUCH and clear.height() >= TOUCH
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert editor.checklist.filter.text() == ""
    # Afronden: no empty scrolling under the last card, refer and remove far apart, no rule
    # about a discard button that is not there.
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    QApplication.processEvents()
    page = editor.finish
    [card] = page.cards
    last = card.mapTo(page, card.rect().bottomLeft()).y()
    assert page.height() <= last + 40
    refer, delete = card.refer_button, card.delete_button
    assert (
        delete.mapTo(card, delete.rect().topLeft()).y()
        > refer.mapTo(card, refer.rect().bottomLeft()).y()
    )
    assert not page.discard_button.isVisibleTo(editor)
    assert not page.discard_why.isVisibleTo(editor)


# -- one row per meaning (issue 14 item 1) -------------------------------------------------


def test_paspoort_gives_one_row_per_meaning_with_its_sources(
    qtbot, open_editor, store, catalogue
) -> None:
    editor, _host = open_editor(a_visit(store, catalogue))
    editor.go_to_step(SIGNALS)
    checklist, model = editor.checklist, editor.checklist.model
    groups = meaning_groups(catalogue)
    assert set(groups[PASSPORT]) == {PASSPORT, "NLA-04", "POL-2-04"}
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "paspoort")
    shown = model.visible_ids()
    form = checklist.form.currentData()  # the sector's: labour
    found = [i.id for i in catalogue.search("paspoort", "nl") if not form or form in i.forms]
    lead = {member: key for key, ids in groups.items() for member in ids}
    # Every match is on a row, each meaning once: the lead's row, never another member's.
    assert PASSPORT in shown and "NLA-04" not in shown and "POL-2-04" not in shown
    assert len(shown) == len(set(shown)) < len(found)
    assert sorted(shown) == sorted({lead.get(i, i) for i in found})
    for member in groups[PASSPORT]:
        assert model.index_of(member) == model.index_of(PASSPORT)
    # The row says its sources; a row of one list does not.
    checklist.set_current(PASSPORT)
    assert checklist.detail_sources.text().startswith("Bronnen: ILO · NLA · Politie")
    assert "NLA-04" in checklist.detail_sources.text()
    assert "Politie" in model.index_of(PASSPORT).data(Qt.ItemDataRole.ToolTipRole)
    single = next(i for i in shown if i not in groups)
    checklist.set_current(single)
    assert checklist.detail_sources.isHidden()
    # Another member's words find the group too (the NLA wording of the low pay).
    nla_only = next(
        word
        for word in catalogue.indicators["NLA-03"].label["nl"].casefold().split()
        if len(word) > 4 and word not in catalogue.indicators["ILO-EX-04"].label["nl"].casefold()
    )
    press(qtbot, Qt.Key.Key_Escape)
    type_text(qtbot, nla_only)
    assert "ILO-EX-04" in model.visible_ids() and "NLA-03" not in model.visible_ids()


def test_recording_on_a_meaning_row_stores_the_lead(qtbot, open_editor, store, catalogue) -> None:
    editor, _host = open_editor(a_visit(store, catalogue))
    editor.go_to_step(SIGNALS)
    checklist = editor.checklist
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "paspoort")
    checklist.set_current(PASSPORT)
    qtbot.keyClick(checklist.view, Qt.Key.Key_Space)
    held = {o.indicator_id: o.status for o in detail(store, editor).observations}
    assert held == {PASSPORT: ObservationStatus.OBSERVED}
    status = checklist.model.index_of("NLA-04", STATUS_COLUMN)
    assert status.data(STATE_ROLE) == "observed"


def test_another_lists_id_recorded_earlier_shows_on_the_meaning_row(
    qtbot, open_editor, store, catalogue
) -> None:
    visit = a_visit(store, catalogue)
    store.set_observation(
        visit, None, ObservationInput("NLA-04", ObservationStatus.OBSERVED), catalogue.version
    )
    editor, _host = open_editor(visit)
    editor.go_to_step(SIGNALS)
    checklist, model = editor.checklist, editor.checklist.model
    row = model.index_of(PASSPORT, STATUS_COLUMN)
    assert row.data(STATE_ROLE) == "observed" and row.data(INDICATOR_ROLE) == PASSPORT
    checklist.set_current(PASSPORT)
    assert "Vastgelegd als: NLA-04 waargenomen" in checklist.detail_sources.text()
    # The row acts on the observation it shows: no second one beside it under the lead.
    qtbot.keyClick(checklist.view, Qt.Key.Key_Space)
    held = {o.indicator_id: o.status for o in detail(store, editor).observations}
    assert held == {"NLA-04": ObservationStatus.NOT_OBSERVED}
    assert model.index_of(PASSPORT, STATUS_COLUMN).data(STATE_ROLE) == "not_observed"


def test_nothing_recorded_is_hidden_by_a_meaning_row(qtbot, open_editor, store, catalogue) -> None:
    """Every member of every group recorded, the lead "not observed" and another member
    "observed": each id is on a row, and the observation is what the row shows."""
    visit = a_visit(store, catalogue)
    groups = meaning_groups(catalogue)
    for ids in groups.values():
        for member in ids:
            status = (
                ObservationStatus.OBSERVED if member == ids[-1] else ObservationStatus.NOT_OBSERVED
            )
            store.set_observation(visit, None, ObservationInput(member, status), catalogue.version)
    editor, _host = open_editor(visit)
    editor.go_to_step(SIGNALS)
    model = editor.checklist.model
    for form in (None, "labour"):
        model.set_filter("", form)
        for ids in groups.values():
            for member in ids:
                index = model.index_of(member, STATUS_COLUMN)
                assert index.isValid(), member
                assert index.data(STATE_ROLE) == "observed", member
    everything = {o.indicator_id for o in detail(store, editor).observations}
    assert everything == {member for ids in groups.values() for member in ids}
