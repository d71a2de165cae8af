"""A typical visit recorded through the real widgets by keyboard only, counting every key.

The visit: a car wash (name, postcode, place, sector), three persons, eight signals (three for
everyone at the visit, the rest per person, one of them acute) and one note. Every key goes to
the widget that has the focus, as it would for a user; nothing is set directly. The Ctrl+N that
the main window handles is counted as one key.

Run with ``pytest -s`` to see the counts and the wall time. Timings are printed, never asserted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldapp.catalogue import load_catalogue
from fieldapp.domain import ObservationStatus, Sector
from fieldapp.store.store import Store
from ui.visit import VisitEditor

# (filter words, the signal Return should record); None: for everyone at the visit.
VISIT_LEVEL = (
    ("slaapt", "POL-1-05"),  # no home of own, sleeps at the workplace
    ("zwart betaald", "NLA-09"),  # paid off the books
    ("werkdagen", "NLA-02"),  # structurally long working days
)
PER_PERSON = {
    "A": (("paspoort", "ILO-CD-01"), ("schuld werkgever", "POL-1-08")),
    "B": (("onderbetaald", "NLA-03"), ("angstig", "VEN-10")),
    "C": (("geweld", "ILO-CD-04"),),  # acute
}
NOTE = "Blauwe plek op de arm"


@dataclass
class Keyboard:
    """Sends keys to the focused widget and counts them honestly."""

    qtbot: object
    typed_characters: int = 0
    other_keys: int = 0
    text_entries: int = 0

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(QApplication.focusWidget(), text)
        self.typed_characters += len(text)
        self.text_entries += 1

    def press(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(QApplication.focusWidget(), key, modifier)
        self.other_keys += 1

    def count_shell_key(self) -> None:
        """A key the main window handles (Ctrl+N)."""
        self.other_keys += 1

    @property
    def total(self) -> int:
        return self.typed_characters + self.other_keys

    @property
    def actions(self) -> int:
        """Non-text keys plus fields (or filter searches) filled."""
        return self.other_keys + self.text_entries


def test_a_typical_visit_by_keyboard_only(qtbot, store: Store) -> None:
    catalogue = load_catalogue()
    keys = Keyboard(qtbot)
    started = time.perf_counter()

    keys.count_shell_key()  # Ctrl+N in the main window
    visit_uuid = VisitEditor.start_new_visit(store, catalogue)
    editor = VisitEditor(store, catalogue, visit_uuid)
    qtbot.addWidget(editor)
    editor.resize(1400, 900)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    assert QApplication.focusWidget() is editor.site_form.edits["name"]

    # The site: Return jumps name -> postcode -> place -> sector -> signals.
    keys.type("Autowasstraat Glans")
    keys.press(Qt.Key.Key_Return)
    keys.type("2675AB")
    keys.press(Qt.Key.Key_Return)
    keys.type("Honselersdijk")
    keys.press(Qt.Key.Key_Return)
    keys.type("auto")  # the sector list jumps to "Autowasstraat"
    keys.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() is editor.checklist.filter

    # Signals for everyone at the visit (no person selected yet).
    for words, _ in VISIT_LEVEL:
        keys.type(words)
        keys.press(Qt.Key.Key_Return)

    # Three persons, each with their own signals.
    for label, signals in PER_PERSON.items():
        keys.press(Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        assert editor.checklist.person_button.text() == f"Persoon {label}"
        for words, _ in signals:
            keys.type(words)
            keys.press(Qt.Key.Key_Return)

    # A note with the last signal: F2, the text, Return (back to the filter).
    keys.press(Qt.Key.Key_F2)
    keys.type(NOTE)
    keys.press(Qt.Key.Key_Return)
    assert QApplication.focusWidget() is editor.checklist.filter
    elapsed = time.perf_counter() - started

    # Everything is in the vault, read back with a fresh store.
    visit = Store(store.vault).visit_detail(visit_uuid)
    assert visit.site.name == "Autowasstraat Glans"
    assert visit.site.address.postcode == "2675 AB"
    assert visit.site.address.place == "Honselersdijk"
    assert visit.site.sector is Sector.CAR_WASH
    persons = {person.label: person.meta.uuid for person in visit.persons}
    assert list(persons) == ["A", "B", "C"]
    recorded = {(o.person_uuid, o.indicator_id): o for o in visit.observations}
    expected = {(None, indicator) for _, indicator in VISIT_LEVEL}
    for label, signals in PER_PERSON.items():
        expected |= {(persons[label], indicator) for _, indicator in signals}
    assert set(recorded) == expected
    assert len(expected) == 8
    assert all(o.status is ObservationStatus.OBSERVED for o in recorded.values())
    assert recorded[(persons["C"], "ILO-CD-04")].note == NOTE
    assert editor.assessment.acute_banner.isVisibleTo(editor)  # person C: call 112 now

    print(
        f"\nfield speed: {keys.total} key presses in all"
        f" ({keys.typed_characters} typed characters + {keys.other_keys} other keys,"
        f" Ctrl+N included); {keys.actions} actions"
        f" ({keys.other_keys} non-text keys + {keys.text_entries} fields or searches filled);"
        f" wall time {elapsed:.2f} s"
    )
    assert keys.actions < 45
    editor.clear()
