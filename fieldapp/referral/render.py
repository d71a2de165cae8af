"""Lay out a :class:`~fieldapp.referral.document.ReferralDocument` as a PDF, in memory only.

The document arrives translated and filtered (see :mod:`fieldapp.referral.document`); this
module only decides how it looks. It renders with reportlab platypus into a ``BytesIO`` and
returns the bytes: no file, no temporary file and no cache is written (docs/SECURITY.md section 3).
reportlab only writes to disk for CID font maps (``cidfonts``), the opt-in ``FontFinder`` cache
and image caching (``rl_config.defaultImageCaching``, off by default); none of these is used here,
and ``tests/core/test_referral_render.py`` checks that a render creates no file anywhere.

Every text is drawn in the bundled DejaVu Sans (regular and bold), embedded as a subset, so names
in Cyrillic, Greek, Vietnamese, Turkish, Romanian, Polish or Bulgarian print as written and no
unembedded standard font (Helvetica) is referenced: the canvas starts in DejaVu Sans, every
paragraph style, table and bullet uses it, and the QR code is one filled path.

Layout: A4, black and grey, one accent colour (dark red) reserved for what needs attention
(urgency banner, acute signals, the unconfirmed-grades note, the criminal-offence data label).
Page 1 opens with a header band (title, addressee, document id and version, date and time,
urgency, sender; a high or immediate urgency is a banner that says it once, and a document
without one, the anonymous registration, has no urgency line); later pages carry a slim
running header. A person's block of more than a few lines may split over two pages rather than
leave most of page 1 empty. The reader's order: why they get it
(with the inspector's own words) and what is asked of them first, then the place, the visit, the
persons (possible victims first), possible exploiters and employers in their own labelled
section, the signals, and the engine's full explanation last, as an annex on a page of its own.
A column or a row with nothing in it is not drawn. Every page has a footer with the
confidentiality line (the builder words it after what the document holds), "page x of y", the
document id, the full content hash and a QR code with :func:`qr_payload`.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from io import BytesIO
from typing import Any, cast
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from fieldapp.paths import resource_path
from fieldapp.referral.document import (
    AnnexBlock,
    AttachmentLine,
    Line,
    PersonBlock,
    ReferralDocument,
    SignalGroup,
)

__all__ = ["QR_PREFIX", "qr_payload", "render_pdf"]

QR_PREFIX = "fieldapp-referral"
CREATOR = "FieldApp"

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
_FONT_LOCK = threading.Lock()

# Colours: ink and greys, plus one accent for what needs attention.
INK = colors.HexColor("#1A1A1A")
MUTED_HEX = "#595959"
MUTED = colors.HexColor(MUTED_HEX)
RULE = colors.HexColor("#BDBDBD")
HAIRLINE = colors.HexColor("#DADADA")
BAND = colors.HexColor("#F2F2F2")
HEAD = colors.HexColor("#E4E4E4")
ACCENT_HEX = "#A31F1F"
ACCENT = colors.HexColor(ACCENT_HEX)
ACCENT_TINT = colors.HexColor("#FBEDED")

# Geometry (A4 portrait).
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 36 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
QR_SIZE = 20 * mm
QR_BOTTOM = 8 * mm
FOOTER_RULE_Y = QR_BOTTOM + QR_SIZE + 3 * mm
RUNNING_HEADER_Y = PAGE_HEIGHT - 12 * mm
_FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

# C0 controls (except tab and newline), DEL and lone surrogates break the paragraph parser.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# reportlab reads optional settings files (reportlab_settings.py, ~/.reportlab_settings); none of
# them may switch on the only cache that writes next to image files.
rl_config.defaultImageCaching = 0


def qr_payload(doc: ReferralDocument) -> str:
    """What the QR code in every footer holds: enough to find the file and check the paper."""
    return f"{QR_PREFIX}:{doc.document_id}:{doc.version}:{doc.content_hash()}"


def render_pdf(doc: ReferralDocument) -> bytes:
    """Render ``doc`` into PDF bytes. Nothing is written to disk."""
    _register_fonts()
    labels = doc.labels  # every section title and fixed text, translated by the builder
    styles = _Styles()
    decorator = _PageDecorator(doc, labels)
    buffer = BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=doc.title,
        author="",
        subject="",
        keywords=[],
        creator=CREATOR,
        lang=doc.lang or None,
        displayDocTitle=True,
        initialFontName=FONT,
        initialFontSize=9,
        initialLeading=12,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        TEXT_WIDTH,
        _FRAME_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story = _story(doc, labels, styles)
    template.build(
        story,
        canvasmaker=partial(
            _TwoPassCanvas, decorate=decorator.draw, date_precision=doc.created_precision
        ),
    )
    return buffer.getvalue()


# --------------------------------------------------------------------------- fonts


def _register_fonts() -> None:
    """Register DejaVu Sans once per process (reportlab's font registry is global)."""
    registered = pdfmetrics.getRegisteredFontNames()
    if FONT in registered and FONT_BOLD in registered:
        return
    with _FONT_LOCK:
        registered = pdfmetrics.getRegisteredFontNames()
        for name, file_name in _FONT_FILES.items():
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
        # No italic is bundled: <i> falls back to the upright faces rather than to Helvetica.
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )


