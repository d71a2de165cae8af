"""The visit editor: autosave, validation at the field, persons, the checklist by keyboard, the
live assessment, undo, attachments, models, English, lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from fieldapp import i18n
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.presentation import meaning_groups
from fieldapp.clock import fixed_clock
from fieldapp.countries import (
    country_choices,
    country_name,
    format_languages,
    language_name,
    parse_languages,
)
from fieldapp.domain import Evidence, ObservationStatus, Sector
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, SiteInput, VisitInput
from fieldapp.store.store import Store
from ui.visit import SHORTCUTS, VisitEditor
from ui.visit.attachments import HAS_THUMBNAIL_ROLE
from ui.visit.checklist_model import (
    ACUTE_ROLE,
    INDICATOR_ROLE,
    INHERITED_ROLE,
    PAST_ROLE,
    STATE_ROLE,
    STATUS_COLUMN,
    ChecklistModel,
)
from ui.visit.controller import VisitController, person_raw
from ui.visit.steps import PERSONS, SIGNALS
from ui.visit.undo import Change, UndoHistory

# Two items of the ILO "exploitative conditions" dimension: one strong, one medium. Together
# they make the dimension positive; EXPL alone gives the outcome "exploited".
EXCESSIVE_HOURS = "ILO-EX-01"  # S
LOW_PAY = "ILO-EX-04"  # M
VIOLENCE = "ILO-CD-04"  # acute
PASSPORT = "ILO-CD-01"


def detail(store: Store, editor: VisitEditor):
    """What the vault holds, read with a fresh Store (nothing cached by the editor)."""
    return Store(store.vault).visit_detail(editor.visit_uuid)


def observation(store: Store, editor: VisitEditor, indicator_id: str, person_uuid=None):
    found = [
        o
        for o in detail(store, editor).observations
        if o.indicator_id == indicator_id and o.person_uuid == person_uuid
    ]
    return found[0] if found else None


def cycle_in_list(qtbot, editor: VisitEditor, indicator_id: str, times: int = 1) -> None:
    """On the Signalen step, select the indicator in the checklist and press Space ``times``
    times."""
    editor.go_to_step(SIGNALS)
    checklist = editor.checklist
    checklist.set_current(indicator_id)
    checklist.view.setFocus()
    for _ in range(times):
        qtbot.keyClick(checklist.view, Qt.Key.Key_Space)


def panel_text(editor: VisitEditor) -> str:
    """What the assessment beside the checklist says (on the Signalen step)."""
    from PySide6.QtWidgets import QLabel

    editor.go_to_step(SIGNALS, focus=False)
    return "\n".join(
        label.text()
        for label in editor.assessment.findChildren(QLabel)
        if label.isVisibleTo(editor)
    )


# -- site and visit ----------------------------------------------------------------------


def test_start_new_visit_uses_the_profile(store: Store, catalogue: Catalogue) -> None:
    store.set_setting("profile", {"inspector": "J. de Vries", "agency": "NLA"})
    uuid = VisitEditor.start_new_visit(store, catalogue)
    visit = store.visit_detail(uuid)
    assert visit.site.name == ""
    assert visit.site.sector is Sector.OTHER
    assert visit.visit.inspector == "J. de Vries"
    assert visit.visit.agencies == ("NLA",)
    assert visit.persons == () and visit.observations == ()


def test_site_fields_save_when_editing_finishes(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    form = editor.site_form
    assert QApplication.focusWidget() is form.edits["name"]  # a new visit starts at the name
    editor.setFocus()  # as the main window does after showing it
    assert QApplication.focusWidget() is form.edits["name"]

    with qtbot.waitSignal(editor.saved) as saved:
        qtbot.keyClicks(form.edits["name"], "Autowasstraat Glans")
        qtbot.keyClick(form.edits["name"], Qt.Key.Key_Return)
    assert saved.args == [editor.visit_uuid]
    assert QApplication.focusWidget() is form.edits["postcode"]  # Return: quick chain
    qtbot.keyClicks(form.edits["postcode"], "2675ab")
    qtbot.keyClick(form.edits["postcode"], Qt.Key.Key_Return)
    assert form.edits["postcode"].text() == "2675 AB"  # shown as stored
    assert QApplication.focusWidget() is form.edits["place"]
    qtbot.keyClicks(form.edits["place"], "Honselersdijk")
    qtbot.keyClick(form.edits["place"], Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.sector
    qtbot.keyClicks(form.sector, "auto")  # keyboard search in the combo
    form.edits["municipality"].setFocus()
    qtbot.keyClicks(form.edits["municipality"], "Westland")
    form.edits["kvk"].setFocus()  # focus loss saves the municipality
    qtbot.keyClicks(form.edits["kvk"], "1234 5678")
    qtbot.keyClick(form.edits["kvk"], Qt.Key.Key_Tab)
    form.notes.setFocus()
    qtbot.keyClicks(form.notes, "Zes auto's tegelijk in de wasstraat.")
    form.visit_type.setFocus()  # focus loss saves the notes

    site = detail(store, editor).site
    assert site.name == "Autowasstraat Glans"
    assert site.address.postcode == "2675 AB"
    assert site.address.place == "Honselersdijk"
    assert site.municipality == "Westland"
    assert site.kvk == "12345678"
    assert site.sector is Sector.CAR_WASH
    assert detail(store, editor).visit.notes == "Zes auto's tegelijk in de wasstraat."
    assert editor.saved_label.text().startswith("Opgeslagen ")
    assert "Autowasstraat Glans" in editor.title.text()


def test_an_invalid_kvk_number_is_refused_at_the_field(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    field = editor.site_form.fields["kvk"]
    edit = editor.site_form.edits["kvk"]
    edit.setFocus()
    qtbot.keyClicks(edit, "12a")  # live: letters can never make a KvK number
    assert field.message.isVisible()
    assert field.message.text() == (
        "Een KvK-nummer bestaat uit precies 8 cijfers. Niet opgeslagen."
    )
    edit.clear()
    qtbot.keyClicks(edit, "1234")  # too short, but may still become one: no message yet
    assert not field.message.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert field.message.isVisible()
    assert QApplication.focusWidget() is edit  # stays, to be corrected
    assert detail(store, editor).site.kvk is None
    edit.selectAll()
    qtbot.keyClicks(edit, "12345678")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert not field.message.isVisible()
    assert detail(store, editor).site.kvk == "12345678"


def test_an_impossible_postcode_is_shown_live_and_never_saved(
    qtbot, make_editor, store: Store
) -> None:
    editor = make_editor()
    field = editor.site_form.fields["postcode"]
    edit = editor.site_form.edits["postcode"]
    edit.setFocus()
    qtbot.keyClicks(edit, "0123")  # Dutch postcodes never start with 0
    assert field.message.isVisible()
    assert "1234 AB" in field.message.text()
    edit.clear()
    qtbot.keyClicks(edit, "1234SS")  # SS is never issued
    assert field.message.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert detail(store, editor).site.address.postcode is None


def test_choosing_a_known_site_links_the_visit_to_it(
    qtbot, make_editor, store: Store, catalogue: Catalogue
) -> None:
    known = store.record_visit(
        NewVisit(
            SiteInput(name="Kwekerij De Hoek", sector=Sector.AGRICULTURE, kvk="87654321"),
            VisitInput(started_at="2026-01-05T09:00:00Z"),
        )
    )
    known_site = store.visit_detail(known).site
    editor = make_editor()
    form = editor.site_form
    form.edits["name"].setFocus()
    qtbot.keyClicks(form.edits["name"], "kwek")
    assert form.completer_model.rowCount() == 1
    assert "Kwekerij De Hoek" in form.completer_model.item(0).text()
    qtbot.waitUntil(form.completer.popup().isVisible)
    popup = form.completer.popup()
    popup.setCurrentIndex(form.completer.completionModel().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert detail(store, editor).visit.site_uuid == known_site.meta.uuid
    assert form.edits["name"].text() == "Kwekerij De Hoek"
    assert form.edits["kvk"].text() == "87654321"
    assert form.sector.currentData() == "agriculture"
    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert detail(store, editor).visit.site_uuid != known_site.meta.uuid  # undone


# -- persons -----------------------------------------------------------------------------


def test_ctrl_p_adds_persons_a_b_c(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    for _ in range(3):
        qtbot.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
        )
    labels = [p.label for p in detail(store, editor).persons]
    assert labels == ["A", "B", "C"]
    tabs = [editor.persons_bar.tabText(i) for i in range(editor.persons_bar.count())]
    assert tabs == ["Persoon A", "Persoon B", "Persoon C"]
    assert editor.persons_bar.currentIndex() == 2  # the newest is selected
    assert editor.checklist.person_button.isChecked()
    assert editor.checklist.person_button.text() == "Persoon C"
    # On to the new person's details, at their first quick choice (sex).
    assert editor.current_step() == PERSONS
    sex = editor.person_form.sex
    assert QApplication.focusWidget() is sex.button_for("unknown")  # as stored: not known
    qtbot.mouseClick(editor.add_person_button, Qt.MouseButton.LeftButton)  # one click too
    assert [p.label for p in detail(store, editor).persons][-1] == "D"
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert editor.checklist.person_button.text() == "Persoon A"


def test_person_fields_are_validated_like_the_visit_json(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    form = editor.person_form
    person_uuid = detail(store, editor).persons[0].meta.uuid

    form.age.setFocus()
    form.age.selectAll()
    qtbot.keyClicks(form.age, "16")
    qtbot.keyClick(form.age, Qt.Key.Key_Return)
    person = detail(store, editor).persons[0]
    assert person.age == 16 and person.minor is True  # derived, as in the JSON reader
    assert not form.minor.isEnabled()
    assert form.minor.currentText() == "ja"

    form.nationality.setFocus()
    form.nationality.lineEdit().selectAll()
    qtbot.keyClicks(form.nationality.lineEdit(), "Bulg")
    qtbot.keyClick(form.nationality.lineEdit(), Qt.Key.Key_Return)  # the one match is taken
    assert QApplication.focusWidget() is form.languages  # Return: on along the quick chain
    assert detail(store, editor).persons[0].nationality == "BG"
    assert form.nationality.currentText() == "Bulgarije"
    # The language follows the nationality while the user has not chosen one.
    assert detail(store, editor).persons[0].languages == ("bg",)
    assert form.languages.text() == "Bulgaars"

    form.languages.selectAll()
    qtbot.keyClicks(form.languages, "Bulgaars, en")
    qtbot.keyClick(form.languages, Qt.Key.Key_Return)
    assert detail(store, editor).persons[0].languages == ("bg", "en")
    assert form.languages.text() == "Bulgaars, Engels"
    assert editor.current_step() == SIGNALS  # Return after the language: on to the signals
    editor.go_to_step(PERSONS)
    form.languages.selectAll()
    qtbot.keyClicks(form.languages, "Klingon")
    qtbot.keyClick(form.languages, Qt.Key.Key_Return)
    assert form.fields["languages"].message.text() == (
        "Onbekende taal: ‘Klingon’. Niet opgeslagen."
    )
    assert detail(store, editor).persons[0].languages == ("bg", "en")

    with fixed_clock("2026-03-28T23:30:00Z"):  # already the 29th in the Netherlands
        form.consent.setCurrentIndex(form.consent.findData("given"))
    person = detail(store, editor).persons[0]
    assert person.consent.value == "given"
    assert person.consent_date == "2026-03-29"
    assert editor.saved_label.text().endswith("00:30")  # saved at, in Dutch time
    assert form.consent_date.isEnabled()

    form.b83.setCurrentIndex(form.b83.findData("offered"))
    assert detail(store, editor).persons[0].b83_status.value == "offered"

    form.role.setCurrentIndex(form.role.findData("witness"))
    assert detail(store, editor).persons[0].role.value == "witness"
    qtbot.keyClick(form.role, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert detail(store, editor).persons[0].role.value == "possible_victim"
    assert Store(store.vault).visit_detail(editor.visit_uuid).persons[0].meta.uuid == person_uuid


# -- checklist, assessment, undo ---------------------------------------------------------


def test_space_cycles_a_signal_through_its_states(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    person_uuid = detail(store, editor).persons[0].meta.uuid
    states = []
    for _ in range(4):
        cycle_in_list(qtbot, editor, PASSPORT)
        states.append(observation(store, editor, PASSPORT, person_uuid).status)
    assert states == [
        ObservationStatus.OBSERVED,
        ObservationStatus.NOT_OBSERVED,
        ObservationStatus.UNKNOWN,
        ObservationStatus.OBSERVED,
    ]
    index = editor.checklist.model.index_of(PASSPORT, STATUS_COLUMN)
    assert index.data(STATE_ROLE) == "observed"
    assert index.data() == "waargenomen"

    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_E)  # evidence source
    assert observation(store, editor, PASSPORT, person_uuid).evidence is Evidence.SEEN
    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_E)
    assert observation(store, editor, PASSPORT, person_uuid).evidence is Evidence.TOLD

    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_N)  # note
    assert QApplication.focusWidget() is editor.checklist.note
    qtbot.keyClicks(editor.checklist.note, "Paspoort ligt in de kluis van de eigenaar")
    qtbot.keyClick(editor.checklist.note, Qt.Key.Key_Return)
    assert observation(store, editor, PASSPORT, person_uuid).note == (
        "Paspoort ligt in de kluis van de eigenaar"
    )
    assert "notitie" in editor.checklist.model.index_of(PASSPORT, 2).data()

    editor.checklist.view.setFocus()
    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_Delete)
    assert observation(store, editor, PASSPORT, person_uuid) is None
    assert editor.checklist.model.index_of(PASSPORT, STATUS_COLUMN).data(STATE_ROLE) == ""


def test_one_tap_on_the_status_cycles(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    qtbot.mouseClick(editor.steps.buttons[SIGNALS], Qt.MouseButton.LeftButton)
    view = editor.checklist.view
    index = editor.checklist.model.index_of(PASSPORT, STATUS_COLUMN)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert observation(store, editor, PASSPORT).status is ObservationStatus.OBSERVED
    qtbot.mouseClick(editor.checklist.status_buttons["unknown"], Qt.MouseButton.LeftButton)
    assert observation(store, editor, PASSPORT).status is ObservationStatus.UNKNOWN


def test_keyboard_toggles_update_the_assessment(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    editor.person_form.age.setFocus()
    editor.person_form.age.selectAll()
    qtbot.keyClicks(editor.person_form.age, "34")  # an adult: no minor rule
    qtbot.keyClick(editor.person_form.age, Qt.Key.Key_Return)
    assert detail(store, editor).persons[0].age == 34
    assert t("outcome.exploited") not in panel_text(editor)
    cycle_in_list(qtbot, editor, EXCESSIVE_HOURS)
    text = panel_text(editor)
    assert "Arbeidsuitbuiting: signalen aanwezig" in text
    cycle_in_list(qtbot, editor, LOW_PAY)
    text = panel_text(editor)
    assert "Arbeidsuitbuiting: aanwijzingen voor uitbuiting" in text
    assert t("ui.visit.assessment.positive", dimensions=t("dimension.EXPL")) in text
    assert "Buitensporig lange werkdagen of werkweken" in text  # the signals behind it
    panel = editor.assessment
    # No indication yet (exploited is below the threshold): said at the top, with what to do.
    assert panel.indication_box.isVisibleTo(editor)
    assert panel.indication_text.text().startswith("Geen aanwijzing van mensenhandel")
    assert panel.advice.isVisibleTo(editor) and "Vraag verder" in panel.advice.text()
    # The NLA route for serious labour abuse, as advice to the reporter (not the reason).
    result = editor.controller.assessment(editor.controller.persons[0].meta.uuid)
    nla = next(r for r in result.referrals if r.to == "nla")
    assert "Nederlandse Arbeidsinspectie" in panel.referrals.text()
    assert nla.advice[0]["nl"] in panel.referrals.text()
    assert nla.reasons[0]["nl"] not in panel.referrals.text()
    assert "niet bevestigd" in panel.unconfirmed.text()
    assert panel.not_a_verdict.text().startswith("Dit overzicht ondersteunt")
    assert not panel.b83_box.isVisibleTo(editor)  # B8/3 follows an indication only
    assert not panel.acute_banner.isVisibleTo(editor)


def test_an_acute_signal_shows_the_banner(qtbot, make_editor) -> None:
    editor = make_editor()
    editor.add_person()
    index = editor.checklist.model.index_of(VIOLENCE)
    assert index.data(ACUTE_ROLE) is True
    cycle_in_list(qtbot, editor, VIOLENCE)
    banner = editor.assessment.acute_banner
    assert banner.isVisibleTo(editor)
    assert editor.assessment.acute_title.text() == "Bel 112 / politie nu"
    assert "Geweld tegen de persoon" in editor.assessment.acute_text.text()
    assert editor.checklist.acute_reason.isVisibleTo(editor)
    cycle_in_list(qtbot, editor, VIOLENCE)  # not observed
    assert not banner.isVisibleTo(editor)


def test_a_visit_level_signal_counts_for_each_person(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    for _ in range(3):
        editor.add_person()
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert editor.checklist.everyone
    cycle_in_list(qtbot, editor, EXCESSIVE_HOURS)
    cycle_in_list(qtbot, editor, LOW_PAY)
    assert observation(store, editor, EXCESSIVE_HOURS, None).status is ObservationStatus.OBSERVED
    persons = detail(store, editor).persons
    for number, person in enumerate(persons, start=1):
        editor.select_person_number(number)
        assert "Arbeidsuitbuiting: aanwijzingen voor uitbuiting" in panel_text(editor), person.label
        index = editor.checklist.model.index_of(EXCESSIVE_HOURS, STATUS_COLUMN)
        assert index.data(INHERITED_ROLE) is True
        assert index.data() == "waargenomen (iedereen)"
    assert editor.assessment.summary.text().count("aanwijzingen voor uitbuiting") == 3

    # What is recorded for a person overrides the visit level.
    editor.select_person_number(2)
    cycle_in_list(qtbot, editor, EXCESSIVE_HOURS, times=2)  # own: observed -> not observed
    assert "Arbeidsuitbuiting: signalen aanwezig" in panel_text(editor)
    assert editor.assessment.summary.text().count("aanwijzingen voor uitbuiting") == 2


def test_undo_restores_the_previous_state_in_the_vault(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    person_uuid = detail(store, editor).persons[0].meta.uuid
    cycle_in_list(qtbot, editor, PASSPORT)  # observed
    cycle_in_list(qtbot, editor, PASSPORT)  # not observed
    assert observation(store, editor, PASSPORT, person_uuid).status is (
        ObservationStatus.NOT_OBSERVED
    )
    view = editor.checklist.view
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert observation(store, editor, PASSPORT, person_uuid).status is ObservationStatus.OBSERVED
    assert editor.saved_label.text().startswith("Ongedaan gemaakt: signaal")
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert observation(store, editor, PASSPORT, person_uuid) is None
    assert editor.checklist.model.index_of(PASSPORT, STATUS_COLUMN).data(STATE_ROLE) == ""

    # Site fields: Ctrl+Z in a field with saved text undoes the last change.
    name = editor.site_form.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Nagelstudio Lotus")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert detail(store, editor).site.name == "Nagelstudio Lotus"
    name.setFocus()
    qtbot.keyClick(name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert detail(store, editor).site.name == ""
    assert name.text() == ""

    # Adding a person is undone too, then nothing is left to undo.
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert detail(store, editor).persons == ()
    assert editor.persons_bar.count() == 0
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.saved_label.text() == "Er is niets om ongedaan te maken"


def test_filter_as_you_type_in_dutch_and_english(qtbot, make_editor, catalogue) -> None:
    editor = make_editor()
    model = editor.checklist.model
    # One row per meaning: a group's members (presentation.json) show as their lead's row.
    lead_of = {m: lead for lead, ids in meaning_groups(catalogue).items() for m in ids}
    rows = {lead_of.get(i, i) for i in catalogue.indicators}
    everything = len(model.visible_ids())
    assert everything == len(rows) < len(catalogue.indicators)
    editor.checklist.focus_filter()
    qtbot.keyClicks(editor.checklist.filter, "paspoort")
    dutch = model.visible_ids()
    assert 0 < len(dutch) < everything
    assert PASSPORT in dutch
    found = {lead_of.get(i.id, i.id) for i in catalogue.search("paspoort", "nl")}
    assert set(dutch) == found and len(dutch) == len(found)
    editor.checklist.filter.clear()
    qtbot.keyClicks(editor.checklist.filter, "passport")
    english = model.visible_ids()
    assert PASSPORT in english and len(english) < everything
    # The best match is current (labels first), Up and Down move, Return toggles the current
    # signal and keeps the filter ready for the next word.
    assert editor.checklist.current_indicator().id == PASSPORT
    following = english[english.index(PASSPORT) + 1]
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_Down)
    assert editor.checklist.current_indicator().id == following
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_Return)
    assert editor.checklist.filter.selectedText() == "passport"
    assert model.index_of(following, STATUS_COLUMN).data(STATE_ROLE) == "observed"
    assert model.index_of(PASSPORT, STATUS_COLUMN).data(STATE_ROLE) == ""
    editor.checklist.form.setCurrentIndex(editor.checklist.form.findData("organ_removal"))
    for_the_form = [i for i in english if "organ_removal" in catalogue.get(i).forms]
    assert model.visible_ids() == for_the_form and len(for_the_form) < len(english)
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_Escape)  # clears the filter first
    assert editor.checklist.filter.text() == ""


def test_escape_goes_back_to_the_list(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    name = editor.site_form.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Bouwplaats Noord")
    with qtbot.waitSignal(editor.close_requested):
        qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert detail(store, editor).site.name == "Bouwplaats Noord"  # saved on the way out


# -- attachments -------------------------------------------------------------------------


def test_a_photo_is_kept_in_the_vault_and_shown_as_a_thumbnail(
    qtbot, make_editor, store: Store, tmp_path: Path, monkeypatch
) -> None:
    picture = tmp_path / "paspoort.png"
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a6ea5"))
    assert image.save(str(picture))
    pdf = tmp_path / "loonstrook.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%fake but fine for storage\n")
    chosen = iter([str(picture), str(pdf)])
    monkeypatch.setattr(
        "ui.visit.attachments.QFileDialog.getOpenFileName",
        lambda *args, **kwargs: (next(chosen), ""),
    )
    editor = make_editor()
    qtbot.mouseClick(editor.attachments.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)

    items = [editor.attachments.list.item(i) for i in range(editor.attachments.list.count())]
    assert [item.text().split("\n")[0] for item in items] == ["paspoort.png", "loonstrook.pdf"]
    assert items[0].data(HAS_THUMBNAIL_ROLE) is True
    assert not items[0].icon().isNull()
    assert items[1].data(HAS_THUMBNAIL_ROLE) is False
    stored = detail(store, editor).attachments
    assert [a.media_type for a in stored] == ["image/png", "application/pdf"]
    assert store.attachment_content(stored[0].meta.uuid) == picture.read_bytes()
    assert store.attachment_content(stored[1].meta.uuid) == pdf.read_bytes()
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [a.file_name for a in detail(store, editor).attachments] == ["paspoort.png"]
    assert editor.attachments.list.count() == 1


def test_too_large_or_wrong_attachments_are_refused_clearly(
    qtbot, make_editor, store: Store, tmp_path: Path
) -> None:
    big = tmp_path / "video.pdf"
    with big.open("wb") as handle:  # sparse: nothing is written
        handle.truncate(26 * 1024 * 1024)
    editor = make_editor()
    assert not editor.attachments.add_path(str(big))
    assert editor.attachments.message.isVisible()
    assert editor.attachments.message.text() == "Deze bijlage is te groot: het maximum is 25 MB."
    other = tmp_path / "notes.docx"
    other.write_bytes(b"x")
    assert not editor.attachments.add_path(str(other))
    assert "docx" in editor.attachments.message.text()
    assert detail(store, editor).attachments == ()


# -- models, language, lock, touch -------------------------------------------------------


def test_the_checklist_model_passes_the_model_tester(qtmodeltester, catalogue, make_editor):
    model = ChecklistModel(catalogue)
    qtmodeltester.check(model)
    model.set_filter("schuld")
    qtmodeltester.check(model)
    model.set_filter("", "sexual")
    qtmodeltester.check(model)
    model.set_filter("no such words at all")
    qtmodeltester.check(model)
    model.set_filter("")
    model.set_open(frozenset({"EXPL"}))  # browsing: groups closed but one
    qtmodeltester.check(model)
    model.clear()
    qtmodeltester.check(model)

    editor = make_editor()
    editor.add_person()
    editor.controller.cycle(editor.controller.persons[0].meta.uuid, PASSPORT)
    editor.controller.set_past(editor.controller.persons[0].meta.uuid, VIOLENCE, True)
    qtmodeltester.check(editor.checklist.model)
    assert editor.checklist.model.index_of(VIOLENCE, STATUS_COLUMN).data(PAST_ROLE) is True
    assert editor.checklist.model.index_of(PASSPORT).data(INDICATOR_ROLE) == PASSPORT
    editor.site_form._search_sites("anything")  # the completer's model
    qtmodeltester.check(editor.site_form.completer_model)


def test_english_labels_after_switching_language(make_editor, catalogue) -> None:
    i18n.set_language("en")
    editor = make_editor()
    assert editor.back_button.text() == "← Back to list"
    assert editor.checklist.model.index_of(PASSPORT).data() == (catalogue.get(PASSPORT).label["en"])
    assert editor.site_form.sector.currentText() == "Other"
    assert editor.site_form.fields["kvk"].caption.text() == "KvK number"
    assert editor.checklist.everyone_button.text() == "Everyone at this visit"
    editor.add_person()
    assert editor.persons_bar.tabText(0) == "Person A"
    assert "What the signals indicate" in editor.assessment.title.text()
    nationality = editor.person_form.nationality
    assert nationality.itemText(nationality.findData("BG")) == "Bulgaria"


def test_clear_forgets_everything_shown(qtbot, make_editor) -> None:
    editor = make_editor()
    editor.add_person()
    name = editor.site_form.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Massagesalon Zen")
    editor.controller.cycle(editor.controller.persons[0].meta.uuid, VIOLENCE)
    editor._refresh_assessment()
    editor.clear()
    assert editor.controller is None
    assert editor.checklist.model.rowCount() == 0
    assert name.text() == ""
    assert editor.persons_bar.count() == 0
    assert not editor.assessment.acute_banner.isVisibleTo(editor)
    assert editor.attachments.list.count() == 0
    assert not editor.isEnabled()


def test_large_touch_makes_rows_taller(qtbot, make_editor) -> None:
    editor = make_editor()
    view = editor.checklist.view
    index = editor.checklist.model.index_of(PASSPORT)
    normal = view.visualRect(index).height()
    editor.add_person()
    editor.set_large_touch(True)
    QApplication.processEvents()
    assert view.visualRect(index).height() >= 40 > normal
    # The person's details are a step of their own; the signals name whom they are for.
    editor.go_to_step(SIGNALS)
    assert not editor.person_form.isVisibleTo(editor)
    assert editor.person_summary.text() == "Mogelijk slachtoffer"
    assert editor.person_summary.isVisibleTo(editor)
    qtbot.keyClick(editor.checklist.filter, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert editor.current_step() == PERSONS
    assert editor.person_form.isVisibleTo(editor)
    assert QApplication.focusWidget() is editor.person_form.role
    editor.set_large_touch(False)
    QApplication.processEvents()
    assert view.visualRect(index).height() == normal


def test_every_control_has_an_accessible_name(make_editor) -> None:
    editor = make_editor()
    editor.add_person()
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QTabBar,
    )

    kinds = (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QPlainTextEdit,
        QTabBar,
    )
    missing = []
    for widget in editor.findChildren(QWidget):
        if not widget.isVisibleTo(editor):
            continue
        if isinstance(widget, QLineEdit) and isinstance(
            widget.parent(), QComboBox | QAbstractSpinBox
        ):
            continue  # the inner editor of a named combo or spin box
        if isinstance(widget, (*kinds, QLineEdit)) and not (
            widget.accessibleName() or (isinstance(widget, QAbstractButton) and widget.text())
        ):
            missing.append(f"{type(widget).__name__} {widget.objectName()}")
    assert missing == []
    assert len(SHORTCUTS) >= 10


# -- the plain parts ---------------------------------------------------------------------


def test_undo_history_without_qt() -> None:
    log: list[str] = []
    history = UndoHistory(limit=2)
    assert history.undo() is None
    for name in ("a", "b", "c"):
        history.push(Change(name, lambda name=name: log.append(name)))
    assert len(history) == 2  # the oldest fell off
    assert history.peek().what == "c"
    assert history.undo().what == "c"
    assert history.undo().what == "b"
    assert history.undo() is None
    assert log == ["c", "b"]

    def fails() -> None:
        raise OSError("disk")

    history.push(Change("x", fails))
    with pytest.raises(OSError):
        history.undo()
    assert history.can_undo  # kept, to try again
    history.clear()
    assert not history.can_undo
    with pytest.raises(ValueError):
        UndoHistory(limit=0)


def test_controller_cycles_and_undoes_without_widgets(store: Store, catalogue) -> None:
    uuid = VisitEditor.start_new_visit(store, catalogue)
    controller = VisitController(store, catalogue, uuid)
    person = controller.add_person()
    scope = person.meta.uuid
    assert controller.cycle(scope, PASSPORT).status is ObservationStatus.OBSERVED
    assert controller.set_note(scope, PASSPORT, " bij de baas ").note == "bij de baas"
    assert controller.cycle(scope, PASSPORT).note == "bij de baas"  # cycling keeps the note
    controller.undo()
    controller.undo()
    state = controller.observation(scope, PASSPORT)
    assert state is not None and state.note is None
    assert controller.set_site_field("kvk", "1234.5678") is True
    assert controller.set_site_field("kvk", "12345678") is False  # unchanged: no new change
    assert controller.assessment(scope).forms["labour"].outcome == "signals_present"


def test_country_and_language_names() -> None:
    assert country_name("BG", "nl") == "Bulgarije"
    assert country_name("BG", "en") == "Bulgaria"
    assert country_name("MD", "nl") == "Moldavië"
    assert country_name("IS", "nl") == "IJsland"  # pycountry's Dutch names for the rest
    assert country_name("IS", "en") == "Iceland"
    common, other = country_choices("nl")
    assert ("RO", "Roemenië") in common
    assert len(common) + len(other) == 249
    assert language_name("el", "en") == "Greek"
    assert parse_languages("Bulgaars, english; RO", "nl") == ("bg", "en", "ro")
    assert format_languages(("bg", "en"), "en") == "Bulgarian, English"
    with pytest.raises(ValueError, match="Klingon"):
        parse_languages("nl, Klingon", "nl")


# -- the professional's judgement, past signals, forms in context (issue 11) ---------------


def set_sector(editor: VisitEditor, sector: str) -> None:
    """Choose the site's sector in the form, as a user would."""
    combo = editor.site_form.sector
    combo.setCurrentIndex(combo.findData(sector))


