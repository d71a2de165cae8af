"""The employment agency and the workers' housing on the Locatie step (issue 15): behind one
button that a tap or the keyboard opens, saved through the controller like every site field,
refused with the reason when a postcode or KvK number cannot be right, and open by itself
for a place that has them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from fieldapp.domain import Address
from fieldapp.store.store import Store
from ui.visit import VisitEditor
from ui.visit.site_form import MORE_FIELDS
from ui.widgets import style_sheet


def site(store: Store, editor):
    return Store(store.vault).visit_detail(editor.visit_uuid).site


def test_intermediary_and_housing_are_saved_from_behind_one_button(
    qtbot, make_editor, store: Store
) -> None:
    editor = make_editor()
    form = editor.site_form
    assert not any(form.edits[name].isVisibleTo(editor) for name in MORE_FIELDS)
    form.sector.setFocus()
    qtbot.keyClick(form.sector, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.more_button  # Tab: after the sector
    qtbot.keyClick(form.more_button, Qt.Key.Key_Space)  # opens; the first field takes the keys
    assert QApplication.focusWidget() is form.edits["intermediary_name"]

    for text in ("Flex Uitzend BV", "1234 5678", "Dorpsstraat", "12a", "2675ab", "Monster"):
        qtbot.keyClicks(QApplication.focusWidget(), text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.sector  # Return went through them all
    saved = site(store, editor)
    assert saved.intermediary_name == "Flex Uitzend BV"
    assert saved.intermediary_kvk == "12345678"
    assert saved.housing == Address("Dorpsstraat", "12a", "2675 AB", "Monster")
    assert saved.address == Address()  # the place's own address is another one
    assert form.edits["housing_postcode"].text() == "2675 AB"  # shown as stored

    # Undone like any site field; a second editor on the visit shows them open.
    form.edits["housing_place"].setFocus()
    qtbot.keyClick(form.edits["housing_place"], Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert site(store, editor).housing.place is None
    again = make_editor(editor.visit_uuid)
    assert again.site_form.more_button.isChecked()
    assert again.site_form.edits["intermediary_name"].isVisibleTo(again)
    assert again.site_form.edits["housing_street"].text() == "Dorpsstraat"


def test_a_wrong_agency_kvk_or_housing_postcode_is_said_and_not_saved(
    qtbot, make_editor, store: Store
) -> None:
    editor = make_editor()
    form = editor.site_form
    qtbot.mouseClick(form.more_button, Qt.MouseButton.LeftButton)  # by touch too
    assert form.edits["housing_postcode"].isVisibleTo(editor)
    assert QApplication.focusWidget() is form.edits["intermediary_name"]

    form.edits["intermediary_kvk"].setFocus()
    qtbot.keyClicks(form.edits["intermediary_kvk"], "1234")
    qtbot.keyClick(form.edits["intermediary_kvk"], Qt.Key.Key_Return)
    message = form.fields["intermediary_kvk"].message.text()
    assert "8 cijfers" in message and message.endswith("Niet opgeslagen.")
    assert QApplication.focusWidget() is form.edits["intermediary_kvk"]

    form.edits["housing_postcode"].setFocus()
    qtbot.keyClicks(form.edits["housing_postcode"], "0123")  # said while typing
    assert form.fields["housing_postcode"].message.text() != ""
    qtbot.keyClick(form.edits["housing_postcode"], Qt.Key.Key_Return)
    saved = site(store, editor)
    assert saved.intermediary_kvk is None and saved.housing.postcode is None
    assert form.fields["postcode"].message.text() == ""  # the place's own field is untouched


@pytest.mark.parametrize("touch", [True, False], ids=["large touch", "normal"])
def test_the_more_button_is_not_cut_on_a_tablet(qtbot, store: Store, catalogue, touch) -> None:
    """At 853x533 (1280x800 at 150 %) it had the first column only and read "Jitzendbureau
    en huisvesti": across both columns it has its whole width."""
    host = QWidget()
    host.setStyleSheet(style_sheet(touch))
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    editor = VisitEditor(store, catalogue, VisitEditor.start_new_visit(store, catalogue))
    layout.addWidget(editor)
    editor.set_large_touch(touch)
    qtbot.addWidget(host)
    host.resize(QSize(853, 533))
    host.show()
    qtbot.waitExposed(host)
    button = editor.site_form.more_button
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width())
    assert button.isVisible()
    assert button.fontMetrics().horizontalAdvance(button.text()) < button.width()
    editor.clear()
