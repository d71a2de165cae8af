"""The coordinator's list of known sites in the Locatie step (issue 16, "close the loop").

A reply brings a device the registered businesses of its region (name, KvK number, address,
municipality, sector; never persons, never a private address). Typing a name or a whole KvK
number offers them under the field, beside the places already in the vault; choosing one
fills the place in one step. What the inspector already wrote is never overwritten: only
empty fields are filled, and a field that holds something else keeps it while the line under
the name says what the list has instead, so a difference is seen, not silently resolved.

The rule of what is filled (``plan_fill``) has no Qt in it, so it is tested on its own. The
lookup runs on the GUI thread, without a pause after typing: one query over at most 20,000
rows (a reply's limit) took 8 to 11 ms (median; 15 ms at most) on the development machine,
and a whole keystroke with the vault's own search and the list shown 12 to 19 ms, so nothing
is gained by a worker or a timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from fieldapp.domain import Sector, Site
from fieldapp.errors import ValidationError
from fieldapp.i18n import t
from fieldapp.store.reply_store import KnownSite, ReplyStore
from fieldapp.vault.vault import VaultLike
from ui.visit.controller import site_field, site_value

# What a known site fills, by the site form's field names (the same as KnownSite's).
FILLED = ("name", "kvk", "street", "number", "postcode", "place", "municipality", "sector")
LIMIT = 8  # suggestions from the list per keystroke, after the places already in the vault


def find(vault: VaultLike, text: str, *, kvk_only: bool = False) -> list[KnownSite]:
    """Known sites for what was typed; in the KvK field only a whole number, matched exactly
    (a name or postcode holding those digits is not what was meant there)."""
    if kvk_only:
        digits = "".join(text.split()).replace(".", "")
        if len(digits) != 8 or not digits.isdigit():
            return []
        return [
            site for site in ReplyStore(vault).find_known_sites(digits, LIMIT) if site.kvk == digits
        ]
    return ReplyStore(vault).find_known_sites(text, LIMIT)


def same_place(known: KnownSite, site: Site) -> bool:
    """The place already in the vault is this business (its record is chosen instead)."""
    return known.kvk == site.kvk and _same(known.postcode, site.address.postcode)


@dataclass(frozen=True, slots=True)
class Fill:
    """What choosing a known site saves (``values``, one change) and what it leaves
    (``kept``: field name -> the list's value, where the field already held another)."""

    values: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)


def plan_fill(site: Site, known: KnownSite, typed_in: str) -> Fill:
    """The fields ``known`` fills in ``site``: every empty one, and the field the inspector
    was typing in (``typed_in``: what was typed there was the search). Sector "other" is the
    new visit's default and counts as empty. A value the vault would refuse is left out: the
    list helps, it never stops a visit."""
    fill = Fill()
    for name in FILLED:
        value = getattr(known, name)
        if not value:
            continue
        try:
            checked = site_value(name, value)
        except ValidationError:
            continue
        current = site_field(site, name)
        if name == "sector":
            current = None if current is Sector.OTHER else current.value
        if name == typed_in or not current:
            fill.values[name] = value
        elif not _same(current, checked):
            fill.kept[name] = value
    return fill


def _same(first: str | None, second: str | None) -> bool:
    def norm(text: str | None) -> str:
        return "".join((text or "").split()).casefold()

    return norm(first) == norm(second)


def caption(name: str) -> str:
    """A field's caption as the form shows it, for the line under the name."""
    return t(f"ui.visit.site.{name}")


def notice(fill: Fill) -> str:
    """The line under the name after a choice: what came from the list and what did not."""
    filled = t("ui.visit.known_sites.filled")
    if not fill.kept:
        return filled
    kept = "; ".join(
        t("ui.visit.known_sites.kept_field", field=caption(name), value=_shown(name, value))
        for name, value in fill.kept.items()
    )
    return f"{filled} {t('ui.visit.known_sites.kept', fields=kept)}"


def _shown(name: str, value: str) -> str:
    """A value as its field shows it (a sector by its name, capitalised as in its list)."""
    if name != "sector":
        return value
    label = t(f"sector.{value}")
    return label[:1].upper() + label[1:]


def suggestion_text(name: str, where: str | None, kvk: str | None) -> str:
    """Two lines: the name, then where it is and its KvK number, so two branches of one chain
    are told apart."""
    second = " · ".join(
        part for part in (where, t("ui.visit.known_sites.kvk", kvk=kvk) if kvk else None) if part
    )
    return f"{name}\n{second}" if second else name


def known_where(known: KnownSite) -> str | None:
    street = " ".join(part for part in (known.street, known.number) if part)
    town = " ".join(part for part in (known.postcode, known.place) if part)
    return ", ".join(part for part in (street, town) if part) or known.municipality


class SuggestionDelegate(QStyledItemDelegate):
    """A suggestion as two lines, the name in bold over where it is and its KvK number, each
    cut with "…" rather than mid-letter (the street before the place and the KvK number), with
    a thin line between suggestions. A row is at least as tall as the field it completes: in
    large touch mode ("Grote bediening") that field is 44 px or more, so each row is a
    finger's target."""

    PAD_X = 6
    PAD_Y = 4

    def __init__(self, field_widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field_widget = field_widget

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, rest = _lines(opt.text)
        bold, plain = _metrics(opt.font)
        width = max(bold.horizontalAdvance(name), plain.horizontalAdvance(rest))
        height = bold.height() + (plain.height() if rest else 0) + 2 * self.PAD_Y + 1
        return QSize(width + 2 * self.PAD_X, max(height, self.field_widget.height()))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, rest = _lines(opt.text)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        bold, plain = _metrics(opt.font)
        area = opt.rect.adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y - 1)
        block = bold.height() + (plain.height() if rest else 0)
        top = area.top() + max(0, (area.height() - block) // 2)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        elide = Qt.TextElideMode.ElideRight
        painter.save()
        painter.setPen(opt.palette.color(role))
        font = QFont(opt.font)
        font.setBold(True)
        painter.setFont(font)
        line = QRect(area.left(), top, area.width(), bold.height())
        painter.drawText(line, align, bold.elidedText(name, elide, area.width()))
        if rest:
            painter.setFont(opt.font)
            line = QRect(area.left(), top + bold.height(), area.width(), plain.height())
            painter.drawText(line, align, _fit(rest, plain, area.width()))
        painter.setPen(opt.palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(opt.rect.bottomLeft(), opt.rect.bottomRight())
        painter.restore()


def _lines(text: str) -> tuple[str, str]:
    """The two lines of a suggestion (the delegate's text has Qt's line separator)."""
    name, _, rest = text.replace("\u2028", "\n").partition("\n")
    return name, rest


def _fit(text: str, metrics: QFontMetrics, width: int) -> str:
    """The second line in ``width``: the street is cut first, since the place and the KvK
    number after it tell two branches apart; without a street, the middle."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    street, comma, rest = text.partition(", ")
    tail = f"{comma}{rest}"
    room = width - metrics.horizontalAdvance(tail)
    if comma and room >= metrics.horizontalAdvance("M…"):
        return metrics.elidedText(street, Qt.TextElideMode.ElideRight, room) + tail
    return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)


def _metrics(font: QFont) -> tuple[QFontMetrics, QFontMetrics]:
    bold = QFont(font)
    bold.setBold(True)
    return QFontMetrics(bold), QFontMetrics(font)