# --------------------------------------------------------------------------- text


def _markup(value: object) -> str:
    """Plain text -> safe paragraph markup: NFC, no control characters, &<> escaped, line
    breaks kept."""
    text = unicodedata.normalize("NFC", str(value))
    text = _UNPRINTABLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return escape(text).replace("\n", "<br/>")


def _plain(value: object) -> str:
    """Plain text for direct canvas drawing: NFC, one line, no control characters."""
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(_UNPRINTABLE.sub("", text).split())


def _format_size(size: int, lang: str) -> str:
    decimal = "," if lang == "nl" else "."
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f}".replace(".", decimal) + f" {unit}"


def _format_bytes(size: int, lang: str) -> str:
    group = "." if lang == "nl" else ","
    return f"{size:,}".replace(",", group) + " B"


class _Styles:
    """Every paragraph style, all in DejaVu Sans (bullets included)."""

    def __init__(self) -> None:
        base = ParagraphStyle(
            "fieldapp-base",
            fontName=FONT,
            fontSize=9.5,
            leading=13.5,
            textColor=INK,
            bulletFontName=FONT,
            bulletFontSize=9.5,
            splitLongWords=True,
        )
        self.body = ParagraphStyle("fieldapp-body", parent=base, spaceAfter=5)
        self.title = ParagraphStyle(
            "fieldapp-title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21
        )
        self.section = ParagraphStyle(
            "fieldapp-section",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=14,
            spaceBefore=14,
            spaceAfter=6,
        )
        self.cell = ParagraphStyle("fieldapp-cell", parent=base, fontSize=8.5, leading=11)
        self.cell_label = ParagraphStyle("fieldapp-cell-label", parent=self.cell, textColor=MUTED)
        self.cell_head = ParagraphStyle(
            "fieldapp-cell-head", parent=self.cell, fontName=FONT_BOLD, fontSize=8, leading=10
        )
        self.block_title = ParagraphStyle(
            "fieldapp-block-title", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12
        )
        self.meta_label = ParagraphStyle(
            "fieldapp-meta-label", parent=base, fontSize=8, leading=11, textColor=MUTED
        )
        self.meta_value = ParagraphStyle("fieldapp-meta-value", parent=base, fontSize=9, leading=12)
        self.meta_head = ParagraphStyle(
            "fieldapp-meta-head",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=8,
            leading=11,
            textColor=MUTED,
        )
        self.banner = ParagraphStyle(
            "fieldapp-banner",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            textColor=colors.white,
        )
        self.small = ParagraphStyle(
            "fieldapp-small", parent=base, fontSize=8, leading=11, textColor=MUTED, spaceAfter=4
        )
        self.hash = ParagraphStyle("fieldapp-hash", parent=self.cell, fontSize=7, leading=9)
        self.bullet = ParagraphStyle(
            "fieldapp-bullet", parent=self.body, leftIndent=13, bulletIndent=2, spaceAfter=3
        )
        self.note = ParagraphStyle("fieldapp-note", parent=base, fontSize=9, leading=12.5)
        self.addressee = ParagraphStyle(
            "fieldapp-addressee", parent=base, fontSize=10.5, leading=14
        )
        self.annex_title = ParagraphStyle(
            "fieldapp-annex-title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=17,
            spaceAfter=6,
        )
        self.annex_person = ParagraphStyle(
            "fieldapp-annex-person", parent=self.block_title, spaceBefore=8, spaceAfter=3
        )
        self.annex_line = ParagraphStyle(
            "fieldapp-annex-line",
            parent=base,
            fontSize=8.5,
            leading=11.5,
            spaceAfter=3,
            leftIndent=11,
            bulletIndent=1,
            bulletFontSize=8.5,
        )


