"""Referral documents built by hand, not from a vault: every section filled with names in seven
scripts and markup-like text (a suspect in the criminal-offence section, an annex at the end),
and the smallest document the builder can produce. The renderer's
tests, the canonical-JSON fixture and the bench use the same two."""

from __future__ import annotations

from fieldapp.i18n import t
from fieldapp.referral.build import SECTION_LABELS
from fieldapp.referral.document import (
    AnnexBlock,
    AttachmentLine,
    PersonBlock,
    ReferralDocument,
    SignalGroup,
    SignalLine,
)

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
