"""Synthetic visits for demos and benchmarks. Every name here is invented; the places and
sectors are realistic so screens and statistics look like the real thing.

Signals are drawn from the installed indicator catalogue, from the lists that fit the sector
(sexual exploitation for sex work, labour exploitation elsewhere, now and then criminal). Now
and then a person carries the form the inspector suspects, and a signal happened in the past;
these come from a second random stream, so the rest of the data is the same for a seed. What
partners need (an intermediary and housing for sites where workers are placed; a possible
victim's whereabouts, safe contact, care needs, report to the police and CoMensha's initials
and date of birth) comes from a third stream, for the same reason.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from fieldapp.catalogue import FORMS, Catalogue, load_catalogue
from fieldapp.clock import iso_utc
from fieldapp.domain import (
    Address,
    B83Status,
    Consent,
    Evidence,
    ObservationStatus,
    PersonRole,
    PoliceReport,
    Sector,
    Sex,
    VisitStatus,
    VisitType,
)
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.localtime import to_local

PLACES = (
    ("Honselersdijk", "Westland", "2675"),
    ("Naaldwijk", "Westland", "2671"),
    ("Poeldijk", "Westland", "2685"),
    ("Venlo", "Venlo", "5911"),
    ("Tilburg", "Tilburg", "5038"),
    ("Rotterdam", "Rotterdam", "3011"),
    ("Den Haag", "'s-Gravenhage", "2511"),
    ("Amsterdam", "Amsterdam", "1012"),
    ("Utrecht", "Utrecht", "3511"),
    ("Eindhoven", "Eindhoven", "5611"),
    ("Zwolle", "Zwolle", "8011"),
    ("Groningen", "Groningen", "9711"),
    ("Boxmeer", "Land van Cuijk", "5831"),
    ("Aalsmeer", "Aalsmeer", "1431"),
    ("Bleiswijk", "Lansingerland", "2665"),
    ("Urk", "Urk", "8321"),
    ("Oss", "Oss", "5341"),
    ("Breda", "Breda", "4811"),
)
STREETS = (
    "Middelweg",
    "Havenstraat",
    "Industrieweg",
    "Kerkstraat",
    "Dorpsstraat",
    "Molenweg",
    "Stationsweg",
    "Tuinbouwweg",
    "Veilingweg",
    "Nieuwe Binnenweg",
)
SITE_NAMES = {
    Sector.AGRICULTURE: ("Kwekerij De Hoek", "Tuinderij Van Vliet", "Paprikateelt Westerlee"),
    Sector.CONSTRUCTION: ("Bouwbedrijf Stevens", "Renovatie Noord BV", "Sloopwerken Oost"),
    Sector.HOSPITALITY: ("Restaurant De Gouden Draak", "Hotel Parkzicht", "Lunchroom Het Plein"),
    Sector.CLEANING: ("Schoonmaakbedrijf Glans", "Clean Team Zuid"),
    Sector.CAR_WASH: ("Wasstraat Express", "Handcarwash Centrum", "Autopoets Service"),
    Sector.NAIL_BEAUTY: ("Nagelstudio Perfect", "Beauty Nails & Spa"),
    Sector.LOGISTICS: ("Distributiecentrum Venlo-Oost", "Orderpick Logistics"),
    Sector.MEAT_PROCESSING: ("Vleesverwerking Brabant", "Slachterij De Peel"),
    Sector.DOMESTIC_WORK: ("Particulier huishouden",),
    Sector.SEX_WORK_LICENSED: ("Club Venus", "Raamprostitutie Oudekerksplein"),
    Sector.SEX_WORK_UNLICENSED: ("Woning via advertentie", "Massagesalon Lotus"),
    Sector.SHIPPING_FISHING: ("Visserijbedrijf UK-12", "Binnenvaart De Hoop"),
}
SEX_WORK = (Sector.SEX_WORK_LICENSED, Sector.SEX_WORK_UNLICENSED)
NATIONALITIES = (
    ("BG", "bg"),
    ("RO", "ro"),
    ("PL", "pl"),
    ("UA", "uk"),
    ("NG", "en"),
    ("VN", "vi"),
    ("CN", "zh"),
    ("BR", "pt"),
    ("IN", "hi"),
    ("PH", "tl"),
    ("HU", "hu"),
    ("TR", "tr"),
    ("NL", "nl"),
    ("SY", "ar"),
    ("ER", "ti"),
)
NOTES = (
    "Werknemers zeggen dat de werkgever de paspoorten bewaart.",
    "Slaapplaatsen in de loods, matrassen op de grond.",
    "Uitbetaling contant, geen loonstroken gezien.",
    "Werkdagen van 12 uur of langer, ook in het weekend.",
    "Persoon lijkt bang en laat een ander het woord voeren.",
    "Schuld voor reis en bemiddeling wordt ingehouden op het loon.",
    "Kent het eigen woonadres niet.",
    "Geen beschermingsmiddelen bij werken met bestrijdingsmiddelen.",
    "Vervoer van en naar het werk door de werkgever geregeld.",
    "Telefoon is afgenomen, contact met familie alleen onder toezicht.",
)

# Sectors where workers are often placed by an uitzendbureau and housed by it.
PLACED = (
    Sector.AGRICULTURE,
    Sector.MEAT_PROCESSING,
    Sector.LOGISTICS,
    Sector.CONSTRUCTION,
    Sector.CLEANING,
)
INTERMEDIARIES = ("Flexwerk Uitzendbureau", "Oost-West Personeel BV", "AgriStaff Detachering")
WHEREABOUTS = (
    "Nog op het adres van de werkgever",
    "Opgevangen door een zorgcoördinator",
    "Bij een kennis in dezelfde plaats",
    "Onbekend, vertrokken na het bezoek",
)
SAFE_CONTACTS = (
    "Alleen via de tolk, overdag",
    "Via de zorgcoördinator van de gemeente",
    "Eigen telefoonnummer, niet bellen na 20.00 uur",
)
CARE_NEEDS = (
    "Onderdak vannacht",
    "Medische zorg (verwonding aan de hand)",
    "Tolk en juridisch advies",
    "Geld voor eten en vervoer",
)
# The nationalities above for whom the reflection period (B8/3) does not apply (EU citizens).
EU_EEA = frozenset({"BG", "RO", "PL", "HU", "NL"})
SAFETY = (
    "Zegt bedreigd te worden door de voorman",
    "Durft niet terug naar de huisvesting",
    "Geen directe dreiging genoemd",
)


def _partner_fields(rng: random.Random, person: PersonInput, started: datetime) -> PersonInput:
    """What partners need of a possible victim, now and then filled in."""
    if person.role is not PersonRole.POSSIBLE_VICTIM or rng.random() < 0.5:
        return person
    birth: date | None = None
    if person.age is not None and person.consent is Consent.GIVEN:
        day = to_local(started).date() - timedelta(days=365 * person.age + rng.randrange(1, 360))
        birth = day
    return replace(
        person,
        initials=f"{rng.choice('ABDEGJKLMNRST')}.{rng.choice('BDGHKLMNPSTV')}." if birth else None,
        birth_date=birth.isoformat() if birth else None,
        safe_contact=rng.choice(SAFE_CONTACTS),
        whereabouts=rng.choice(WHEREABOUTS),
        safety=rng.choice(SAFETY),
        care_needs=rng.choice(CARE_NEEDS) if rng.random() < 0.7 else None,
        police_report=rng.choice(tuple(PoliceReport)),
        # The reflection period is offered to a foreign national outside the EU/EEA; the
        # date is left out (the visit's own day would do; the statistics count the status).
        b83_status=(
            rng.choice((B83Status.OFFERED, B83Status.DECLINED, B83Status.NOT_OFFERED))
            if person.nationality not in EU_EEA
            else person.b83_status
        ),
    )


def demo_signal_pools(catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
    return {form: tuple(item.id for item in catalogue.for_form(form)) for form in FORMS}


def demo_visits(
    count: int, seed: int = 2026, catalogue: Catalogue | None = None
) -> Iterator[NewVisit]:
    pools = demo_signal_pools(catalogue or load_catalogue())
    rng = random.Random(seed)
    extra = random.Random(f"{seed}-judgement")
    partners = random.Random(f"{seed}-partners")
    start = datetime(2024, 1, 8, 8, 0, tzinfo=UTC)
    for index in range(count):
        sector = rng.choice(tuple(SITE_NAMES))
        place, municipality, digits = rng.choice(PLACES)
        letters = rng.choice("ABCDEGHJKLMNPRTVWXZ") + rng.choice("ABCDEGHJKLMNPRTVWXZ")
        started = start + timedelta(days=rng.randrange(0, 1000), minutes=rng.randrange(0, 600))
        site = SiteInput(
            name=rng.choice(SITE_NAMES[sector]),
            sector=sector,
            address=Address(
                street=rng.choice(STREETS),
                number=str(rng.randrange(1, 250)),
                postcode=f"{digits} {letters}",
                place=place,
            ),
            municipality=municipality,
            kvk=f"{rng.randrange(10_000_000, 99_999_999)}",
            phones=(f"+31 6 {rng.randrange(10_000_000, 99_999_999)}",),
            plates=(
                f"{rng.choice('GHJKLNPRSTVXZ')}{rng.choice('BDFGHJKLNPRST')}-"
                f"{rng.randrange(100, 999)}-{rng.choice('BDFGHJKLNPRSTVXZ')}",
            ),
        )
        if sector in PLACED and partners.random() < 0.6:
            site = replace(
                site,
                intermediary_name=partners.choice(INTERMEDIARIES),
                intermediary_kvk=f"{partners.randrange(10_000_000, 99_999_999)}",
                housing=Address(
                    street=partners.choice(STREETS),
                    number=str(partners.randrange(1, 250)),
                    postcode=f"{digits} {letters}",
                    place=place,
                ),
            )
        visit = VisitInput(
            started_at=iso_utc(started),
            ended_at=iso_utc(started + timedelta(minutes=rng.randrange(30, 240))),
            type=rng.choice(tuple(VisitType)),
            agencies=tuple(rng.sample(("NLA", "Politie", "Gemeente", "KMar", "IND"), 2)),
            inspector=f"Inspecteur {index % 40 + 1:02d}",
            status=VisitStatus.CLOSED if rng.random() < 0.7 else VisitStatus.OPEN,
            notes=rng.choice(NOTES),
        )
        persons = []
        for number in range(rng.randrange(1, 5)):
            suspected = ("sexual",) if sector in SEX_WORK and extra.random() < 0.2 else ()
            own_judgement = bool(suspected) and extra.random() < 0.5
            nationality, language = rng.choice(NATIONALITIES)
            ref = chr(ord("A") + number)
            age = rng.randrange(15, 60)
            persons.append(
                (
                    ref,
                    PersonInput(
                        label=f"Werknemer {ref}",
                        role=PersonRole.POSSIBLE_VICTIM
                        if number
                        else rng.choice(tuple(PersonRole)),
                        sex=rng.choice((Sex.FEMALE, Sex.MALE)),
                        age=age,
                        minor=age < 18,
                        nationality=nationality,
                        languages=(language,),
                        interpreter=language not in ("nl", "en"),
                        consent=rng.choice(tuple(Consent)),
                        notes=rng.choice(NOTES) if rng.random() < 0.5 else None,
                        suspected_forms=suspected,
                        professional_indication=own_judgement,
                    ),
                )
            )
            persons[-1] = (ref, _partner_fields(partners, persons[-1][1], started))
        form = "sexual" if sector in SEX_WORK else rng.choice(("labour",) * 5 + ("criminal",))
        observations = []
        for indicator in rng.sample(pools[form], rng.randrange(0, 3)):
            observations.append(
                ObservationInput(
                    indicator_id=indicator,
                    status=ObservationStatus.OBSERVED,
                    evidence=Evidence.SEEN,
                    person_ref=None,
                    observed_at=visit.started_at,
                )
            )
        visit_level = {o.indicator_id for o in observations}
        for ref, _ in persons:
            candidates = [i for i in pools[form] if i not in visit_level]
            for indicator in rng.sample(candidates, rng.randrange(0, 7)):
                observations.append(
                    ObservationInput(
                        indicator_id=indicator,
                        status=rng.choice(
                            (
                                ObservationStatus.OBSERVED,
                                ObservationStatus.OBSERVED,
                                ObservationStatus.UNKNOWN,
                                ObservationStatus.NOT_OBSERVED,
                            )
                        ),
                        evidence=rng.choice(tuple(Evidence)),
                        note=rng.choice(NOTES) if rng.random() < 0.3 else None,
                        person_ref=ref,
                        observed_at=visit.started_at,
                        past=extra.random() < 0.05,
                    )
                )
        yield NewVisit(site, visit, tuple(persons), tuple(observations))