# --------------------------------------------------------------------------- story


def _story(doc: ReferralDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    story: list[Flowable] = list(_header_band(doc, labels, st))
    number = 0

    def section(key: str, body: Sequence[Flowable], opening: float | None = None) -> None:
        nonlocal number
        number += 1
        heading = Paragraph(f"{number}&nbsp;&nbsp;{_markup(labels[key])}", st.section)
        rule = _Rule(TEXT_WIDTH, 0.8, INK)
        # A heading never ends a page: start a new page unless the heading and the start of its
        # content fit (a table then splits leaving at least two rows under the heading).
        needed = heading.getSpaceBefore() + heading.wrap(TEXT_WIDTH, PAGE_HEIGHT)[1]
        if opening is None:
            opening = _opening_height(body[0])
        needed += heading.getSpaceAfter() + rule.height + opening
        story.extend([CondPageBreak(min(needed, _FRAME_HEIGHT / 2) + 2), heading, rule, *body])

    if doc.reason or doc.own_reason or doc.ground:
        body: list[Flowable] = [Paragraph(_markup(p), st.body) for p in doc.reason]
        if doc.ground:
            body.append(_notice(doc.ground, st))
        if doc.own_reason:
            body += [
                Paragraph(_markup(labels["own_reason"]), st.block_title),
                Paragraph(_markup(doc.own_reason), st.body),
            ]
        section("reason", body)
    if doc.follow_up:
        bullets: list[Flowable] = [
            Paragraph(_markup(item), st.bullet, bulletText="•") for item in doc.follow_up
        ]
        # A short list stays on one page (KeepTogether still splits one longer than a page).
        height = sum(b.wrap(TEXT_WIDTH, PAGE_HEIGHT)[1] + b.getSpaceAfter() for b in bullets)
        section("follow_up", [KeepTogether(bullets)], opening=min(height, _KEEP_LIST_MAX))
    if _filled(doc.site):
        section("site", [_label_value_table(doc.site, st)])
    if _filled(doc.visit):
        section("visit", [_label_value_table(doc.visit, st)])
    if doc.persons:
        section("persons", _person_blocks(doc.persons, st))
    if doc.suspects:
        # The label and the first person it labels never part over a page.
        blocks = _person_blocks(doc.suspects, st)
        notice = _notice(labels["criminal"], st)
        opening = notice.wrap(TEXT_WIDTH, PAGE_HEIGHT)[1] + notice.spaceAfter
        section("suspects", [notice, *blocks], opening=opening + _opening_height(blocks[0]))
    if any(group.signals for group in doc.signals):
        section("signals", _signal_tables(doc.signals, labels, st))
    assessment = _assessment(doc, st, in_body=True)
    if assessment:
        # A few lines and their note stay on one page (a longer part still splits).
        height = sum(f.wrap(TEXT_WIDTH, PAGE_HEIGHT)[1] + f.getSpaceAfter() for f in assessment)
        section("assessment", [KeepTogether(assessment)], opening=min(height, _KEEP_LIST_MAX))
    if _filled(doc.b83):
        section("b83", [_label_value_table(doc.b83, st)])
    if doc.attachments:
        section("attachments", [_attachments_table(doc.attachments, doc.lang, labels, st)])
    if doc.annex:
        story += [PageBreak(), *_annex(doc, labels, st)]
    return story


def _opening_height(flowable: Flowable) -> float:
    """Height of what must follow a heading on the same page: a table's header rows and first
    rows, or the first three lines of a paragraph."""
    height = flowable.wrap(TEXT_WIDTH, PAGE_HEIGHT)[1]
    if isinstance(flowable, _Table):
        if flowable.kept_whole():
            return height
        rows = flowable.repeatRows if isinstance(flowable.repeatRows, int) else 0
        return sum(flowable._rowHeights[: rows + flowable.MIN_ROWS])
    if isinstance(flowable, Paragraph):
        return min(height, 3 * flowable.style.leading)
    return height


def _header_band(doc: ReferralDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    band: list[Flowable] = [
        _Rule(TEXT_WIDTH, 2.2, INK),
        Spacer(1, 7),
        Paragraph(_markup(doc.title), st.title),
        Spacer(1, 8),
    ]
    if doc.addressee:
        to = f'<font color="{MUTED_HEX}">{_markup(labels["to"])}:</font>&nbsp; '
        to += f"<b>{_markup(doc.addressee)}</b>"
        band += [Paragraph(to, st.addressee), Spacer(1, 6)]
    if doc.urgent:
        # "Urgentie: met voorrang", said once: the banner takes the header's urgency row.
        text = f"{_markup(labels['urgency'])}: {_markup(doc.urgency)}"
        banner = _Table([[Paragraph(text, st.banner)]], colWidths=[TEXT_WIDTH])
        banner.setStyle(
            _table_style(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            )
        )
        band += [banner, Spacer(1, 6)]

    meta_rows: list[Line] = [
        (labels["document"], doc.document_id),
        (labels["version"].capitalize(), str(doc.version)),
        (labels["created"], doc.created),
        # No row when the banner says it, nor where the document has no urgency.
        (labels["urgency"], "" if doc.urgent else doc.urgency),
    ]
    meta = _mini_table(
        [
            [Paragraph(_markup(k), st.meta_label), Paragraph(_markup(v), st.meta_value)]
            for k, v in meta_rows
            if v.strip()
        ],
        [27 * mm, 50 * mm],
    )
    sender_lines = [(k, v) for k, v in doc.sender if v.strip()]
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, -1), BAND),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]
    if sender_lines:
        sender_rows: list[list[Any]] = [
            [Paragraph(_markup(labels["sender"]).upper(), st.meta_head), ""]
        ]
        sender_rows += [
            [Paragraph(_markup(k), st.meta_label), Paragraph(_markup(v), st.meta_value)]
            for k, v in sender_lines
        ]
        sender = _mini_table(sender_rows, [30 * mm, TEXT_WIDTH - 77 * mm - 30 * mm - 16])
        sender.setStyle(
            _table_style([("SPAN", (0, 0), (1, 0)), ("BOTTOMPADDING", (0, 0), (-1, 0), 3)])
        )
        box = _Table([[meta, sender]], colWidths=[77 * mm + 8, TEXT_WIDTH - 77 * mm - 8])
        commands.append(("LINEBEFORE", (1, 0), (1, 0), 0.6, RULE))
    else:  # no sender named (the anonymous registration): no empty column either
        box = _Table([[meta]], colWidths=[TEXT_WIDTH])
    box.setStyle(_table_style(commands))
    band.append(box)
    return band