def set_age(qtbot, editor: VisitEditor, age: str) -> None:
    editor.person_form.age.setFocus()
    editor.person_form.age.selectAll()
    qtbot.keyClicks(editor.person_form.age, age)
    qtbot.keyClick(editor.person_form.age, Qt.Key.Key_Return)


def shown_outcomes(editor: VisitEditor) -> list[str]:
    """The outcome lines of the forms the panel shows (on the Signalen step)."""
    editor.go_to_step(SIGNALS, focus=False)
    return [
        block.outcome.text() for block in editor.assessment.form_blocks if block.isVisibleTo(editor)
    ]


def test_suspected_forms_and_own_judgement_are_saved_and_assessed(
    qtbot, make_editor, store: Store
) -> None:
    editor = make_editor()
    set_sector(editor, "nail_beauty")
    editor.add_person()
    set_age(qtbot, editor, "27")
    form = editor.person_form
    cycle_in_list(qtbot, editor, PASSPORT)
    person_uuid = detail(store, editor).persons[0].meta.uuid
    assert list(editor.controller.assessment(person_uuid).forms) == ["labour"]
    assert not any(text.startswith("Seksuele uitbuiting") for text in shown_outcomes(editor))

    # A tap on "Seksueel": saved at once, and sexual exploitation is now assessed too.
    editor.go_to_step(PERSONS)
    assert form.fields["suspected_forms"].isVisibleTo(editor)
    qtbot.mouseClick(form.form_buttons["sexual"], Qt.MouseButton.LeftButton)
    assert detail(store, editor).persons[0].suspected_forms == ("sexual",)
    result = editor.controller.assessment(person_uuid)
    assert list(result.forms) == ["labour", "sexual"]
    assert result.forms["sexual"].context == ("suspected",)
    assert any(text.startswith("Seksuele uitbuiting:") for text in shown_outcomes(editor))
    assert "vermoedt" in panel_text(editor)  # why the form is assessed

    # By keyboard: Space on a focused form button, then on the judgement box.
    form.form_buttons["criminal"].setFocus()
    qtbot.keyClick(form.form_buttons["criminal"], Qt.Key.Key_Space)
    assert detail(store, editor).persons[0].suspected_forms == ("sexual", "criminal")
    assert not editor.controller.assessment(person_uuid).trafficking_indication
    assert editor.assessment.indication_text.text().startswith("Geen aanwijzing")
    form.indication.setFocus()
    qtbot.keyClick(form.indication, Qt.Key.Key_Space)
    assert detail(store, editor).persons[0].professional_indication is True
    result = editor.controller.assessment(person_uuid)
    assert result.trafficking_indication and "professional" in result.indication_by
    indication = editor.assessment.indication_text.text()
    assert indication.startswith("Aanwijzing van mensenhandel: ja")
    assert t("assess.indication_by.professional") in indication
    editor.go_to_step(SIGNALS)
    assert editor.assessment.b83_box.isVisibleTo(editor)  # nationality unknown: the duty

    # Another field saved later keeps both (person_raw carries them): a tap on "vrouw".
    editor.go_to_step(PERSONS)
    qtbot.mouseClick(form.sex.button_for("f"), Qt.MouseButton.LeftButton)
    person = detail(store, editor).persons[0]
    assert person.sex.value == "f"
    assert person.suspected_forms == ("sexual", "criminal") and person.professional_indication

    # Undo: the sex, then the judgement, in the vault and on screen.
    editor.undo()
    editor.undo()
    person = detail(store, editor).persons[0]
    assert person.professional_indication is False
    assert not form.indication.isChecked()
    assert form.form_buttons["criminal"].isChecked()
    assert editor.assessment.indication_text.text().startswith("Geen aanwijzing")
    editor.undo()
    assert detail(store, editor).persons[0].suspected_forms == ("sexual",)
    assert not form.form_buttons["criminal"].isChecked()

    # Only a possible victim has them: hidden for a witness, kept for when the role returns.
    editor.go_to_step(PERSONS)
    form.role.setCurrentIndex(form.role.findData("witness"))
    assert not form.fields["suspected_forms"].isVisibleTo(editor)
    assert not form.indication.isVisibleTo(editor)
    assert detail(store, editor).persons[0].suspected_forms == ("sexual",)
    form.role.setCurrentIndex(form.role.findData("possible_victim"))
    assert form.fields["suspected_forms"].isVisibleTo(editor)
    assert form.form_buttons["sexual"].isChecked()
    assert not form.sex.button_for("f").isChecked()  # the sex was undone on screen too
    assert "vermoeden: Seksueel" in editor.person_summary.text()


