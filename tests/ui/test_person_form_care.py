"""A possible victim's safety, care and CoMensha details in the person form (issue 15): how to
reach them safely, where they stay, their safety and care needs, a police report, initials
and date of birth. Saved at once through the controller (undoable), refused with a Dutch
reason and not saved when they cannot be right, and absent for anyone who is no victim."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from fieldapp.catalogue import Catalogue
from fieldapp.domain import PoliceReport
from fieldapp.i18n import t
from fieldapp.localtime import date_text, local_today
from fieldapp.store.store import Store
from fieldapp.validate import MAX_INITIALS_CHARS
from ui.visit import VisitEditor
from ui.visit.person_form import SHORT_TEXT_LINES, typed_day
from ui.visit.steps import PERSONS
from ui.widgets import style_sheet


def person(store: Store, editor: VisitEditor):
    """What the vault holds for the first person, read with a fresh Store."""
    return Store(store.vault).visit_detail(editor.visit_uuid).persons[0]


def refused(key: str, **params: object) -> str:
    """The form's sentence for a value the core refuses: its reason, then "Niet opgeslagen"."""
    problem = t(key, **params)
    return t("ui.visit.refused", problem=problem[:1].upper() + problem[1:])


def type_and_return(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_the_victims_details_are_saved_at_once_and_undone(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    form = editor.person_form
    assert form.victim_box.isVisibleTo(editor)

    type_and_return(qtbot, form.safe_contact, "via zus Mira, 06 98765432")
    assert QApplication.focusWidget() is form.whereabouts  # Return: on to the next field
    type_and_return(qtbot, form.whereabouts, "Opvang Den Haag")
    type_and_return(qtbot, form.safety, "Werkgever houdt haar telefoon in de gaten.")
    form.care_needs.setFocus()
    qtbot.keyClicks(form.care_needs, "Opvang vannacht, tolk Bulgaars")
    form.initials.setFocus()  # leaving the field saves it
    qtbot.mouseClick(form.police_report.button_for("not_made"), Qt.MouseButton.LeftButton)
    type_and_return(qtbot, form.initials, "M.I.")
    type_and_return(qtbot, form.birth_date, "7-3-1998")

    saved = person(store, editor)
    assert saved.safe_contact == "via zus Mira, 06 98765432"
    assert saved.whereabouts == "Opvang Den Haag"
    assert saved.safety == "Werkgever houdt haar telefoon in de gaten."
    assert saved.care_needs == "Opvang vannacht, tolk Bulgaars"
    assert saved.police_report is PoliceReport.NOT_MADE
    assert saved.initials == "M.I."
    assert saved.birth_date == "1998-03-07"
    assert form.birth_date.text() == "07-03-1998"  # shown as every date here is
    assert editor.current_step() != PERSONS  # Return in the last field ends the step

    # Ctrl+Z in a saved field undoes the editor's last change, one field at a time.
    editor.go_to_step(PERSONS)
    form.birth_date.setFocus()
    qtbot.keyClick(form.birth_date, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert person(store, editor).birth_date is None
    assert form.birth_date.text() == ""
    qtbot.keyClick(form.birth_date, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert person(store, editor).initials is None
    assert editor.saved_label.text().startswith("Ongedaan gemaakt: gegevens van persoon A")
    qtbot.keyClick(form.birth_date, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert person(store, editor).police_report is PoliceReport.UNKNOWN
    assert form.police_report.value() == "unknown"
    assert person(store, editor).care_needs == "Opvang vannacht, tolk Bulgaars"


def test_a_wrong_birth_date_or_initials_are_said_and_not_saved(
    qtbot, make_editor, store: Store
) -> None:
    editor = make_editor()
    editor.add_person()
    form = editor.person_form

    type_and_return(qtbot, form.initials, "12")
    assert form.fields["initials"].message.text() == refused("validation.initials")
    assert QApplication.focusWidget() is form.initials  # kept, to be corrected
    assert person(store, editor).initials is None

    tomorrow = date_text(local_today() + timedelta(days=1))
    form.birth_date.setFocus()
    qtbot.keyClicks(form.birth_date, tomorrow)
    qtbot.keyClick(form.birth_date, Qt.Key.Key_Return)
    assert form.fields["birth_date"].message.text() == (
        "Een geboortedatum ligt tussen 1900 en vandaag. Niet opgeslagen."
    )
    assert form.birth_date.text() == tomorrow  # what was typed stays, to be corrected
    form.birth_date.selectAll()
    qtbot.keyClicks(form.birth_date, "31-02-1990")
    qtbot.keyClick(form.birth_date, Qt.Key.Key_Return)
    assert form.fields["birth_date"].message.text() == (
        "Geen datum die bestaat; typ dag, maand en jaar, bijvoorbeeld 15-03-1990. Niet opgeslagen."
    )
    assert person(store, editor).birth_date is None
    # Leaving the person says what was not saved, as for every other field.
    problems = form.flush()
    assert len(problems) == 2 and problems[1].startswith("Geen datum die bestaat")

    form.birth_date.selectAll()
    qtbot.keyClicks(form.birth_date, "1990-03-15")
    qtbot.keyClick(form.birth_date, Qt.Key.Key_Return)
    assert person(store, editor).birth_date == "1990-03-15"
    assert form.fields["birth_date"].message.text() == ""


def test_only_a_possible_victim_has_these_fields(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    form = editor.person_form
    type_and_return(qtbot, form.whereabouts, "Opvang Den Haag")
    for role in ("possible_exploiter", "employer_manager", "witness"):
        form.role.setCurrentIndex(form.role.findData(role))
        assert person(store, editor).role.value == role
        assert not form.victim_box.isVisibleTo(editor), role
        assert not form.birth_date.isVisibleTo(editor)
        # Return in the last field shown ends the step: nothing hidden takes the focus.
        editor.go_to_step(PERSONS)
        form.notes.setFocus()
        qtbot.keyClick(form.notes, Qt.Key.Key_Return)
        assert editor.current_step() != PERSONS, role
        editor.go_to_step(PERSONS)
    form.role.setCurrentIndex(form.role.findData("possible_victim"))
    assert form.victim_box.isVisibleTo(editor)
    assert form.whereabouts.text() == "Opvang Den Haag"  # kept while hidden


def test_a_birth_date_is_read_as_people_type_it() -> None:
    assert typed_day("15-03-1990") == "1990-03-15"
    assert typed_day("15/3/1990") == "1990-03-15"
    assert typed_day("15.03.1990") == "1990-03-15"
    assert typed_day("15031990") == "1990-03-15"
    assert typed_day("1990-03-15") == "1990-03-15"
    assert typed_day("  ") is None
    for wrong in ("15-03-90", "31-02-1990", "vijftien maart", "1990-3"):
        try:
            typed_day(wrong)
        except ValueError:
            continue
        raise AssertionError(wrong)


def test_initials_that_are_a_name_are_refused_not_cut(qtbot, make_editor, store: Store) -> None:
    """The field cut "Ionela Popescu" to "Ionela Popes" without a word; "Ana Pop" is a name
    too. Both are said to be refused, as typed, and nothing is saved."""
    editor = make_editor()
    editor.add_person()
    form = editor.person_form
    message = form.fields["initials"].message
    type_and_return(qtbot, form.initials, "Ana Pop")
    assert message.text() == refused("validation.initials")
    assert message.objectName() == "error" and message.isVisibleTo(editor)
    assert form.initials.text() == "Ana Pop"
    assert QApplication.focusWidget() is form.initials
    assert person(store, editor).initials is None

    form.initials.selectAll()
    type_and_return(qtbot, form.initials, "Ionela Popescu")
    assert form.initials.text() == "Ionela Popescu"  # not cut at 12 characters
    assert len("Ionela Popescu") > MAX_INITIALS_CHARS
    assert message.text().endswith("Niet opgeslagen.")
    assert person(store, editor).initials is None
    assert form.flush() == [message.text()]  # said again when the person is left

    form.initials.selectAll()
    type_and_return(qtbot, form.initials, "I.P.")
    assert person(store, editor).initials == "I.P." and message.text() == ""


def test_safety_and_care_needs_show_two_lines_in_large_touch(
    qtbot, store: Store, catalogue: Catalogue
) -> None:
    """Fixed at 48 px they showed one line and a half behind a scroll bar once large-touch
    mode made the text bigger; they grow with the font, as the referral dialog's boxes do."""
    heights = {}
    for touch in (False, True):
        host = QWidget()
        host.setStyleSheet(style_sheet(touch))
        layout = QVBoxLayout(host)
        editor = VisitEditor(store, catalogue, VisitEditor.start_new_visit(store, catalogue))
        layout.addWidget(editor)
        editor.set_large_touch(touch)
        qtbot.addWidget(host)
        host.resize(1366, 768)
        host.show()
        qtbot.waitExposed(host)
        editor.add_person()
        form = editor.person_form
        for box in (form.safety, form.care_needs):
            box.setPlainText("Eerste regel\nTweede regel")
            qtbot.waitUntil(lambda box=box: box.height() == box.sizeHint().height())
            assert box.verticalScrollBar().maximum() == 0, (touch, box.objectName())
            assert box.height() >= SHORT_TEXT_LINES * box.fontMetrics().lineSpacing()
        heights[touch] = form.safety.height()
        editor.clear()
    assert heights[True] > heights[False]