def _table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """Every table style starts in DejaVu Sans: reportlab sets each cell's font, even for a
    paragraph or an empty cell, and its default is Helvetica."""
    return TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8.5), *commands])


def _mini_table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = _Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


class _Table(Table):
    """A table that splits between rows only where each side keeps at least ``MIN_ROWS`` body
    rows (no lone row under a heading, no lone row on the next page); header rows repeat."""

    MIN_ROWS = 2
    # Only refuse a split near the bottom of a page, so a table can always be placed somewhere.
    REFUSE_BELOW = 70 * mm
    # A table marked keep_whole (a person, a site) moves to the next page as a whole when it
    # is at most this high, rather than splitting one record over two pages.
    KEEP_WHOLE_MAX = 110 * mm
    keep_whole = False
    # Set by reportlab's Table (its stubs leave the private attributes out): the cells, and each
    # row's height once wrapped.
    _cellvalues: list[list[Any]]
    _rowHeights: list[float]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A single cell taller than a page (a very long note) splits inside the row; rows
        # still split between them whenever they can (splitByRow is tried first).
        kwargs.setdefault("splitInRow", 1)
        super().__init__(*args, **kwargs)
        self._whole_height: float | None = None

    def kept_whole(self) -> bool:
        if not self.keep_whole:
            return False
        if self._whole_height is None:  # the cells never change: measure once
            self._whole_height = self.wrap(TEXT_WIDTH, PAGE_HEIGHT)[1]
        return self._whole_height <= self.KEEP_WHOLE_MAX

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self.kept_whole():
            return []
        parts = super().split(availWidth, availHeight)
        if len(parts) != 2:
            return parts
        head = self.repeatRows if isinstance(self.repeatRows, int) else len(self.repeatRows)
        body = len(self._cellvalues) - head
        # reportlab builds the parts with ``self.__class__``: both are tables of this class.
        first = len(cast(_Table, parts[0])._cellvalues) - head
        second = body - first
        if first < min(self.MIN_ROWS, body) and availHeight < self.REFUSE_BELOW:
            return []
        if 0 < second < self.MIN_ROWS <= body - self.MIN_ROWS:
            moved = self.MIN_ROWS - second
            taken = head + first
            shorter = availHeight - sum(self._rowHeights[taken - moved : taken])
            retry = super().split(availWidth, shorter)
            if len(retry) == 2:
                parts = retry
        # The rest continues on the next page, never below the first part on this one (with a
        # tall row split inside, reportlab would otherwise start it again mid-page).
        return [parts[0], PageBreak(), parts[1]]


