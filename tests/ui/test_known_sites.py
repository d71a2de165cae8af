"""The coordinator's list of known sites in the Locatie step (issue 16): typing part of a name
or a whole KvK number offers the registered businesses of the region, and choosing one fills
the place in one step, by keyboard or by one tap, saved at once and undone at once; what the
inspector already wrote is kept and said. Driven as a user does: keys into the focused widget
or the open list, taps on the list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from fieldapp import i18n
from fieldapp.catalogue import Catalogue
from fieldapp.domain import Address, Role, Sector
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, SiteInput, VisitInput
from fieldapp.store.reply_store import KnownSite
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.connection import transaction
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.qt import press, type_text
from ui.visit import VisitEditor, steps
from ui.visit.known_sites import FILLED, caption, plan_fill
from ui.widgets import style_sheet

TABLET = QSize(853, 533)  # 1280×800 at 150%, in logical pixels
LAPTOP = QSize(1366, 768)
TOUCH = 44

# (kvk, name, street, number, postcode, place, municipality, sector), as a reply stores them:
# two branches of one chain, told apart by their place and KvK number.
HOEK_ROW = (
    "12345678",
    "Kwekerij De Hoek BV",
    "Hoekweg",
    "12",
    "2671 AB",
    "Naaldwijk",
    "Westland",
    "agriculture",
)
BRANCH_ROW = (
    "23456789",
    "Kwekerij De Hoek BV",
    "Zuidweg",
    "3",
    "2681 CD",
    "Monster",
    "Westland",
    "agriculture",
)
LOTUS_ROW = (
    "34567890",
    "Nagelstudio Lotus",
    "Markt",
    "1",
    "2671 AB",
    "Naaldwijk",
    "Westland",
    "nail_beauty",
)


def known_sites(store: Store, *rows: tuple[str, ...]) -> None:
    with transaction(store.conn):
        store.conn.executemany(
            "INSERT INTO known_sites (kvk, name, street, number, postcode, place,"
            " municipality, sector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


@pytest.fixture
def open_editor(qtbot, store: Store, catalogue: Catalogue) -> Iterator[Callable[..., VisitEditor]]:
    """An editor on a new visit inside a host styled as the main window styles it (touch mode
    adds the window's large-touch sheet), shown at a size, active so keys go where a user's
    would."""
    made: list[tuple[VisitEditor, QWidget]] = []

    def make(*, size: QSize = LAPTOP, touch: bool = False) -> VisitEditor:
        uuid = VisitEditor.start_new_visit(store, catalogue)
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
        return editor

    yield make
    for editor, host in made:  # cleared before the vault locks, then the window goes
        editor.clear()
        host.close()
        host.deleteLater()


def site_of(store: Store, editor: VisitEditor):
    return Store(store.vault).visit_detail(editor.visit_uuid).site


def shown(editor: VisitEditor) -> list[str]:
    model = editor.site_form.completer_model
    return [model.item(row).text() for row in range(model.rowCount())]


def assert_hoek(store: Store, editor: VisitEditor) -> None:
    """Every field the list fills, in the form and in the vault."""
    site = site_of(store, editor)
    stored = (
        site.kvk,
        site.name,
        site.address.street,
        site.address.number,
        site.address.postcode,
        site.address.place,
        site.municipality,
        site.sector.value,
    )
    assert stored == HOEK_ROW
    form = editor.site_form
    assert tuple(form.edits[name].text() for name in FILLED[:-1]) == (
        "Kwekerij De Hoek BV",
        "12345678",
        "Hoekweg",
        "12",
        "2671 AB",
        "Naaldwijk",
        "Westland",
    )
    assert form.sector.currentData() == "agriculture"
    assert not any(form.edits[name].isModified() for name in FILLED[:-1])  # all saved


def test_typing_part_of_a_name_offers_the_list_and_down_enter_fills_the_site(
    qtbot, open_editor, store: Store
) -> None:
    known_sites(store, HOEK_ROW, BRANCH_ROW, LOTUS_ROW)
    editor = open_editor()
    form = editor.site_form
    form.edits["name"].setFocus()
    type_text(qtbot, "kwek")
    popup = form.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert QApplication.activePopupWidget() is popup  # the list has the keyboard
    # Name, place and KvK number: the two branches of the chain are told apart.
    assert shown(editor) == [
        "Kwekerij De Hoek BV\nHoekweg 12, 2671 AB Naaldwijk · KvK 12345678",
        "Kwekerij De Hoek BV\nZuidweg 3, 2681 CD Monster · KvK 23456789",
    ]
    history = len(editor.controller.history)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert_hoek(store, editor)
    assert len(editor.controller.history) == history + 1  # one change
    assert editor.saved_label.text().startswith("Opgeslagen")
    assert form.known_notice.isVisible()
    assert form.known_notice.text() == t("ui.visit.known_sites.filled")
    # The sector was the last of the quick chain: Return there ends the step.
    assert QApplication.focusWidget() is form.sector
    # One undo puts every field back.
    press(qtbot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    site = site_of(store, editor)
    assert (site.name, site.kvk, site.address, site.municipality, site.sector) == (
        "",
        None,
        Address(),
        None,
        Sector.OTHER,
    )
    assert form.edits["name"].text() == ""
    assert form.edits["street"].text() == ""
    assert not form.known_notice.isVisible()


def test_one_tap_on_a_suggestion_fills_the_site_in_touch_mode_on_a_tablet(
    qtbot, open_editor, store: Store, catalogue: Catalogue
) -> None:
    # A place visited before with only its name: its suggestion is one line.
    store.record_visit(
        NewVisit(
            SiteInput(name="Kas De Hoek", sector=Sector.AGRICULTURE),
            VisitInput(started_at="2026-01-05T09:00:00Z"),
        ),
        catalogue.version,
    )
    known_sites(store, HOEK_ROW, BRANCH_ROW)
    editor = open_editor(size=TABLET, touch=True)
    form = editor.site_form
    form.edits["name"].setFocus()
    type_text(qtbot, "Hoek")
    popup = form.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert shown(editor)[0] == "Kas De Hoek"
    model = form.completer.completionModel()
    rects = [popup.visualRect(model.index(row, 0)) for row in range(model.rowCount())]
    assert len(rects) == 3
    assert all(rect.height() >= TOUCH for rect in rects)  # a finger's target each, one line too
    # Nothing cut off: the list as wide as the name field, inside the window.
    name = form.edits["name"]
    assert popup.width() >= name.width()
    assert popup.geometry().right() <= name.window().geometry().right()
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rects[2].center())
    assert not popup.isVisible()
    site = site_of(store, editor)
    assert (site.kvk, site.address.place, site.address.street) == ("23456789", "Monster", "Zuidweg")
    assert form.edits["place"].text() == "Monster"
    assert editor.saved_label.text().startswith("Opgeslagen")


def test_a_whole_kvk_number_offers_its_business(qtbot, open_editor, store: Store) -> None:
    known_sites(store, HOEK_ROW, BRANCH_ROW, LOTUS_ROW)
    editor = open_editor(size=TABLET)
    form = editor.site_form
    form.edits["kvk"].setFocus()
    popup = form.completer.popup()
    type_text(qtbot, "1234567")
    assert not popup.isVisible()  # not a KvK number yet; digits of a name or postcode neither
    type_text(qtbot, "8")
    qtbot.waitUntil(popup.isVisible)
    assert shown(editor) == ["Kwekerij De Hoek BV\nHoekweg 12, 2671 AB Naaldwijk · KvK 12345678"]
    # Under the KvK field, as wide as the name: the narrow column would cut the address.
    assert popup.width() >= form.edits["name"].width()
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    assert_hoek(store, editor)


def test_what_the_inspector_wrote_is_kept_and_said(qtbot, open_editor, store: Store) -> None:
    known_sites(store, HOEK_ROW)
    editor = open_editor()
    form = editor.site_form
    form.edits["street"].setFocus()
    type_text(qtbot, "Kasweg")
    press(qtbot, Qt.Key.Key_Tab)
    form.sector.setCurrentIndex(form.sector.findData("construction"))
    form.edits["postcode"].setFocus()
    type_text(qtbot, "2671ab")  # the list's postcode, written otherwise: the same
    press(qtbot, Qt.Key.Key_Tab)
    form.edits["name"].setFocus()
    type_text(qtbot, "kwek")
    qtbot.waitUntil(form.completer.popup().isVisible)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    site = site_of(store, editor)
    assert site.address.street == "Kasweg"  # kept
    assert site.sector is Sector.CONSTRUCTION  # kept
    assert (site.name, site.kvk, site.address.number, site.address.place) == (
        "Kwekerij De Hoek BV",
        "12345678",
        "12",
        "Naaldwijk",
    )
    assert form.edits["street"].text() == "Kasweg"
    kept = "; ".join(
        [
            t("ui.visit.known_sites.kept_field", field=caption("street"), value="Hoekweg"),
            t(
                "ui.visit.known_sites.kept_field",
                field=caption("sector"),
                value="Land- en tuinbouw",
            ),
        ]
    )
    assert form.known_notice.isVisible()
    assert form.known_notice.text() == (
        f"{t('ui.visit.known_sites.filled')} {t('ui.visit.known_sites.kept', fields=kept)}"
    )
    assert "Straat (lijst: Hoekweg)" in form.known_notice.text()
    assert "postcode" not in form.known_notice.text().lower()  # the same, not a difference


def test_one_character_offers_nothing(qtbot, open_editor, store: Store) -> None:
    known_sites(store, HOEK_ROW, BRANCH_ROW)
    editor = open_editor()
    form = editor.site_form
    form.edits["name"].setFocus()
    type_text(qtbot, "K")
    assert form.completer_model.rowCount() == 0
    assert not form.completer.popup().isVisible()
    type_text(qtbot, "w")
    qtbot.waitUntil(form.completer.popup().isVisible)


def test_nothing_is_offered_without_a_list(qtbot, open_editor, store: Store) -> None:
    """A device that got no reply yet (and a coordinator's vault, whose list stays empty)."""
    editor = open_editor()
    form = editor.site_form
    form.edits["name"].setFocus()
    type_text(qtbot, "kwek")
    assert form.completer_model.rowCount() == 0
    assert not form.completer.popup().isVisible()
    form.edits["kvk"].setFocus()
    type_text(qtbot, "12345678")
    assert not form.completer.popup().isVisible()
    press(qtbot, Qt.Key.Key_Tab)
    site = site_of(store, editor)  # what was typed, saved as typed; nothing more
    assert (site.name, site.kvk, site.address, site.sector) == (
        "kwek",
        "12345678",
        Address(),
        Sector.OTHER,
    )
    assert not form.known_notice.isVisible()


def test_a_coordinators_vault_offers_no_list(qtbot, tmp_path: Path, catalogue: Catalogue) -> None:
    """The coordinator sends lists and never gets one: its own visits offer only its own
    places."""
    vault = Vault.create(tmp_path / "coordinator", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    try:
        store = Store(vault)
        editor = VisitEditor(store, catalogue, VisitEditor.start_new_visit(store, catalogue))
        qtbot.addWidget(editor)
        editor.show()
        qtbot.waitExposed(editor)
        form = editor.site_form
        form._search_sites("kwek")
        form._search_sites("12345678", "kvk")
        assert form.completer_model.rowCount() == 0
        assert not form.completer.popup().isVisible()
        editor.clear()
    finally:
        vault.lock()


def test_a_place_already_in_the_vault_is_offered_once(
    qtbot, open_editor, store: Store, catalogue: Catalogue
) -> None:
    """The business visited before: its record is offered (the visit is recorded there), not
    the list's copy of it as well."""
    store.record_visit(
        NewVisit(
            SiteInput(
                name="Kwekerij De Hoek BV",
                sector=Sector.AGRICULTURE,
                kvk="12345678",
                address=Address("Hoekweg", "12", "2671 AB", "Naaldwijk"),
            ),
            VisitInput(started_at="2026-01-05T09:00:00Z"),
        ),
        catalogue.version,
    )
    known_sites(store, HOEK_ROW, BRANCH_ROW)
    editor = open_editor()
    editor.site_form.edits["name"].setFocus()
    type_text(qtbot, "kwek")
    assert [text.split("\n")[1] for text in shown(editor)] == [
        "Hoekweg 12, 2671 AB Naaldwijk · KvK 12345678",  # the place in the vault
        "Zuidweg 3, 2681 CD Monster · KvK 23456789",  # the branch from the list
    ]


def test_the_list_of_suggestions_passes_the_model_tester(
    qtbot, qtmodeltester, open_editor, store: Store
) -> None:
    known_sites(store, HOEK_ROW, BRANCH_ROW, LOTUS_ROW)
    editor = open_editor()
    editor.site_form._search_sites("Kwekerij")
    assert editor.site_form.completer_model.rowCount() == 2
    qtmodeltester.check(editor.site_form.completer_model)
    qtmodeltester.check(editor.site_form.completer.completionModel())


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_field_the_list_fills_has_a_caption(lang: str) -> None:
    """The line under the name names a kept field by its caption (a key built at run time)."""
    for name in FILLED:
        assert f"ui.visit.site.{name}" in i18n.catalogue(lang)
    assert caption("street") == "Straat"


def test_the_plan_fills_what_is_empty_keeps_what_differs_and_skips_what_is_refused(
    store: Store, catalogue: Catalogue
) -> None:
    visit = store.record_visit(
        NewVisit(
            SiteInput(
                name="kwek",
                sector=Sector.CONSTRUCTION,
                address=Address(street="Kasweg", postcode="2671 AB"),
                municipality="westland",
            ),
            VisitInput(started_at="2026-01-05T09:00:00Z"),
        ),
        catalogue.version,
    )
    site = store.visit_detail(visit).site
    known = KnownSite(
        "Kwekerij De Hoek BV",
        "12345678",
        "Hoekweg",
        "12",
        "2671ab",
        "Naaldwijk",
        "Westland",
        "agriculture",
    )
    plan = plan_fill(site, known, "name")
    assert plan.values == {
        "name": "Kwekerij De Hoek BV",  # typed in: the search, replaced
        "kvk": "12345678",
        "number": "12",
        "place": "Naaldwijk",
    }  # the postcode and the municipality say the same, written otherwise: left alone
    assert plan.kept == {"street": "Hoekweg", "sector": "agriculture"}
    refused = known._replace(postcode="XYZ", sector="spa")  # never from a real reply
    assert "postcode" not in plan_fill(site, refused, "name").values
    assert "sector" not in plan_fill(site, refused, "name").kept
    # From the KvK field the name the inspector wrote is kept, and said.
    assert plan_fill(site, known, "kvk").kept["name"] == "Kwekerij De Hoek BV"


# -- what it saves, counted as test_field_speed.py counts: every typed character one event,
# every other key one event, every tap one event ------------------------------------------


def test_the_list_saves_the_typing_of_a_whole_place(
    qtbot, open_editor, store: Store, capsys
) -> None:
    """The same greenhouse recorded twice, to the start of Personen: from four letters and
    the list, then typed in full by Tab as test_field_speed.py does (an open list of
    suggestions lets Tab through, so typing in full costs the same with or without it)."""
    known_sites(store, HOEK_ROW, BRANCH_ROW, LOTUS_ROW)
    counts: dict[str, tuple[int, int]] = {}

    from_the_list = open_editor()
    assert QApplication.focusWidget() is from_the_list.site_form.edits["name"]
    type_text(qtbot, "kwek")
    qtbot.waitUntil(from_the_list.site_form.completer.popup().isVisible)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)  # chosen: the place is filled, the sector has the keys
    press(qtbot, Qt.Key.Key_Return)  # on to the persons
    assert from_the_list.current_step() == steps.PERSONS
    assert_hoek(store, from_the_list)
    counts["from the list"] = (4, 3)

    typed_in_full = open_editor()
    assert QApplication.focusWidget() is typed_in_full.site_form.edits["name"]
    typed = keys = 0
    for text, tabs in (
        ("Kwekerij De Hoek BV", 2),  # past the trade name
        ("Hoekweg", 1),
        ("12", 1),
        ("2671AB", 1),
        ("Naaldwijk", 1),
        ("Westland", 1),
        ("12345678", 1),
        ("land", 0),  # the sector list jumps to "Land- en tuinbouw"
    ):
        type_text(qtbot, text)
        typed += len(text)
        for _ in range(tabs):
            press(qtbot, Qt.Key.Key_Tab)
            keys += 1
    press(qtbot, Qt.Key.Key_Return)  # the end of the place: on to the persons
    keys += 1
    assert typed_in_full.current_step() == steps.PERSONS
    assert_hoek(store, typed_in_full)
    counts["typed in full"] = (typed, keys)

    with capsys.disabled():
        for way, (chars, other) in counts.items():
            print(f"\n{way}: {chars} typed characters + {other} other keys = {chars + other}")
    assert counts == {"from the list": (4, 3), "typed in full": (63, 9)}