def test_past_turns_an_acute_alarm_into_a_signal(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    person_uuid = detail(store, editor).persons[0].meta.uuid
    panel, checklist, model = editor.assessment, editor.checklist, editor.checklist.model
    cycle_in_list(qtbot, editor, VIOLENCE)
    assert panel.acute_banner.isVisibleTo(editor)

    # P in the list: in the past. Saved, shown in the row, no alarm, still a signal.
    qtbot.keyClick(checklist.view, Qt.Key.Key_P)
    assert observation(store, editor, VIOLENCE, person_uuid).past is True
    assert not panel.acute_banner.isVisibleTo(editor)
    result = editor.controller.assessment(person_uuid)
    assert not result.acute and result.past_acute_indicators == (VIOLENCE,)
    assert panel.past_acute.isVisibleTo(editor)
    assert "Geweld tegen de persoon" in panel.past_acute.text()
    status = model.index_of(VIOLENCE, STATUS_COLUMN)
    assert status.data() == "in het verleden" and status.data(PAST_ROLE) is True
    assert "in het verleden" in model.index_of(VIOLENCE).data(Qt.ItemDataRole.AccessibleTextRole)
    assert checklist.past_button.isChecked()
    # The signal's details no longer call for 112 now.
    assert checklist.acute_reason.text().startswith("In het verleden vastgelegd: geen alarm nu")

    # Cycling, a source and a note never lose it.
    cycle_in_list(qtbot, editor, VIOLENCE)  # not observed: no longer shown as past
    saved = observation(store, editor, VIOLENCE, person_uuid)
    assert saved.status is ObservationStatus.NOT_OBSERVED and saved.past is True
    assert model.index_of(VIOLENCE, STATUS_COLUMN).data(PAST_ROLE) is False
    assert not checklist.past_button.isChecked()
    cycle_in_list(qtbot, editor, VIOLENCE, times=2)  # unknown, observed again
    saved = observation(store, editor, VIOLENCE, person_uuid)
    assert saved.status is ObservationStatus.OBSERVED and saved.past is True
    assert not panel.acute_banner.isVisibleTo(editor)
    qtbot.keyClick(checklist.view, Qt.Key.Key_E)
    editor.controller.set_note(person_uuid, VIOLENCE, "vorige maand")
    saved = observation(store, editor, VIOLENCE, person_uuid)
    assert saved.evidence is Evidence.SEEN and saved.note == "vorige maand" and saved.past

    # F3 anywhere toggles it; Ctrl+Z brings it back; the touch button does the same.
    qtbot.keyClick(checklist.filter, Qt.Key.Key_F3)
    assert observation(store, editor, VIOLENCE, person_uuid).past is False
    editor._refresh_assessment()
    assert panel.acute_banner.isVisibleTo(editor)
    qtbot.keyClick(checklist.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert observation(store, editor, VIOLENCE, person_uuid).past is True
    assert not panel.acute_banner.isVisibleTo(editor)
    checklist.set_current(VIOLENCE)
    qtbot.mouseClick(checklist.past_button, Qt.MouseButton.LeftButton)
    assert observation(store, editor, VIOLENCE, person_uuid).past is False
    assert panel.acute_banner.isVisibleTo(editor)
    assert checklist.acute_reason.text().startswith("Acuut:")

    # On a signal not recorded yet: recorded as observed, in the past.
    cycle_target = "ILO-CD-05"
    checklist.set_current(cycle_target)
    checklist.view.setFocus()
    qtbot.keyClick(checklist.view, Qt.Key.Key_P)
    saved = observation(store, editor, cycle_target, person_uuid)
    assert saved.status is ObservationStatus.OBSERVED and saved.past is True
    assert ("P / F3", "ui.visit.keys.past") in SHORTCUTS


def test_a_greenhouse_worker_is_assessed_for_labour_only(qtbot, make_editor, store) -> None:
    editor = make_editor()
    set_sector(editor, "agriculture")
    editor.add_person()
    set_age(qtbot, editor, "31")
    cycle_in_list(qtbot, editor, PASSPORT)  # ILO-CD-01: generic, opens no form
    outcomes = shown_outcomes(editor)
    assert len(outcomes) == 1 and outcomes[0].startswith("Arbeidsuitbuiting:")
    text = panel_text(editor)
    for form in ("sexual", "criminal", "organ_removal"):
        assert f"{t(f'form.{form}')}:" not in text
    panel = editor.assessment
    assert panel.not_in_context.isVisibleTo(editor)
    assert t("form.sexual") in panel.not_in_context.text()
    block = panel.form_blocks[0]
    assert "land- en tuinbouw" in block.context.text()  # why: the site's sector
    assert block.law.text().startswith("Art. 273f Sr")
    assert "opnemen" in block.law.text()  # met working there: the act "opnemen"


def test_a_witness_is_not_assessed_as_a_victim(qtbot, make_editor, store: Store) -> None:
    editor = make_editor()
    editor.add_person()
    cycle_in_list(qtbot, editor, PASSPORT)
    editor.add_person()
    form = editor.person_form
    form.role.setCurrentIndex(form.role.findData("witness"))
    # Signalen opens on the possible victim; the witness is chosen on purpose (Ctrl+2).
    editor.go_to_step(SIGNALS)
    assert editor.checklist.person_button.text() == "Persoon A"
    qtbot.keyClick(editor.checklist.view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert editor.checklist.person_button.text() == "Persoon B"
    cycle_in_list(qtbot, editor, PASSPORT)
    cycle_in_list(qtbot, editor, VIOLENCE)  # danger now: the alarm holds for anyone
    panel = editor.assessment
    assert panel.role_box.isVisibleTo(editor)
    assert panel.role_note.text().startswith("Rol getuige: niet beoordeeld")
    for widget in (panel.forms_card, panel.indication_box, panel.b83_box, panel.empty):
        assert not widget.isVisibleTo(editor)
    body = panel_text(editor).replace(panel.summary.text(), "")
    for outcome in ("signals_present", "exploited", "trafficking_indicated"):
        assert t(f"outcome.{outcome}") not in body
    assert panel.acute_banner.isVisibleTo(editor)
    assert "Politie" in panel.referrals.text()
    assert panel.not_a_verdict.isVisibleTo(editor)
    # The summary names the witness by role, the possible victim by outcome.
    summary = panel.summary.text()
    assert "Persoon B: getuige" in summary
    assert "Persoon A: signalen aanwezig" in summary


def test_b83_is_a_duty_for_a_third_country_and_a_note_for_an_eu_citizen(
    qtbot, make_editor, store: Store
) -> None:
    editor = make_editor()
    editor.add_person()
    controller = editor.controller
    person_uuid = controller.persons[0].meta.uuid
    form = editor.person_form
    cycle_in_list(qtbot, editor, PASSPORT)
    form.indication.setChecked(True)  # the duties follow the indication
    panel = editor.assessment
    for code, duty in (("RO", False), ("UA", True), ("NL", False)):
        editor.commit(
            lambda code=code: controller.set_person_field(person_uuid, "nationality", code)
        )
        assert panel.b83_box.isVisibleTo(editor) is duty, code
        assert panel.b83_note_box.isVisibleTo(editor) is (code == "RO"), code
        note = controller.assessment(person_uuid).b83_union_note
        if code == "RO":
            assert note is not None and panel.b83_note.text() == note["nl"]


def test_the_controller_keeps_past_and_the_own_view_without_widgets(store, catalogue) -> None:
    uuid = VisitEditor.start_new_visit(store, catalogue)
    controller = VisitController(store, catalogue, uuid)
    person = controller.add_person()
    scope = person.meta.uuid
    with pytest.raises(ValueError):
        controller.set_past(scope, VIOLENCE, False)  # nothing to unmark
    assert controller.set_past(scope, VIOLENCE, True).past is True
    assert controller.cycle(scope, VIOLENCE).past is True  # kept, like the note
    assert controller.set_evidence(scope, VIOLENCE, Evidence.TOLD).past is True
    controller.undo()
    controller.undo()
    state = controller.observation(scope, VIOLENCE)
    assert state is not None and state.status is ObservationStatus.OBSERVED and state.past
    controller.reload()  # read back from the vault
    assert controller.observation(scope, VIOLENCE).past is True
    controller.set_person_field(scope, "suspected_forms", ["surrogacy", "labour"])
    controller.set_person_field(scope, "professional_indication", True)
    controller.set_person_field(scope, "notes", "later")
    saved = controller.person(scope)
    assert saved.suspected_forms == ("labour", "surrogacy")  # in the catalogue's order
    assert saved.professional_indication is True
    assert person_raw(saved)["suspected_forms"] == ["labour", "surrogacy"]
    assert controller.assessment(scope).trafficking_indication