def _base_table_style(header_rows: int = 0) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = [
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.4, HAIRLINE),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, header_rows - 1), (-1, header_rows - 1), HEAD),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.7, MUTED),
        ]
    return commands


_LABEL_WIDTH = 50 * mm
_KEEP_LIST_MAX = 90 * mm
# A person's block up to this high (about six lines) is never split over two pages.
_PERSON_WHOLE_MAX = 45 * mm


def _label_value_table(lines: Iterable[Line], st: _Styles, title: str | None = None) -> _Table:
    rows: list[list[Any]] = []
    header_rows = 0
    if title is not None:
        rows.append([Paragraph(_markup(title), st.block_title), ""])
        header_rows = 1
    rows += [
        [Paragraph(_markup(label), st.cell_label), Paragraph(_markup(value), st.cell)]
        for label, value in lines
        if value.strip()  # a label is never printed with an empty value
    ]
    table = _Table(
        rows, colWidths=[_LABEL_WIDTH, TEXT_WIDTH - _LABEL_WIDTH], repeatRows=header_rows
    )
    commands = _base_table_style(header_rows)
    if title is not None:
        commands += [
            ("SPAN", (0, 0), (1, 0)),
            ("TOPPADDING", (0, 0), (-1, 0), 5),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
        ]
    else:
        commands.append(("LINEABOVE", (0, 0), (-1, 0), 0.4, HAIRLINE))
    table.setStyle(_table_style(commands))
    table.keep_whole = True
    return table


def _person_blocks(persons: Sequence[PersonBlock], st: _Styles) -> list[Flowable]:
    """A short person's block moves to the next page whole; a longer one splits between its
    rows (at least two on each side, the title repeated over the rest): kept whole, a long
    block left most of page 1 empty."""
    blocks: list[Flowable] = []
    for index, person in enumerate(persons):
        table = _label_value_table(person.lines, st, title=person.title)
        table.KEEP_WHOLE_MAX = _PERSON_WHOLE_MAX
        if index:
            table.spaceBefore = 10  # dropped at the top of a page, unlike a Spacer
        blocks.append(table)
    return blocks


# Indicator, signal, who, evidence, note: the widths each column gets when it is drawn. The
# signal column takes what the others leave; a column with nothing in it is not drawn.
_SIGNAL_COLUMNS = ("indicator", "signal", "who", "evidence", "note")
_SIGNAL_WIDTHS = {"indicator": 19 * mm, "who": 30 * mm, "evidence": 32 * mm, "note": 45 * mm}
_SIGNAL_MIN = 54 * mm


def _signal_columns(groups: Sequence[SignalGroup]) -> tuple[list[str], list[float]]:
    signals = [s for group in groups for s in group.signals]
    filled = {
        "indicator": any(s.indicator_id for s in signals),
        "signal": True,
        "who": any(s.who for s in signals),
        "evidence": any(s.evidence for s in signals),
        "note": any(s.note for s in signals),
    }
    columns = [c for c in _SIGNAL_COLUMNS if filled[c]]
    widths = {c: _SIGNAL_WIDTHS.get(c, 0.0) for c in columns}
    rest = TEXT_WIDTH - sum(widths.values())
    if "note" in widths and rest > _SIGNAL_MIN + 10 * mm:
        widths["note"] += rest - _SIGNAL_MIN  # the note column takes what is left
        rest = _SIGNAL_MIN
    widths["signal"] = rest
    return columns, [widths[c] for c in columns]


