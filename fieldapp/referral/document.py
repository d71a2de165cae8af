"""A referral document as plain, already translated and already filtered content.

The builder (:mod:`fieldapp.referral.build`) decides what a recipient may see and writes it
here in one language; the renderer (:mod:`fieldapp.referral.render`) only lays it out. So the
renderer can never show a field the recipient rules left out: it never sees one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from fieldapp.canonical import canonical_bytes

Line = tuple[str, str]  # (label, value)


@dataclass(frozen=True, slots=True)
class PersonBlock:
    title: str  # e.g. "Werknemer B – mogelijk slachtoffer"
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class AnnexBlock:
    """One person's part of the annex: the engine's full explanation, line by line."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SignalLine:
    indicator_id: str
    label: str
    who: str  # the person's label, or "iedereen bij het bezoek"
    evidence: str
    note: str | None = None
    acute: bool = False


@dataclass(frozen=True, slots=True)
class SignalGroup:
    title: str  # the dimension (or "Context")
    signals: tuple[SignalLine, ...]


@dataclass(frozen=True, slots=True)
class AttachmentLine:
    file_name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ReferralDocument:
    document_id: str
    version: int
    lang: str
    created: str  # local date and time as shown, e.g. "28-11-2026 10:42" (or "11-2026")
    title: str  # e.g. "Doorverwijzing aan de politie (AVIM)"
    recipient: str  # recipient key: police, nla, comensha, zorgcoordinator, riec, anonymous
    urgency: str  # translated; empty: no urgency line (the anonymous registration)
    urgent: bool  # immediate or high: the renderer shows a banner
    sender: tuple[Line, ...]  # reporting agency, inspector, how to reach them
    reason: tuple[str, ...]  # paragraphs: why the recipient gets it, in the recipient's terms
    site: tuple[Line, ...] = ()
    visit: tuple[Line, ...] = ()
    persons: tuple[PersonBlock, ...] = ()
    signals: tuple[SignalGroup, ...] = ()
    # One line per possible victim not shown in a person block ("Persoon 1: ..."); the full
    # explanation is the annex.
    assessment: tuple[str, ...] = ()
    catalogue: str = ""  # "Indicatorenlijst 2026.1 (inhoud 07d198cc…)"
    unconfirmed: str | None = None  # warning when grades were not confirmed
    b83: tuple[Line, ...] = ()
    follow_up: tuple[str, ...] = ()  # what is asked of the recipient
    attachments: tuple[AttachmentLine, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)  # section titles and fixed texts
    # How precisely ``created`` (and the PDF's metadata) tells the time: "minute", "date" or
    # "month" (the anonymous signal: a time of day could tie it to one visit).
    created_precision: str = "minute"
    # Since issue 15: who the document is for ("Aan: ..."), the inspector's own words, the
    # persons whose data is criminal-offence data (AVG art. 10: possible exploiters, employers),
    # and the engine's full explanation as an annex at the end.
    addressee: str = ""
    own_reason: str | None = None
    ground: str | None = None  # shared without consent: the legal ground and the reason
    suspects: tuple[PersonBlock, ...] = ()
    annex: tuple[AnnexBlock, ...] = ()
    # The urgency as a key (normal, high, immediate): what the vault keeps with the referral,
    # the same the document shows (``urgency`` is its text; empty where a document has none).
    urgency_key: str = "normal"

    def content_hash(self) -> str:
        """SHA-256 over the canonical content: printed in the footer and the QR code, kept in
        the vault, so a recipient can match paper to file and a changed text shows."""
        return hashlib.sha256(canonical_bytes(asdict(self))).hexdigest()

    def all_text(self) -> str:
        """Every text value in the document, for tests that check what a recipient sees."""
        return json.dumps(asdict(self), ensure_ascii=False)
