"""Colours that can be read and a focus that can be seen: grey text at 4.5:1 or more, and a
2-pixel focus ring of 3:1 or more round the control with the keyboard focus, in normal and in
large-touch mode (WCAG 2.1 relative luminance, computed here, not trusted)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tests.support.qt import unlock
from ui.widgets import (
    FOCUS_RING_WIDTH,
    MIN_FOCUS_CONTRAST,
    MIN_TEXT_CONTRAST,
    contrast_ratio,
    install_accessible_look,
    message_colours,
    secondary_text_colour,
    style_sheet,
)


def _luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance, written out again so the module is checked, not echoed."""
    values = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _ratio(first: str, second: str) -> float:
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast_ratio(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#767676"), QColor("white")) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio(QColor("white"), QColor("white")) == pytest.approx(1.0)


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202020"),
        (QPalette.ColorRole.Base, "#2b2b2b"),
        (QPalette.ColorRole.AlternateBase, "#323232"),
        (QPalette.ColorRole.Text, "#ffffff"),
        (QPalette.ColorRole.WindowText, "#ffffff"),
        (QPalette.ColorRole.PlaceholderText, "#80ffffff"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def _grounds(palette: QPalette) -> list[str]:
    roles = (
        QPalette.ColorRole.Window,
        QPalette.ColorRole.Base,
        QPalette.ColorRole.AlternateBase,
    )
    return [palette.color(role).name() for role in roles]


@pytest.mark.parametrize("scheme", ["system", "dark"])
def test_every_colour_set_is_readable_on_light_and_dark(qapp, scheme: str) -> None:
    palette = QApplication.palette() if scheme == "system" else _dark_palette()
    grey = secondary_text_colour(palette).name()
    colours = {name: colour.name() for name, colour in message_colours(palette).items()}
    for ground in _grounds(palette):
        assert _ratio(grey, ground) >= MIN_TEXT_CONTRAST, (grey, ground)
        assert _ratio(colours["error"], ground) >= MIN_TEXT_CONTRAST
        assert _ratio(colours["warning"], ground) >= MIN_TEXT_CONTRAST
        assert _ratio(colours["focus"], ground) >= MIN_FOCUS_CONTRAST


def test_qt_default_grey_was_too_faint_and_is_replaced(qapp) -> None:
    """Qt's placeholder grey (text at half opacity) on a light window is about 3.5:1 - what
    the inspectors could not read - and the style sheet no longer uses it as it is."""
    assert _ratio("#777777", "#efefef") < MIN_TEXT_CONTRAST
    sheet = style_sheet(False)
    assert "palette(placeholder-text)" not in sheet
    grey = secondary_text_colour(QApplication.palette()).name()
    assert f"QLabel#secondary {{ color: {grey}; }}" in sheet


def test_the_application_palette_grey_is_readable(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()  # installs the look: other modules' palette(placeholder-text) too
    unlock(qtbot, window)
    palette = QApplication.palette()
    grey = palette.color(QPalette.ColorRole.PlaceholderText).name()
    for ground in _grounds(palette):
        assert _ratio(grey, ground) >= MIN_TEXT_CONTRAST
    assert window.status_label.objectName() == "secondary"
    shown = window.status_label.palette().color(QPalette.ColorRole.WindowText).name()
    assert _ratio(shown, palette.color(QPalette.ColorRole.Window).name()) >= MIN_TEXT_CONTRAST


def _ring_pixels(widget: QWidget, colour: QColor, within: QRect | None = None) -> int:
    image = widget.grab().toImage()
    area = within or image.rect()
    found = 0
    for y in range(area.top(), area.bottom() + 1):
        for x in range(area.left(), area.right() + 1):
            pixel = image.pixelColor(x, y)
            if (
                abs(pixel.red() - colour.red()) < 24
                and abs(pixel.green() - colour.green()) < 24
                and abs(pixel.blue() - colour.blue()) < 24
            ):
                found += 1
    return found


@pytest.mark.parametrize("large_touch", [False, True])
def test_the_focused_control_has_a_visible_ring(qtbot, qapp, large_touch: bool) -> None:
    install_accessible_look(qapp)
    window = QWidget()
    window.setStyleSheet(style_sheet(large_touch))
    column = QVBoxLayout(window)
    controls: list[QWidget] = [
        QPushButton("Opslaan"),
        QLineEdit("Westland"),
        QCheckBox("Grote bediening"),
        QRadioButton("Veldwerk"),
        QComboBox(),
        QSpinBox(),
    ]
    for control in controls:
        column.addWidget(control)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    ring = message_colours(qapp.palette())["focus"]
    for control in controls:
        control.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(control.hasFocus)
        with_focus = _ring_pixels(control, ring)
        # Two pixels wide along most of the shorter sides at least.
        assert with_focus >= FOCUS_RING_WIDTH * 2 * control.height() * 0.8, (
            type(control).__name__,
            with_focus,
        )
        window.setFocus(Qt.FocusReason.TabFocusReason)  # the focus leaves: the ring goes
        qtbot.waitUntil(lambda control=control: not control.hasFocus())
        assert _ring_pixels(control, ring) < with_focus / 4, type(control).__name__


def test_a_buttons_ring_goes_around_it_not_through_its_label(qtbot, qapp) -> None:
    """In large-touch mode a styled button's own focus rectangle hugged its text, so the
    ring crossed "Iedereen" and "Maken"; the ring goes around the whole button."""
    install_accessible_look(qapp)
    window = QWidget()
    window.setStyleSheet(style_sheet(True))
    button = QPushButton("Iedereen bij dit bezoek")
    QVBoxLayout(window).addWidget(button)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    ring = message_colours(qapp.palette())["focus"]
    metrics = button.fontMetrics()
    text = QRect(0, 0, metrics.horizontalAdvance(button.text()), metrics.height())
    text.moveCenter(button.rect().center())
    assert _ring_pixels(button, ring, text.adjusted(-2, -2, 2, 2)) == 0
    assert _ring_pixels(button, ring) >= FOCUS_RING_WIDTH * 2 * button.height() * 0.8