def _signal_tables(
    groups: Sequence[SignalGroup], labels: dict[str, str], st: _Styles
) -> list[Flowable]:
    columns, widths = _signal_columns(groups)
    heads = [Paragraph(_markup(labels[key]), st.cell_head) for key in columns]
    acute = f'<font color="{ACCENT_HEX}"><b>{_markup(labels["acute"])}</b></font>'
    flowables: list[Flowable] = []
    for group in groups:
        if not group.signals:
            continue
        rows: list[list[Any]] = [
            [Paragraph(_markup(group.title), st.block_title)] + [""] * (len(columns) - 1),
            heads,
        ]
        commands = _base_table_style(header_rows=2)
        commands += [
            ("SPAN", (0, 0), (-1, 0)),
            ("TOPPADDING", (0, 0), (-1, 0), 0),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
            ("LEFTPADDING", (0, 0), (-1, 0), 0),
        ]
        for number, signal in enumerate(group.signals, start=2):
            label = _markup(signal.label)
            if signal.acute:
                label = f"{acute}<br/>{label}"
                commands += [
                    ("BACKGROUND", (0, number), (-1, number), ACCENT_TINT),
                    ("LINEBEFORE", (0, number), (0, number), 2.5, ACCENT),
                ]
            cells = {
                "indicator": _markup(signal.indicator_id),
                "signal": label,
                "who": _markup(signal.who),
                "evidence": _markup(signal.evidence),
                "note": _markup(signal.note or ""),
            }
            rows.append([Paragraph(cells[c], st.cell) for c in columns])
        table = _Table(rows, colWidths=widths, repeatRows=2)
        table.setStyle(_table_style(commands))
        if flowables:
            table.spaceBefore = 12
        flowables.append(table)
    return flowables


def _assessment(doc: ReferralDocument, st: _Styles, *, in_body: bool) -> list[Flowable]:
    """The assessment's lines; the catalogue line and the unconfirmed-grades note go with the
    full explanation when there is an annex, else with the lines in the body."""
    body: list[Flowable] = []
    if in_body:
        body += [Paragraph(_markup(line), st.body) for line in doc.assessment]
    if bool(doc.annex) == in_body:
        return body
    if doc.catalogue:
        body.append(Paragraph(_markup(doc.catalogue), st.small))
    if doc.unconfirmed:
        if body:
            body.append(Spacer(1, 4))
        body.append(_notice(doc.unconfirmed, st))
    return body


def _annex(doc: ReferralDocument, labels: dict[str, str], st: _Styles) -> list[Flowable]:
    """The engine's full explanation, per person, on pages of its own at the end."""
    flowables: list[Flowable] = [
        Paragraph(_markup(labels["annex"]), st.annex_title),
        _Rule(TEXT_WIDTH, 0.8, INK),
        Paragraph(_markup(labels["annex_intro"]), st.small),
    ]
    for block in doc.annex:
        flowables += _annex_block(block, st)
    flowables.append(Spacer(1, 6))
    flowables += _assessment(doc, st, in_body=False)
    return flowables


def _annex_block(block: AnnexBlock, st: _Styles) -> list[Flowable]:
    lines: list[Flowable] = [
        Paragraph(_markup(line), st.annex_line, bulletText="–") for line in block.lines
    ]
    title = Paragraph(_markup(block.title), st.annex_person)
    return [KeepTogether([title, *lines[:2]]), *lines[2:]]


def _notice(text: str, st: _Styles) -> Table:
    """A boxed line in the accent colour: what the reader must not miss."""
    box = _Table([[Paragraph(_markup(text), st.note)]], colWidths=[TEXT_WIDTH])
    box.setStyle(
        _table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ACCENT_TINT),
                ("BOX", (0, 0), (-1, -1), 0.6, ACCENT),
                ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    box.spaceAfter = 8
    return box


