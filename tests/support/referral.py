"""Referral documents built by hand, not from a vault: every section filled with names in seven
scripts and markup-like text (a suspect in the criminal-offence section, an annex at the end),
and the smallest document the builder can produce. The renderer's
tests, the canonical-JSON fixture and the bench use the same two.

And the visits the reader tests (issue 15) make documents from, read as their readers read
them: the text a PDF tool extracts."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from fieldapp.i18n import t
from fieldapp.referral import make_referral
from fieldapp.referral.build import SECTION_LABELS
from fieldapp.referral.document import (
    AnnexBlock,
    AttachmentLine,
    PersonBlock,
    ReferralDocument,
    SignalGroup,
    SignalLine,
)
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict

NAMES = (
    "Иван Петров",  # Bulgarian (Cyrillic)
    "Nguyễn Thị Hương",  # Vietnamese
    "Γιώργος Παπαδόπουλος",  # Greek
    "Ayşe Yılmaz",  # Turkish
    "Ștefan Țurcanu",  # Romanian (comma below)
    "Łukasz Żółkiewski",  # Polish
    "Гергана Димитрова",  # Bulgarian
)


MARKUP_NOTE = "Schuld <€ 2.000> & paspoort 'bij de baas'; zegt: \"a < b && c > d\""


def _signal_groups() -> tuple[SignalGroup, ...]:
    groups = {
        "Misleidende werving": "ILO-DR",
        "Dwang op de werkplek": "ILO-CD",
        "Uitbuitende arbeidsomstandigheden": "ILO-EX",
        "Misbruik van kwetsbaarheid op de werkplek": "ILO-VD",
        "Context (buiten het ILO-kader)": "POL-1",
    }
    who = ("Persoon A (Иван Петров)", "Persoon B", "iedereen bij het bezoek", "Persoon C")
    evidence = ("zelf gezien", "verteld door de persoon", "via derden", "document")
    result = []
    for g, (title, prefix) in enumerate(groups.items()):
        signals = []
        for i in range(1, 6):
            n = g * 5 + i
            signals.append(
                SignalLine(
                    indicator_id=f"{prefix}-{i:02d}",
                    label=f"Signaal {n}: werkgever houdt loon in voor huisvesting en vervoer",
                    who=who[n % len(who)],
                    evidence=evidence[n % len(evidence)],
                    note=(
                        MARKUP_NOTE
                        if n == 7
                        else f"Toelichting {n}: gezien in de kantine, bevestigd door collega's."
                        if n % 3
                        else None
                    ),
                    acute=n in (4, 18),
                )
            )
        result.append(SignalGroup(title=title, signals=tuple(signals)))
    return tuple(result)


def full_document() -> ReferralDocument:
    return ReferralDocument(
        document_id="VW-2026-0147",
        version=2,
        lang="nl",
        created="28-11-2026 10:42",
        title="Doorverwijzing aan de politie (AVIM)",
        recipient="police",
        urgency="direct",
        urgent=True,
        sender=(
            ("Dienst", "Nederlandse Arbeidsinspectie, team Westland"),
            ("Inspecteur", "Łukasz Żółkiewski"),
            ("Telefoon", "+31 70 333 44 55 (bereikbaar tot 18:00)"),
            ("E-mail", "l.zolkiewski@example.invalid"),
        ),
        reason=(
            "Tijdens een inspectie bij Kwekerij De Hoek zijn meerdere signalen van "
            "arbeidsuitbuiting gezien. Twee werknemers hebben geen zeggenschap over hun paspoort "
            "en wonen in de kas.",
            "Eén signaal wijst op direct gevaar: een werknemer wordt bedreigd als zij met de "
            "inspectie praat. Daarom deze doorverwijzing met spoed. Let op: <geen> tolk & geen "
            "vertaling > ter plaatse.",
        ),
        site=(
            ("Naam", "Kwekerij De Hoek"),
            ("Adres", "Middelweg 12, 2675 AB Honselersdijk"),
            ("Gemeente", "Westland"),
            ("KvK", "12345678"),
            ("Sector", "land- en tuinbouw"),
            ("Contactpersoon", "Ștefan Țurcanu (voorman)"),
            ("Kentekens", "XK-123-B, 45-TRV-6"),
        ),
        visit=(
            ("Datum", "20-11-2026 09:30 – 12:15"),
            ("Soort bezoek", "inspectie"),
            ("Diensten", "Arbeidsinspectie, gemeente Westland"),
            (
                "Notities",
                "Slaapplaatsen in de kas.\nDeur van de slaapruimte op slot < 08:00 & > 20:00.",
            ),
        ),
        persons=(
            PersonBlock(
                "Persoon A – mogelijk slachtoffer",
                (
                    ("Naam", NAMES[0]),
                    ("Geslacht, leeftijd", "man, 31"),
                    ("Nationaliteit", "Bulgaarse"),
                    ("Talen", "Bulgaars, een beetje Engels"),
                    ("Tolk", "nee"),
                    ("Toestemming", "niet gevraagd"),
                    ("Notities", "Lijkt bang; kijkt steeds naar de voorman."),
                ),
            ),
            PersonBlock(
                "Persoon B – mogelijk slachtoffer",
                (
                    ("Naam", NAMES[1]),
                    ("Geslacht, leeftijd", "vrouw, 24"),
                    ("Nationaliteit", "Vietnamese"),
                    ("Talen", "Vietnamees"),
                    ("Tolk", f"ja, telefonisch ({NAMES[3]})"),
                    ("Contact in Nederland", NAMES[6]),
                    ("Notities", MARKUP_NOTE),
                ),
            ),
        ),
        signals=_signal_groups(),
        assessment=(
            "Arbeidsuitbuiting: sterke aanwijzingen (4 van 6 dimensies).",
            "Seksuele uitbuiting: geen aanwijzingen.",
            "Toelichting: dwang op de werkplek en misleidende werving zijn elk met meerdere "
            "signalen vastgelegd, waarvan één acuut.",
        ),
        catalogue="Indicatorenlijst 2026.1 (inhoud 07d198cc…)",
        unconfirmed="De graden van de signalen zijn nog niet bevestigd door een tweede inspecteur.",
        b83=(
            ("Bedenktijd aangeboden", "ja, mondeling, 20-11-2026 11:05"),
            ("Aan wie", "Persoon A en Persoon B"),
            ("Reactie", "Persoon B wil erover nadenken; Persoon A weigert."),
        ),
        follow_up=(
            "Politie (AVIM) neemt vandaag contact op met de inspecteur.",
            "Aanmelding bij CoMensha volgt door de Arbeidsinspectie (verplicht voor deze melder).",
            "Zorgcoördinator Westland is gevraagd naar opvang voor Persoon B.",
        ),
        attachments=(
            AttachmentLine(
                "foto-slaapruimte-kas-2026-11-20.jpg",
                "image/jpeg",
                2_481_337,
                "3f2a9c1b77d0e4aa5b61c0de9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
            ),
            AttachmentLine(
                "loonstrook_Иван_Петров <okt>.pdf",
                "application/pdf",
                83_112,
                "a0b1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff",
            ),
        ),
        labels=dict(LABELS_NL),
        addressee="Politie, afdeling AVIM (mensenhandel)",
        own_reason="Persoon B vroeg of zij vanavond ergens anders kan slapen; <dringend> & stil.",
        ground="Verstrekt zonder toestemming op grond van het vitaal belang van betrokkene: test.",
        suspects=(
            PersonBlock(
                "Persoon C – mogelijk betrokken (ronselaar)",
                (
                    ("Naam", NAMES[2]),
                    ("Rol", "regelt vervoer en huisvesting"),
                    ("Telefoon", "+30 69 1234 5678"),
                ),
            ),
        ),
        annex=(
            AnnexBlock(
                f"Persoon A ({NAMES[0]})",
                tuple(f"Toelichtingsregel {n}: onder de drempel [ILO-CD-0{n}]." for n in range(6)),
            ),
            AnnexBlock("Persoon B", ("Arbeidsuitbuiting: signalen aanwezig.",)),
        ),
    )


def minimal_document() -> ReferralDocument:
    return ReferralDocument(
        document_id="VW-2026-0002",
        version=1,
        lang="nl",
        created="28-11-2026 11:00",
        title="Anoniem signaal aan CoMensha",
        recipient="anonymous",
        urgency="normaal",
        urgent=False,
        sender=(("Dienst", "Nederlandse Arbeidsinspectie"),),
        reason=("Anoniem signaal zonder persoonsgegevens.",),
        labels=dict(LABELS_NL),
        addressee="CoMensha, anonieme registratie",
    )


# The builder's own labels, from the translation catalogue.
LABELS_NL = {name: t(f"referral.label.{name}", "nl") for name in SECTION_LABELS}


# -- visits read as their readers read them (issue 15) -------------------------------------------

PROFILE = {
    "name": "Sanne de Boer",
    "team": "Team Westland",
    "agency": "nla",
    "contact": "+31 6 1112 2233",
    "employee_number": "NLA-20417",
    "region": "Zuid-Holland",
}
MUNICIPALITY = {"name": "Karim El Idrissi", "agency": "gemeente", "contact": "+31 20 555 1234"}
VITAL = "Zij durft vannacht niet terug naar het hotel en kan nu niet tekenen."
CRIMINAL_NL = "Strafrechtelijke gegevens (AVG art. 10) — alleen voor de taak van de ontvanger"


def greenhouse() -> dict[str, Any]:
    return {
        "site": {
            "name": "Paprikateelt Westerlee",
            "address": {
                "street": "Tuinbouwweg",
                "number": "14",
                "postcode": "2675 AB",
                "place": "Honselersdijk",
            },
            "municipality": "Westland",
            "kvk": "27114455",
            "sector": "agriculture",
            "phones": ["+31 6 12345678"],
            "intermediary": {"name": "Flexwerk Oost BV", "kvk": "61234567"},
            "housing_address": {
                "street": "Kerkstraat",
                "number": "3",
                "postcode": "2671 CD",
                "place": "Naaldwijk",
            },
        },
        "visit": {
            "started_at": "2026-11-20T09:30:00+01:00",
            "type": "inspection",
            "agencies": ["nla", "KMar"],
        },
        "persons": [
            # Recorded first, and with victim fields that must never show for a suspect.
            {
                "ref": "V",
                "label": "Voorman",
                "role": "possible_exploiter",
                "sex": "m",
                "age": 47,
                "nationality": "RO",
                "consent": "given",
                "b83_status": "offered",
                "whereabouts": "Qsuspectwhereaboutszq",
                "care_needs": "Qsuspectcarezq",
                "notes": "Heeft elf paspoorten in zijn busje.",
            },
            {
                "ref": "W",
                "label": "Collega",
                "role": "witness",
                "sex": "m",
                "age": 39,
                "nationality": "PL",
                "consent": "given",
                "safe_contact": "Qwitnesscontactzq",
                "care_needs": "Qwitnesscarezq",
            },
            {
                "ref": "A",
                "label": "Werknemer A",
                "role": "possible_victim",
                "sex": "m",
                "age": 44,
                "nationality": "BG",
                "languages": ["bg"],
                "interpreter": True,
                "consent": "given",
                "initials": "I.P.",
                "birth_date": "1982-03-14",
                "whereabouts": "Caravan op het terrein",
                "safe_contact": "Eigen telefoon na 19:00",
                "safety": "Voorman dreigde met ontslag",
                "care_needs": "Onderdak voor vannacht",
                "police_report": "not_made",
                "suspected_forms": ["labour"],
            },
            {
                "ref": "B",
                "label": "Werknemer B",
                "role": "possible_victim",
                "sex": "f",
                "age": 29,
                "nationality": "RO",
                "languages": ["ro"],
                "consent": "refused",
                "initials": "K.N.",
                "birth_date": "1997-07-07",
                "whereabouts": "Kerkstraat 3",
                "care_needs": "Huisarts",
            },
        ],
        "observations": [
            {"person": "A", "indicator": i, "status": "observed", "evidence": e}
            for i, e in (
                ("NLA-04", "told"),
                ("NLA-07", "told"),
                ("NLA-10", "seen"),
                ("NLA-03", "document"),
            )
        ]
        + [
            {"person": "B", "indicator": "NLA-10", "status": "observed", "evidence": "seen"},
            {"person": None, "indicator": "ILO-EX-02", "status": "observed", "evidence": "seen"},
        ],
    }


def record(store: Store, data: dict[str, Any], profile: dict[str, Any] = PROFILE) -> str:
    store.set_setting("profile", profile)
    return store.record_visit(visit_from_dict(data))


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader's tool extracts it, one space between words."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def made_text(store: Store, visit: str, recipient: str, **kw: Any) -> str:
    return text_of(make_referral(store, visit, recipient, **kw).pdf)


def block(text: str, title: str, end: str) -> str:
    """The part of the text from a person's title to the next heading."""
    start = text.index(title)
    return text[start : text.index(end, start + len(title))]


