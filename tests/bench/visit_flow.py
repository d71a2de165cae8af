"""Issue 14's typical visit through the real main window, counting every input event.

The real :class:`ui.main_window.MainWindow` on a :class:`ui.session.VaultSession` (the real
editor, offscreen) records a greenhouse visit: a new visit; site name, street, number,
postcode, place, municipality, sector; two persons with sex, age band, nationality and
language; six signals, two for everyone and two per person; then a police referral, made and
exported with a password. Every event goes where a user's would (the open list of
suggestions, else the focused widget; a click or tap on the widget a user would touch) and is
counted: each typed character one, each other key one (with Ctrl or Alt too), each click or
tap one. Nothing is set on a model directly.

Runs: by keyboard, by touch (taps where the UI offers a button; the on-screen keyboard's
characters counted as taps), and a revisit of a site already in the vault. Each screen size
runs in its own process (``QT_SCALE_FACTOR`` is read when the QApplication is made) on an
offscreen screen of that size (:func:`measure_screen`; ``make bench BENCH_ARGS="--only flow"``).

The keystroke-level-model estimate (Card, Moran & Newell): K = 0.28 s a key or character,
P + tap = 1.1 + 0.2 s a click or tap, M = 1.35 s a mental decision. One M per decision a user
takes: each field filled or choice made (a site field, a person's sex, age band, nationality,
language, a signal, a recipient), each "on to the next thing" (new visit, add a person, a
scope or step change, open the referral, make, export, the file name, the password). Keys
that only move within a decision (Tab, arrows, Return to confirm) cost K without an M.
The figures are reported, never asserted (``tests.bench.cases.bench_flow``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

K_SECONDS = 0.28
POINT_TAP_SECONDS = 1.1 + 0.2
M_SECONDS = 1.35
SCREENS = {"laptop": ((1366, 768), None), "tablet": ((853, 533), "1.5")}
SCREEN_LABELS = {"laptop": "1366×768", "tablet": "1280×800 at 150 %"}

SITE = {
    "name": "Kwekerij Zuidweg",
    "street": "Zuidweg",
    "number": "12",
    "postcode": "2681AB",
    "place": "Monster",
    "municipality": "Westland",
}
TOUCH_SITE = {**SITE, "name": "Kwekerij Noordweg", "street": "Noordweg"}
SECTOR_TYPED = "land"  # the sector list jumps to "Land- en tuinbouw"
# (filter words, the signals meant: either of two catalogues' wording of the same thing, as the
# checklist may show one of them); the first two for everyone at the visit.
VISIT_LEVEL = (("slaapt", ("POL-1-05",)), ("zwart betaald", ("NLA-09", "ILO-EX-06")))
PER_PERSON = {
    "A": (("paspoort", ("ILO-CD-01",)), ("schuld werkgever", ("POL-1-08", "ILO-CD-02"))),
    "B": (("onderbetaald", ("NLA-03", "ILO-EX-04")), ("werkdagen", ("NLA-02", "ILO-EX-01"))),
}


@dataclass(frozen=True)
class Who:
    """A person's quick choices: the sex and the letter typed for it ("v": vrouw); the age
    band and the age typed for it (an estimate: "30" is 25–39 jaar); the country typed, its
    code; the language."""

    sex: str
    sex_typed: str
    band: str
    age_typed: str
    country: str
    code: str
    lang: str


PERSONS = {
    "A": Who("f", "v", "25-39", "30", "Pol", "PL", "pl"),
    "B": Who("m", "m", "18-24", "20", "Roem", "RO", "ro"),
}
REVISIT_TYPED = "Kwe"


@dataclass
class Counter:
    """Sends events where a user's would go and counts each one."""

    typed: int = 0  # characters on a keyboard
    keys: int = 0  # other keys
    clicks: int = 0  # clicks or taps
    screen_keys: int = 0  # characters on the on-screen keyboard (taps)
    swipes: int = 0  # scrolling a list by finger
    decisions: int = 0
    notes: list[str] = field(default_factory=list)
    marks: list[tuple[str, int, int]] = field(default_factory=list)

    def mark(self, phase: str) -> None:
        """The end of a phase: its characters (typed or on screen) and other events."""
        characters = self.typed + self.screen_keys
        other = self.keys + self.clicks + self.swipes
        before_chars = sum(m[1] for m in self.marks)
        before_other = sum(m[2] for m in self.marks)
        self.marks.append((phase, characters - before_chars, other - before_other))

    @staticmethod
    def target() -> Any:
        from PySide6.QtWidgets import QApplication

        widget = QApplication.activePopupWidget() or QApplication.focusWidget()
        if widget is None:
            raise RuntimeError("no widget has the keyboard")
        return widget

    def _key(self, key: Any, modifier: Any = None, text: str | None = None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        modifier = modifier if modifier is not None else Qt.KeyboardModifier.NoModifier
        if text is None:
            QTest.keyClick(self.target(), key, modifier)
        else:
            QTest.keyClicks(self.target(), text)
        QApplication.processEvents()

    def type(self, text: str, *, on_screen: bool = False) -> None:
        for char in text:
            self._key(None, text=char)
            if on_screen:
                self.screen_keys += 1
            else:
                self.typed += 1

    def press(self, key: Any, modifier: Any = None, times: int = 1) -> None:
        for _ in range(times):
            self._key(key, modifier)
            self.keys += 1

    def click(self, widget: Any, position: Any = None) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        if not widget.isVisible():
            raise RuntimeError(f"{type(widget).__name__} {widget.objectName()} is not shown")
        point = (
            position if position is not None else QPoint(widget.width() // 2, widget.height() // 2)
        )
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        QApplication.processEvents()
        self.clicks += 1

    def decide(self, count: int = 1) -> None:
        self.decisions += count

    def figures(self, touch: bool) -> dict[str, Any]:
        other = self.keys + self.clicks + self.swipes
        pointing = self.clicks + self.swipes + self.screen_keys
        klm = (
            (self.typed + self.keys) * K_SECONDS
            + pointing * POINT_TAP_SECONDS
            + self.decisions * M_SECONDS
        )
        # What no interface can save: the data's characters and the decisions themselves.
        floor = (self.typed + self.screen_keys) * K_SECONDS + self.decisions * M_SECONDS
        return {
            "typed_characters": self.typed,
            "on_screen_characters": self.screen_keys,
            "keys": self.keys,
            "clicks_or_taps": self.clicks,
            "swipes": self.swipes,
            "other_events": other,
            "total_events": self.typed + self.screen_keys + other,
            "taps": self.clicks + self.screen_keys + self.swipes if touch else None,
            "decisions": self.decisions,
            "klm_seconds": klm,
            "floor_seconds": floor,
            "notes": self.notes,
            "phases": {name: {"characters": c, "other": o} for name, c, o in self.marks},
        }


def _wait(condition: Any, what: str, timeout_ms: int = 5000) -> None:
    from PySide6.QtTest import QTest

    waited = 0
    while not condition():
        if waited >= timeout_ms:
            raise RuntimeError(f"gave up waiting: {what}")
        QTest.qWait(10)
        waited += 10


def open_window(folder: Path, size: tuple[int, int], *, create: bool) -> Any:
    """A shown, unlocked main window on ``folder`` (unlocking is not part of the visit)."""
    from PySide6.QtTest import QTest

    from fieldapp.domain import Role
    from fieldapp.store.store import Store
    from fieldapp.vault import Vault
    from fieldapp.vault.keyfile import FAST_FOR_TESTS
    from tests.support import PASSPHRASE
    from ui.main_window import MainWindow
    from ui.runner import InlineRunner
    from ui.session import Screen, VaultSession

    if create:
        vault = Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
        # The profile an inspector fills in at first use, before any visit: a final
        # referral gives the police a callback number.
        Store(vault).set_setting(
            "profile",
            {"name": "Inspecteur", "agency": "nla", "team": "Team Zuid", "contact": "0612345678"},
        )
        vault.lock()
    window = MainWindow(VaultSession(folder, FAST_FOR_TESTS), runner=InlineRunner())
    window.resize(*size)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    window.unlock(PASSPHRASE)
    _wait(lambda: window.current_screen() is Screen.OVERVIEW, "the visits list")
    return window


def close_window(window: Any) -> None:
    from PySide6.QtWidgets import QApplication

    window.lock()
    window.close()
    window.deleteLater()
    QApplication.processEvents()


def _editor(window: Any, counter: Counter) -> Any:
    """The open editor. Offscreen, the main window loses activation when the editor opens
    (made without a parent, then put in the window); it is activated again, as a window
    manager keeps it, and that is noted, not counted."""
    from PySide6.QtTest import QTest

    _wait(lambda: window.editor is not None, "the visit editor")
    if not window.isActiveWindow():
        counter.notes.append("the window lost activation when the editor opened (offscreen)")
        window.activateWindow()
        QTest.qWaitForWindowActive(window)
    return window.editor


def _stub_save_dialog(counter: Counter, touch: bool) -> list[str]:
    """The save dialog answers with the name it suggests, as a user who accepts it does (one
    key, or one tap on Opslaan). Patched on the class, as tests/support/qt.py does."""
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def answer(_parent: Any, _caption: str, suggested: str, _filter: str = "") -> tuple[str, str]:
        asked.append(suggested)
        counter.decide()  # the file name
        if touch:
            counter.clicks += 1  # Opslaan
        else:
            counter.keys += 1  # Return
        return suggested, ""

    setattr(QFileDialog, "getSaveFileName", staticmethod(answer))  # noqa: B010
    return asked


def _export(window: Any, editor: Any, counter: Counter, touch: bool) -> dict[str, Any]:
    """Police referral about person A: open, police, make, export, the password, close."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.visit import steps

    counter.decide()  # on to the referral
    if touch:
        counter.click(editor.steps.buttons[steps.FINISH])
        counter.click(editor.finish.refer_button)
    else:
        counter.press(Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
        counter.press(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        counter.press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = editor.referral_dialog
    if dialog is None:
        raise RuntimeError("the referral dialog did not open")
    counter.decide()  # the recipient
    police = dialog.recipient_buttons["police"]
    if dialog.recipient() == "police":
        counter.notes.append("the police was the recipient proposed")
    else:
        counter.notes.append(f"the app proposed {dialog.recipient()} to this inspector")
        if touch:
            counter.click(police)
        else:
            _arrow_to(counter, dialog, police)
    # Each person's consent was asked at the visit (given): a final referral needs it said,
    # which the dialog asks among what is missing (by keyboard the referral is about A, by
    # touch, from Afronden, about both possible victims: a decision and a tap each).
    while dialog.consent_buttons:
        counter.decide()
        if touch:
            given = next(b for (_, value), b in dialog.consent_buttons.items() if value == "given")
            left = len(dialog.consent_buttons)
            counter.click(given)
            _wait(lambda left=left: len(dialog.consent_buttons) < left, "the consent recorded")
        else:
            counter.press(Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
            # A mnemonic presses its button after Qt's short click animation.
            _wait(lambda: not dialog.consent_buttons, "the consent recorded by Alt+G")
    if dialog.outlook is None or not dialog.outlook.final:
        missing = dialog.missing_lines()
        raise RuntimeError(f"the referral would be a draft (CONCEPT): missing {missing}")
    counter.decide()  # make it
    if touch:
        counter.click(dialog.make_button)
    else:
        counter.press(Qt.Key.Key_Return)  # make is the default button
    if dialog.made is None:
        raise RuntimeError(f"no referral made: {dialog.message.text()}")
    preview = dialog.preview
    asked = _stub_save_dialog(counter, touch)
    counter.decide()  # export it
    if touch:
        counter.click(preview.export_button)
    elif QApplication.focusWidget() is preview.export_button:
        counter.press(Qt.Key.Key_Return)  # a final referral made: exporting is the next step
    else:
        _tab_to(counter, preview.export_button, "the export button after Maken")
    exporter = preview.exporter
    password = exporter.password_dialog
    if password is None or not asked:
        raise RuntimeError("the export did not ask for a file or show the password")
    counter.decide()  # take the password along
    if touch:
        counter.click(password.copy_button)
        counter.click(password.done_button)
    else:
        counter.press(Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # "Kopiëren"
        _wait(lambda: bool(QApplication.clipboard().text()), "the password copied")
        if QApplication.focusWidget() is password.done_button:
            counter.press(Qt.Key.Key_Return)
        else:
            _tab_to(counter, password.done_button, "Klaar")
    # Back in the referral dialog: close it (Return on "Sluiten", or a tap).
    if touch:
        counter.click(dialog.close_button)
    else:
        counter.press(Qt.Key.Key_Return)
    if dialog.isVisible():
        raise RuntimeError("the referral dialog is still open after the export")
    exported = Path(asked[0]).with_suffix(".pdf")
    return {"file_asked": Path(asked[0]).name, "written": exported.exists()}


def _arrow_to(counter: Counter, dialog: Any, button: Any) -> None:
    """Tab into the recipients, then arrows until ``button`` is chosen (a radio group, whose
    arrows wrap around): Up or Down, whichever is shorter, as a user looking at the list
    would (the police sits right above the Labour Authority an NLA inspector is offered)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    order = list(dialog.recipient_buttons.values())
    presses = 0
    while QApplication.focusWidget() not in order:
        if presses == 30:
            raise RuntimeError("Tab does not reach the recipients")
        counter.press(Qt.Key.Key_Tab)
        presses += 1
    start = order.index(QApplication.focusWidget())
    down = (order.index(button) - start) % len(order)
    key = Qt.Key.Key_Down if down <= len(order) - down else Qt.Key.Key_Up
    while not button.isChecked():
        if presses == 60:
            raise RuntimeError("the arrows do not reach the police")
        counter.press(key)
        presses += 1
    counter.notes.append(f"{presses} keys to choose the police")


def _tab_to(counter: Counter, button: Any, what: str) -> None:
    """Tab until ``button`` has the keyboard, then Space (Return would press the dialog's
    default button instead of a focused button that is not an auto-default one)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    tabs = 0
    while QApplication.focusWidget() is not button:
        if tabs == 30:
            raise RuntimeError(f"Tab does not reach {what}")
        counter.press(Qt.Key.Key_Tab)
        tabs += 1
    if tabs:
        counter.notes.append(f"{tabs} Tab to reach {what}")
    counter.press(Qt.Key.Key_Space)


def _rows_to(panel: Any, meant: tuple[str, ...]) -> int | None:
    """Up or Down presses from the current signal to the one meant, when the list shows it
    (no filter words, its group open, on screen), so a user sees it and moves there."""
    if panel.filter.text():
        return None
    view, model = panel.view, panel.model
    current = panel.current_indicator()
    for indicator_id in meant:
        index = model.index_of(indicator_id)
        if (
            current is not None
            and index.isValid()
            and view.isExpanded(index.parent())
            and view.viewport().rect().contains(view.visualRect(index))
        ):
            ids = model.visible_ids()
            return ids.index(model.lead_of(indicator_id)) - ids.index(current.id)
    return None


def _signal(counter: Counter, editor: Any, words: str, meant: tuple[str, ...]) -> None:
    """The signal meant as a user finds it: when the list shows it, arrows to it; else the
    filter words, then Down until it is current (each Down counted); Return records it."""
    from PySide6.QtCore import Qt

    panel = editor.checklist
    rows = _rows_to(panel, meant)
    if rows is not None and abs(rows) <= len(words):
        key = Qt.Key.Key_Down if rows > 0 else Qt.Key.Key_Up
        counter.press(key, times=abs(rows))
        counter.notes.append(f"{meant[0]}: on screen, {abs(rows)} arrow keys")
        if (item := panel.current_indicator()) is None or item.id not in meant:
            raise RuntimeError(f"the arrows did not reach {meant}")
        counter.press(Qt.Key.Key_Return)
        return
    counter.type(words)
    downs = 0
    while (item := panel.current_indicator()) is None or item.id not in meant:
        if downs == 15:
            raise RuntimeError(f"{words!r}: {meant} not among the first matches")
        counter.press(Qt.Key.Key_Down)
        downs += 1
    if downs:
        counter.notes.append(f"{words!r}: {downs} Down to {item.id}")
    counter.press(Qt.Key.Key_Return)


def _person_and_signals(counter: Counter, editor: Any, label: str) -> None:
    """The quick chain of a person just added (sex, age band, nationality, language, each
    typed and Return), on to their signals, and their two signals."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.visit import steps

    ret = Qt.Key.Key_Return
    person = PERSONS[label]
    counter.decide(4)  # sex, age band, nationality, language
    counter.type(person.sex_typed)
    counter.press(ret)
    counter.type(person.age_typed)
    counter.press(ret)
    counter.type(person.country)
    counter.press(ret)
    if QApplication.focusWidget() is not editor.person_form.languages:
        counter.press(ret)
    if not editor.person_form.languages.text().strip():
        counter.type(person.lang)
        counter.press(ret)  # the completer takes it
    else:
        counter.notes.append(f"person {label}: the language followed the nationality")
    if editor.current_step() != steps.SIGNALS:
        counter.press(ret)  # the chain's end: on to this person's signals
    if editor.current_step() != steps.SIGNALS:
        raise RuntimeError(f"person {label}: Return did not go on to the signals")
    for words, meant in PER_PERSON[label]:
        counter.decide()
        _signal(counter, editor, words, meant)


def keyboard_visit(window: Any, counter: Counter) -> dict[str, Any]:
    """The keyboard-only visit of tests/ui/test_field_speed.py, from the main window."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.visit import steps

    tab, ret = Qt.Key.Key_Tab, Qt.Key.Key_Return
    counter.decide()
    counter.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = _editor(window, counter)
    name = editor.site_form.edits["name"]
    if QApplication.focusWidget() is not name:
        counter.notes.append("new visit: the name field did not have the keyboard; one click")
        counter.click(name)
    counter.decide(7)  # seven site fields
    counter.type(SITE["name"])
    counter.press(tab, times=2)  # past the trade name
    counter.type(SITE["street"])
    counter.press(tab)
    counter.type(SITE["number"])
    counter.press(tab)
    counter.type(SITE["postcode"])
    counter.press(tab)
    counter.type(SITE["place"])
    counter.press(tab)
    counter.type(SITE["municipality"])
    counter.press(tab, times=2)  # past the KvK number
    counter.type(SECTOR_TYPED)
    counter.press(ret)
    if editor.current_step() != steps.PERSONS:
        raise RuntimeError("Return after the sector did not go on to the persons")
    counter.mark("site")
    counter.press(ret)  # "Persoon toevoegen"
    for label in PERSONS:
        counter.decide()  # a person
        if label != "A":
            counter.press(Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        _person_and_signals(counter, editor, label)
    counter.mark("persons and their signals")
    counter.decide()  # everyone at the visit
    counter.press(Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    for words, meant in VISIT_LEVEL:
        counter.decide()
        _signal(counter, editor, words, meant)
    counter.mark("signals for everyone")
    export = _export(window, editor, counter, touch=False)
    counter.mark("referral and export")
    return {"visit_uuid": editor.visit_uuid, **export}


def _tap_combo_item(counter: Counter, combo: Any, data: Any) -> None:
    """Open a combo box by a tap and tap the item (a swipe first when it is out of sight)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    # An editable combo opens from its arrow; the rest of it is a text field.
    arrow = QPoint(combo.width() - 8, combo.height() // 2) if combo.isEditable() else None
    counter.click(combo, arrow)
    _wait(lambda: combo.view().isVisible(), "the combo's list")
    # A finger lifts later than this; the list ignores a release just after it opens.
    QTest.qWait(QApplication.doubleClickInterval() + 50)
    view = combo.view()
    row = combo.findData(data)
    index = combo.model().index(row, combo.modelColumn())
    if not view.viewport().rect().intersects(view.visualRect(index)):
        counter.swipes += 1
        view.scrollTo(index)
        QApplication.processEvents()
    counter.click(view.viewport(), view.visualRect(index).center())
    if combo.currentIndex() != row:
        raise RuntimeError(f"{combo.objectName()}: the tap did not choose {data!r}")


def _tap_signal(counter: Counter, editor: Any, meant: tuple[str, ...]) -> None:
    """Tap the status cell of the signal meant in the checklist (swipes to it when needed)."""

    from ui.visit.checklist_model import STATUS_COLUMN

    panel = editor.checklist
    view = panel.view
    shown = [panel.model.index_of(i, STATUS_COLUMN) for i in meant]
    shown = [index for index in shown if index.isValid()]
    if not shown:
        raise RuntimeError(f"none of {meant} is in the checklist")
    index = shown[0]
    header = index.parent().siblingAtColumn(0)
    shortlist = panel.model.index(0, 0)
    if (
        not view.isExpanded(header)
        and view.isExpanded(shortlist)
        and _swipes(view, shortlist) < _swipes(view, header) - 1
    ):  # the header is far below the open shortlist: closing the shortlist is shorter
        _swipe_to(counter, view, shortlist, "the shortlist's header")
        counter.click(view.viewport(), view.visualRect(shortlist).center())
        counter.notes.append("a tap closed the shortlist")
    if not view.isExpanded(header):  # a closed group: swipe to its header, tap it
        _swipe_to(counter, view, header, f"the header of {panel.model.group_key(header.row())}")
        counter.click(view.viewport(), view.visualRect(header).center())
        counter.notes.append(f"a tap opened the group of {panel.model.indicator(index).id}")
        if not view.isExpanded(header):
            raise RuntimeError("a tap on a group's header did not open it")
    _swipe_to(counter, view, index, panel.model.indicator(index).id)
    counter.click(view.viewport(), view.visualRect(index).center())


def _swipes(view: Any, index: Any) -> int:
    """Swipes (one a screen's height, at least one) until ``index`` is on screen."""
    viewport = view.viewport().rect()
    rect = view.visualRect(index)
    if viewport.contains(rect):
        return 0
    return int(max(1, abs(rect.center().y()) // max(1, viewport.height())))


def _swipe_to(counter: Counter, view: Any, index: Any, what: str) -> None:
    """Swipe until ``index`` is on screen, each swipe counted."""
    from PySide6.QtWidgets import QApplication

    pages = _swipes(view, index)
    if not pages:
        return
    counter.swipes += pages
    counter.notes.append(f"{pages} swipes to {what}")
    view.scrollTo(index)
    QApplication.processEvents()


def touch_visit(window: Any, counter: Counter) -> dict[str, Any]:
    """The same visit by finger: taps on the buttons the editor offers; the on-screen
    keyboard for the site's name and address; the country from the list; the language (no
    buttons offered) on the on-screen keyboard; signals tapped in the checklist."""
    from PySide6.QtWidgets import QApplication

    from fieldapp.domain import Sector
    from ui.visit import steps

    window.set_large_touch(True)
    QApplication.processEvents()
    counter.decide()
    counter.click(window.visits_view.new_button)
    editor = _editor(window, counter)
    counter.decide(7)
    for key in ("name", "street", "number", "postcode", "place", "municipality"):
        edit = editor.site_form.edits[key]
        if QApplication.focusWidget() is not edit:
            counter.click(edit)
        counter.type(TOUCH_SITE[key], on_screen=True)
        popup = QApplication.activePopupWidget()
        if popup is not None:  # a list of suggestions over the next field: a tap beside it
            popup.hide()
            counter.clicks += 1
    _tap_combo_item(counter, editor.site_form.sector, Sector.AGRICULTURE.value)
    counter.mark("site")
    step_buttons = editor.steps.buttons
    counter.decide()
    counter.click(step_buttons[steps.PERSONS])
    form = editor.person_form
    for label, person in PERSONS.items():
        counter.decide()
        counter.click(editor.add_person_button)
        counter.decide(4)
        counter.click(
            form.sex.buttons[
                [b.text() for b in form.sex.buttons].index(_text("ui.visit.sex." + person.sex))
            ]
        )
        counter.click(form.age_band.button_for(person.band))
        _tap_combo_item(counter, form.nationality, person.code)
        if not form.languages.text().strip():
            counter.click(form.languages)
            counter.type(person.lang, on_screen=True)
        popup = QApplication.activePopupWidget()
        if popup is not None:
            counter.notes.append("language: the first suggestion tapped")
            view = form.languages_completer.popup()
            counter.click(view.viewport(), view.visualRect(view.model().index(0, 0)).center())
        counter.decide()
        counter.click(step_buttons[steps.SIGNALS])
        if not editor.checklist.person_button.isChecked():
            counter.click(editor.checklist.person_button)
        for _, meant in PER_PERSON[label]:
            counter.decide()
            _tap_signal(counter, editor, meant)
        if label != list(PERSONS)[-1]:
            counter.decide()
            counter.click(step_buttons[steps.PERSONS])
    counter.mark("persons and their signals")
    counter.decide()
    counter.click(editor.checklist.everyone_button)
    for _, meant in VISIT_LEVEL:
        counter.decide()
        _tap_signal(counter, editor, meant)
    counter.mark("signals for everyone")
    export = _export(window, editor, counter, touch=True)
    counter.mark("referral and export")
    return {"visit_uuid": editor.visit_uuid, **export}


def _text(key: str) -> str:
    from fieldapp.i18n import t

    return t(key)


def revisit(window: Any, counter: Counter) -> dict[str, Any]:
    """A second visit to the greenhouse: new visit, the known site from two or three letters
    of its name, on to the persons, one person (the quick chain) with two signals."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.visit import steps

    ret = Qt.Key.Key_Return
    counter.decide()
    counter.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = _editor(window, counter)
    counter.decide()  # the known site
    counter.type(REVISIT_TYPED)
    popup = QApplication.activePopupWidget()
    if popup is None:
        raise RuntimeError("no list of known sites after typing part of the name")
    counter.press(Qt.Key.Key_Down)
    counter.press(ret)
    site = editor.controller.site
    linked = site.name == SITE["name"]
    counter.decide()
    counter.press(Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # the site is there: on
    if editor.current_step() != steps.PERSONS:
        raise RuntimeError("Alt+2 did not go to the persons")
    counter.mark("site")
    counter.decide()
    counter.press(ret)  # "Persoon toevoegen"
    _person_and_signals(counter, editor, "A")
    counter.mark("person and signals")
    return {"visit_uuid": editor.visit_uuid, "site_linked": linked}


def check(window: Any, visit_uuid: str, persons: int, signals: int) -> dict[str, Any]:
    """What the vault holds after the run (read back, not driven), and whether it is what was
    meant: the site, each person's quick choices, the signals (two per person, two for all)."""
    detail = window.session.store.visit_detail(visit_uuid)
    site = detail.site
    names = {SITE["name"], TOUCH_SITE["name"]}
    by_label = {p.label: p for p in detail.persons}
    right_persons = (
        all(
            (p.sex.value, p.age_band.value if p.age_band else None, p.nationality)
            == (PERSONS[label].sex, PERSONS[label].band, PERSONS[label].code)
            for label, p in by_label.items()
        )
        and len(by_label) == persons
    )
    meant = [*VISIT_LEVEL, *PER_PERSON["A"], *PER_PERSON["B"]]
    recorded = {o.indicator_id for o in detail.observations}
    right_signals = len(recorded) == signals == len(detail.observations) and all(
        any(i in ids for _, ids in meant) for i in recorded
    )
    right_site = (
        site.name in names
        and (site.address.postcode, site.address.place, site.municipality)
        == ("2681 AB", SITE["place"], SITE["municipality"])
        and site.sector.value == "agriculture"
    )
    return {
        "complete": right_site and right_persons and right_signals,
        "site": [
            site.name,
            site.address.street,
            site.address.number,
            site.address.postcode,
            site.address.place,
            site.municipality,
            site.sector.value,
        ],
        "persons": [
            [
                p.label,
                p.sex.value,
                p.age_band.value if p.age_band else None,
                p.nationality,
                list(p.languages),
            ]
            for p in detail.persons
        ],
        "signals": sorted(recorded),
        "referrals": len(window.session.store.referrals()),
    }


def run_screen(screen: str, work: Path) -> dict[str, Any]:
    """Every run at one screen size, in this process (its QApplication is made here)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    os.environ["HOME"] = str(work)  # the suggested export folder
    app = QApplication.instance() or QApplication([])
    # Two digits of an age are one search within this time; a loaded machine may send the
    # bench's keys slower than a hand does (Qt's default is 400 ms).
    QApplication.setKeyboardInputInterval(2000)
    size = SCREENS[screen][0]
    runs: dict[str, Any] = {}
    for name, driver, persons, signals, fresh in (
        ("keyboard", keyboard_visit, 2, 6, True),
        ("revisit", revisit, 1, 2, False),
        ("touch", touch_visit, 2, 6, True),
    ):
        folder = work / ("vault" if name != "touch" else "vault-touch")
        window = open_window(folder, size, create=fresh)
        counter = Counter()
        try:
            outcome = driver(window, counter)
            outcome.update(check(window, outcome["visit_uuid"], persons, signals))
            error = None
            if not outcome["complete"] or outcome.get("written") is False:
                error = "the vault or the export does not hold what was driven"
        except Exception as exc:
            outcome, error = {}, f"{type(exc).__name__}: {exc}"
        runs[name] = {
            **counter.figures(name == "touch"),
            "outcome": outcome,
            "error": error,
            "window_shown": [window.width(), window.height()],
        }
        close_window(window)
    app.processEvents()
    primary = QGuiApplication.primaryScreen().geometry()
    return {
        "screen": screen,
        "screen_logical": [primary.width(), primary.height()],
        "label": SCREEN_LABELS[screen],
        "window": list(size),
        "scale": os.environ.get("QT_SCALE_FACTOR"),
        "runs": runs,
    }


def measure_screen(screen: str, work: Path) -> dict[str, Any]:
    """One screen size in a fresh process, with its scale factor."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    out = work / f"flow-{screen}.json"
    (logical_width, logical_height), scale = SCREENS[screen]
    factor = float(scale or 1)
    # The offscreen screen is 800×800 unless told: a screen of the device's pixels, which
    # Qt divides by the scale factor into the logical size the window gets.
    config = work / f"screen-{screen}.json"
    work.mkdir(parents=True, exist_ok=True)
    screen_spec = {
        "name": screen,
        "x": 0,
        "y": 0,
        "width": round(logical_width * factor),
        "height": round(logical_height * factor),
        "logicalDpi": 96,
        "logicalBaseDpi": 96,
        "dpr": 1,
    }
    config.write_text(
        json.dumps({"windowFrameMargins": False, "screens": [screen_spec]}), encoding="utf-8"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    env.pop("QT_SCALE_FACTOR", None)
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.visit_flow",
            "--screen",
            screen,
            "--json",
            str(out),
            "--work",
            str(work / f"flow-{screen}"),
        ],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


RUNS = ("keyboard", "touch", "revisit")
RUN_LABELS = {
    "keyboard": "new site, keyboard only",
    "touch": "new site, by touch",
    "revisit": "revisit of a known site, keyboard",
}
TARGETS = {
    "keyboard": "≤ 45 other events, ≤ 60 typed, ≤ 90 s",
    "touch": "≤ 60 taps, ≤ 90 s",
    "revisit": "≤ 25 events",
}
TARGET_SECONDS = 90.0


def order_keys() -> list[str]:
    return [f"flow_{screen}_{run}" for screen in SCREENS for run in RUNS]


def _row(screen: str, run: str, figures: dict[str, Any]) -> Any:
    from tests.bench.measure import Samples
    from tests.bench.results import Result

    key = f"flow_{screen}_{run}"
    where = SCREEN_LABELS[screen]
    if figures.get("error"):
        return Result(
            key=key,
            operation=f"visit ({RUN_LABELS[run]}, {where})",
            ours=Samples(),
            raw=Samples(),
            target=TARGETS[run],
            details=figures,
            unavailable=figures["error"],
        )
    if run == "touch":
        counts = (
            f"{figures['other_events']} taps ({figures['swipes']} swipes) besides"
            f" {figures['on_screen_characters']} on-screen keys for the site"
        )
    else:
        counts = (
            f"{figures['typed_characters']} typed + {figures['other_events']} other"
            f" = {figures['total_events']} events"
        )
    return Result(
        key=key,
        operation=f"visit ({RUN_LABELS[run]}, {where}): {counts}; KLM estimate",
        ours=Samples([figures["klm_seconds"]]),
        # The same model for the data's characters and the decisions alone: what no
        # interface can take away, so the ratio is what the interface adds.
        raw=Samples([figures["floor_seconds"]]),
        target=TARGETS[run],
        limit_seconds=TARGET_SECONDS if run != "revisit" else None,
        details=figures,
    )


def bench_flow(work: Path) -> list[Any]:
    """Both screen sizes, each in its own process; one row per run. Counts, not timings: the
    KLM estimate stands in the time columns, against typing and deciding alone as "raw"."""
    from tests.bench.measure import progress

    results = []
    for screen in SCREENS:
        progress(f"visit flow at {SCREEN_LABELS[screen]}: keyboard, touch, revisit")
        document = measure_screen(screen, work)
        for run in RUNS:
            figures = document["runs"][run]
            figures["screen"] = {
                k: document[k] for k in ("label", "window", "scale", "screen_logical")
            }
            results.append(_row(screen, run, figures))
            progress(
                f"  {run}: {figures['typed_characters']} typed, {figures['on_screen_characters']}"
                f" on-screen, {figures['other_events']} other, {figures['decisions']} decisions,"
                f" KLM {figures['klm_seconds']:.1f} s; {'; '.join(figures['notes'])}"
                + (f"; ERROR {figures['error']}" if figures.get("error") else "")
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.visit_flow")
    parser.add_argument("--screen", choices=sorted(SCREENS), default="laptop")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="flow-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        document = run_screen(args.screen, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(document, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