def _filled(lines: Iterable[Line]) -> bool:
    return any(value.strip() for _label, value in lines)


_ATTACHMENT_WIDTHS = [62 * mm, 32 * mm, 22 * mm]
_ATTACHMENT_WIDTHS.append(TEXT_WIDTH - sum(_ATTACHMENT_WIDTHS))


def _attachments_table(
    attachments: Sequence[AttachmentLine], lang: str, labels: dict[str, str], st: _Styles
) -> Table:
    rows: list[list[Any]] = [
        [
            Paragraph(_markup(labels[key]), st.cell_head)
            for key in ("file", "type", "size", "sha256")
        ]
    ]
    for item in attachments:
        digest = _markup(item.sha256)
        half = len(digest) // 2 if len(item.sha256) == 64 and digest.isalnum() else 0
        if half:  # two tidy lines of 32 hex digits
            digest = f"{digest[:half]}<br/>{digest[half:]}"
        size = (
            f"{_format_size(item.size, lang)}<br/>"
            f'<font size="7" color="#595959">{_format_bytes(item.size, lang)}</font>'
        )
        rows.append(
            [
                Paragraph(_markup(item.file_name), st.cell),
                Paragraph(_markup(item.media_type), st.cell),
                Paragraph(size, st.cell),
                Paragraph(digest, st.hash),
            ]
        )
    table = _Table(rows, colWidths=_ATTACHMENT_WIDTHS, repeatRows=1)
    table.setStyle(_table_style(_base_table_style(header_rows=1)))
    return table


class _Rule(Flowable):
    """A full-width horizontal rule under a heading or above the title."""

    def __init__(self, width: float, thickness: float, color: colors.Color) -> None:
        super().__init__()
        self.width = width
        self.thickness = thickness
        self.color = color
        self.height = thickness + 5

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        y = self.height - self.thickness / 2
        self.canv.line(0, y, self.width, y)
        self.canv.restoreState()


# --------------------------------------------------------------------------- pages


# PDF dates may stop after the year, month or day (ISO 32000-1, 7.9.4): for a document that
# shows no time of day, the metadata carries none either.
_PDF_DATE_FORMATS: dict[str, Callable[..., str]] = {
    "date": lambda year, month, day, *_: f"D:{year:04d}{month:02d}{day:02d}",
    "month": lambda year, month, *_: f"D:{year:04d}{month:02d}",
}