def brothel() -> dict[str, Any]:
    """A licensed window brothel at half past midnight: the operator (nothing recorded against
    him), a pimp, and two women, one who talked (consent given, B8/3 declined) and one who did
    not (consent not asked)."""
    return {
        "site": {
            "name": "Raamcomplex Achterom",
            "trade_name": "Red Windows",
            "address": {
                "street": "Achterom",
                "number": "12",
                "postcode": "2611 PM",
                "place": "Delft",
            },
            "municipality": "Delft",
            "kvk": "55443322",
            "sector": "sex_work_licensed",
            "phones": ["+31 6 98765432"],
        },
        "visit": {
            "started_at": "2026-03-01T00:30:00+01:00",
            "type": "licence_check",
            "agencies": ["gemeente", "politie"],
        },
        "persons": [
            {
                "ref": "E",
                "label": "Exploitant",
                "role": "employer_manager",
                "sex": "m",
                "age": 55,
                "nationality": "NL",
            },
            {
                "ref": "P",
                "label": "Pooier",
                "role": "possible_exploiter",
                "sex": "m",
                "age": 31,
                "nationality": "HU",
                "notes": "Bracht de vrouwen met een BMW.",
            },
            {
                "ref": "A",
                "label": "Vrouw raam 3",
                "role": "possible_victim",
                "sex": "f",
                "age": 22,
                "nationality": "HU",
                "consent": "given",
                "consent_date": "2026-03-01",
                "b83_status": "declined",
                "initials": "R.K.",
                "birth_date": "2003-09-02",
                "whereabouts": "Hotel aan de A13",
                "care_needs": "Veilige opvang",
                "suspected_forms": ["sexual"],
            },
            {
                "ref": "B",
                "label": "Vrouw raam 5",
                "role": "possible_victim",
                "sex": "f",
                "age": 19,
                "nationality": "RO",
                "consent": "not_asked",
                "whereabouts": "Onbekend",
                "care_needs": "Onbekend",
            },
        ],
        "observations": [
            {"person": "A", "indicator": i, "status": "observed", "evidence": "seen"}
            for i in ("NLS-05", "NLS-06", "VEN-04", "VEN-05", "VEN-07", "NLS-01")
        ]
        + [{"person": "A", "indicator": "ILO-CD-11", "status": "observed", "evidence": "told"}]
        + [
            {"person": "B", "indicator": i, "status": "observed", "evidence": "seen"}
            for i in ("VEN-04", "VEN-10", "VEN-11")
        ],
    }
