"""The typical visit of issue 14, recorded through the real editor by keyboard only, through
its four steps, counting honestly: every typed character is one event, every other key one
event (a key with Ctrl or Alt too), every click one event.

The visit: a greenhouse (name, street, number, postcode, place, municipality, sector); two
persons, each with sex, age band, nationality and language; six signals, two for everyone at
the visit and two per person; then Afronden and a police referral made in the referral dialog
(its recipient and "Maken" are clicks). Every key goes to where a user's key would go (an open
list of suggestions, else the focused widget); nothing is set directly. The Ctrl+N that the
main window handles is counted as one key. Exporting the PDF (a file dialog and a password)
is not driven here.

Run with ``pytest -s`` to see the counts. Nothing about time is measured or asserted, and no
bound on the events either: the issue's target (at most 45 events besides typed characters)
is for the whole visit with the PDF export, which this run leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from fieldapp.catalogue import load_catalogue
from fieldapp.domain import ObservationStatus, Sector
from fieldapp.store.store import Store
from ui.visit import VisitEditor, steps
from ui.widgets import style_sheet

LAPTOP = QSize(1366, 768)
# (filter words, the signal Return should record); the first two for everyone at the visit.
VISIT_LEVEL = (
    ("slaapt", "POL-1-05"),  # no home of own, sleeps at the workplace
    ("zwart betaald", "ILO-EX-06"),  # paid off the books (NLA-09: one row, its lead)
)
PER_PERSON = {
    "A": (("paspoort", "ILO-CD-01"), ("schuld werkgever", "ILO-CD-02")),
    "B": (("onderbetaald", "ILO-EX-04"), ("werkdagen", "ILO-EX-01")),
}
# Arrow presses from the stored "onbekend" to the sex (the row wraps: man, vrouw, X, onbekend)
# and from the first age band to the one meant (0-11, 12-15, 16-17, 18-24, 25-39 ...).
THE_PERSONS = {
    "A": {"sex": ("f", 2), "band": ("25-39", 4), "country": "Pol", "code": "PL", "lang": ("pl",)},
    "B": {"sex": ("m", 1), "band": ("18-24", 3), "country": "Roem", "code": "RO", "lang": ("ro",)},
}


@dataclass
class Counter:
    """Sends keys and clicks where a user's would go and counts each as one event."""

    qtbot: object
    typed: int = 0
    keys: int = 0
    clicks: int = 0

    @staticmethod
    def target() -> QWidget:
        widget = QApplication.activePopupWidget() or QApplication.focusWidget()
        assert widget is not None
        return widget

    def type(self, text: str) -> None:
        for char in text:
            self.qtbot.keyClicks(self.target(), char)
            self.typed += 1

    def press(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(self.target(), key, modifier)
            self.keys += 1

    def click(self, button: QPushButton) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.clicks += 1

    def shell_key(self) -> None:
        """A key the main window handles (Ctrl+N)."""
        self.keys += 1

    @property
    def other(self) -> int:
        return self.keys + self.clicks


def test_a_typical_visit_through_the_four_steps(qtbot, store: Store) -> None:
    catalogue = load_catalogue()
    count = Counter(qtbot)
    count.shell_key()  # Ctrl+N in the main window
    visit_uuid = VisitEditor.start_new_visit(store, catalogue)
    host = QWidget()
    host.setStyleSheet(style_sheet(False))
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    editor = VisitEditor(store, catalogue, visit_uuid)
    layout.addWidget(editor)
    host.resize(LAPTOP)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow)
    assert QApplication.focusWidget() is editor.site_form.edits["name"]

    # 1 Locatie, by Tab (Return takes the short chain name -> postcode -> place -> sector).
    tab = Qt.Key.Key_Tab
    count.type("Kwekerij Zuidweg")
    count.press(tab, times=2)  # past the trade name
    count.type("Zuidweg")
    count.press(tab)
    count.type("12")
    count.press(tab)
    count.type("2681AB")
    count.press(tab)
    count.type("Monster")
    count.press(tab)
    count.type("Westland")
    count.press(tab, times=2)  # past the KvK number
    count.type("land")  # the sector list jumps to "Land- en tuinbouw"
    count.press(Qt.Key.Key_Return)  # the end of the place: on to the persons
    assert editor.current_step() == steps.PERSONS

    # 2 Personen: Return on "Persoon toevoegen", then the quick choices and Return.
    count.press(Qt.Key.Key_Return)
    for label, person in THE_PERSONS.items():
        if label != "A":
            count.press(Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        count.press(Qt.Key.Key_Right, times=person["sex"][1])
        count.press(Qt.Key.Key_Return)
        count.press(Qt.Key.Key_Right, times=person["band"][1])
        count.press(Qt.Key.Key_Return)
        count.type(person["country"])
        count.press(Qt.Key.Key_Return)  # the list of countries takes it
        if QApplication.focusWidget() is not editor.person_form.languages:
            count.press(Qt.Key.Key_Return)  # and the field moves on
        assert QApplication.focusWidget() is editor.person_form.languages
        count.press(Qt.Key.Key_Return)  # the language followed: on to this person's signals
        assert editor.current_step() == steps.SIGNALS
        for words, _ in PER_PERSON[label]:
            count.type(words)
            count.press(Qt.Key.Key_Return)

    # 3 Signalen for everyone at the visit.
    count.press(Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    for words, _ in VISIT_LEVEL:
        count.type(words)
        count.press(Qt.Key.Key_Return)

    # 4 Afronden: the police referral about person A.
    count.press(Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert editor.current_step() == steps.FINISH
    count.press(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    count.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = editor.referral_dialog
    assert dialog is not None
    count.click(dialog.recipient_buttons["police"])
    count.click(dialog.make_button)
    assert dialog.made is not None, dialog.message.text()

    held = Store(store.vault).visit_detail(visit_uuid)
    site = held.site
    assert (site.name, site.address.street, site.address.number) == (
        "Kwekerij Zuidweg",
        "Zuidweg",
        "12",
    )
    assert (site.address.postcode, site.address.place) == ("2681 AB", "Monster")
    assert site.municipality == "Westland" and site.sector is Sector.AGRICULTURE
    persons = {p.label: p for p in held.persons}
    assert list(persons) == ["A", "B"]
    for label, person in THE_PERSONS.items():
        saved = persons[label]
        assert saved.sex.value == person["sex"][0], label
        assert saved.age_band is not None and saved.age_band.value == person["band"][0], label
        assert saved.nationality == person["code"] and saved.languages == person["lang"], label
    recorded = {(o.person_uuid, o.indicator_id): o for o in held.observations}
    expected = {(None, indicator) for _, indicator in VISIT_LEVEL}
    for label, signals in PER_PERSON.items():
        expected |= {(persons[label].meta.uuid, indicator) for _, indicator in signals}
    assert set(recorded) == expected and len(expected) == 6
    assert all(o.status is ObservationStatus.OBSERVED for o in recorded.values())

    print(
        f"\nfield speed (keyboard, 1366×768): {count.typed + count.other} events:"
        f" {count.typed} typed characters, {count.other} other events"
        f" ({count.keys} keys, Ctrl+N included, and {count.clicks} clicks);"
        f" PDF export not included"
    )
    dialog.reject()
    editor.clear()
    host.close()
    host.deleteLater()