class _TwoPassCanvas(Canvas):
    """Holds every finished page back until the document is complete, then decorates each page
    knowing the total page count ("page x of y") and writes them out."""

    # reportlab's own fresh-page step, which its stubs leave out (it is private).
    _startPage: Callable[[], None]

    def __init__(
        self,
        *args: Any,
        decorate: Callable[[Canvas, int, int], None],
        date_precision: str = "minute",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._held_pages: list[dict[str, Any]] = []
        if date_precision in _PDF_DATE_FORMATS:
            # The Info dictionary's CreationDate and ModDate, no more precise than the header.
            self.setDateFormatter(_PDF_DATE_FORMATS[date_precision])

    def showPage(self) -> None:  # reportlab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._decorate(self, number, total)
            super().showPage()
        super().save()


class _PageDecorator:
    """Running header (pages 2+) and footer (every page), drawn straight on the canvas."""

    _QR_FORM = "fieldappReferralQr"

    def __init__(self, doc: ReferralDocument, labels: dict[str, str]) -> None:
        self.title = _plain(doc.title)
        self.confidential = _plain(labels["confidential"])
        self.page_label = _plain(labels["page"])
        self.of_label = _plain(labels["of"])
        self.identity = _plain(
            f"{labels['document']} {doc.document_id} · {labels['version']} {doc.version}"
        )
        self.hash_line = _plain(f"{labels['content_hash']}: {doc.content_hash()}")
        self.payload = qr_payload(doc)
        self._qr_defined = False

    def draw(self, canv: Canvas, page: int, total: int) -> None:
        canv.saveState()
        if page > 1:
            self._running_header(canv)
        self._footer(canv, page, total)
        canv.restoreState()

    def _running_header(self, canv: Canvas) -> None:
        right = PAGE_WIDTH - MARGIN_X
        y = RUNNING_HEADER_Y
        canv.setFillColor(MUTED)
        identity_width = _fit_string(
            canv, self.identity, FONT, 7.5, y=y, max_width=TEXT_WIDTH * 0.45, right=right
        )
        title_width = TEXT_WIDTH - identity_width - 8 * mm
        _fit_string(canv, self.title, FONT_BOLD, 8, x=MARGIN_X, y=y, max_width=title_width)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y - 2.5 * mm, right, y - 2.5 * mm)

    def _footer(self, canv: Canvas, page: int, total: int) -> None:
        right = PAGE_WIDTH - MARGIN_X
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, FOOTER_RULE_Y, right, FOOTER_RULE_Y)

        text_right = right - QR_SIZE - 5 * mm
        width = text_right - MARGIN_X
        top = FOOTER_RULE_Y - 5.5 * mm
        # Line 1: the confidentiality notice, the full width. Line 2: document and version,
        # with "page x of y" at the right. Line 3: the content hash.
        canv.setFillColor(INK)
        _fit_string(canv, self.confidential, FONT_BOLD, 8, x=MARGIN_X, y=top, max_width=width)
        page_text = f"{self.page_label} {page} {self.of_label} {total}"
        second = top - 5 * mm
        page_width = _fit_string(
            canv, page_text, FONT_BOLD, 9, y=second, max_width=width / 2, right=text_right
        )
        canv.setFillColor(MUTED)
        identity_width = width - page_width - 6 * mm
        _fit_string(canv, self.identity, FONT, 7.5, x=MARGIN_X, y=second, max_width=identity_width)
        _fit_string(canv, self.hash_line, FONT, 7, x=MARGIN_X, y=top - 9.5 * mm, max_width=width)

        if not self._qr_defined:
            self._define_qr(canv)
        canv.saveState()
        canv.translate(right - QR_SIZE, QR_BOTTOM)
        canv.doForm(self._QR_FORM)
        canv.restoreState()

    def _define_qr(self, canv: Canvas) -> None:
        """Draw the QR code once as a form XObject; every page then places the same form.

        The widget encodes the payload; its dark modules are filled here as one path, row runs
        merged as the widget itself does, rather than through ``renderPDF`` (a graphics state
        per module, several times slower, and the drawing default font Helvetica in the
        resources)."""
        widget = QrCodeWidget(self.payload, barLevel="M", barBorder=0)
        code = widget.qr  # type: ignore[attr-defined]  # set in __init__; the stub leaves it out
        code.make()
        module = QR_SIZE / code.getModuleCount()
        path = canv.beginPath()
        for row_index, row in enumerate(code.modules):
            y = QR_SIZE - (row_index + 1) * module
            column = 0
            for dark, run in itertools.groupby(bool(cell) for cell in row):
                length = len(list(run))
                if dark:
                    path.rect(column * module, y, length * module, module)
                column += length
        canv.beginForm(self._QR_FORM, 0, 0, QR_SIZE, QR_SIZE)
        canv.setFillColor(colors.black)
        canv.drawPath(path, stroke=0, fill=1)
        canv.endForm()
        self._qr_defined = True


def _fit_string(
    canv: Canvas,
    text: str,
    font: str,
    size: float,
    *,
    y: float,
    max_width: float,
    x: float = 0.0,
    right: float | None = None,
) -> float:
    """Draw one line at ``x`` (or right-aligned at ``right``), shrinking the font (down to
    5.5 pt) so it fits ``max_width``. Returns the drawn width."""
    if max_width <= 0:
        return 0.0
    width = pdfmetrics.stringWidth(text, font, size)
    if width > max_width:
        # A hair under the exact ratio: the width scales with the size, and a rounding error
        # must not cut the last letters off a line that fits.
        size = max(5.5, size * max_width / width * 0.998)
        width = pdfmetrics.stringWidth(text, font, size)
        while width > max_width and len(text) > 1:  # still too long: cut with an ellipsis
            text = text[: max(1, int(len(text) * max_width / width) - 1)].rstrip() + "…"
            width = pdfmetrics.stringWidth(text, font, size)
    canv.setFont(font, size)
    if right is None:
        canv.drawString(x, y, text)
    else:
        canv.drawRightString(right, y, text)
    return width
