"""Linked cases: normalised identifiers, keyed link keys, similar names, and clusters found
across two field devices' bundles imported into one coordinator vault."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from fieldapp.domain import Address, PersonRole, Sector
from fieldapp.inputs import NewVisit, PersonInput, SiteInput, VisitInput
from fieldapp.links import LinksError, describe, find_clusters, keys_stale, normalise, refresh_links
from fieldapp.links.background import links_key, load_links
from fieldapp.links.keys import link_key, link_secret
from fieldapp.links.similar import (
    SIMILAR_NAME_THRESHOLD,
    character_bag,
    name_similarity,
    similar_groups,
)
from fieldapp.store.store import Store
from fieldapp.sync import cards
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.validate import moment
from fieldapp.vault import Vault
from tests.support import run_cli
from tests.support.sync import Coordinator, changed_in_the_field, make_coordinator, make_field

# -- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345678", "12345678"),
        ("12 34 56 78", "12345678"),
        ("12.345.678", "12345678"),
        ("1234567", None),
        ("1234567a", None),
        ("", None),
        (None, None),
    ],
)
def test_kvk_numbers(raw: str | None, expected: str | None) -> None:
    assert normalise.kvk(raw) == expected


@pytest.mark.parametrize(
    ("postcode", "number", "expected"),
    [
        ("2675 AB", "12", "2675AB12"),
        ("2675ab", "12a", "2675AB12A"),
        ("2675 AB", "12 A", "2675AB12A"),
        ("2675AB", "12-a", "2675AB12A"),
        ("2675AB", "012 hs", "2675AB12HS"),
        ("2675 AB", None, None),  # a postcode alone is a street side, not an address
        (None, "12", None),
        ("1234 SS", "1", None),  # never issued
        ("0123 AB", "1", None),
        ("2675 AB", "twaalf", None),
    ],
)
def test_address_keys_are_postcode_and_house_number(
    postcode: str | None, number: str | None, expected: str | None
) -> None:
    assert normalise.address(postcode, number) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+31 6 12345678", "+31612345678"),
        ("06-12345678", "+31612345678"),
        ("0031 6 1234 5678", "+31612345678"),
        ("+31 (0)6 1234 5678", "+31612345678"),
        ("(06) 12 34 56 78", "+31612345678"),
        ("010-1234567", "+31101234567"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+44 20 7946 0958", "+442079460958"),
        ("bel me", None),
        ("", None),
    ],
)
def test_phone_numbers_become_e164(raw: str, expected: str | None) -> None:
    assert normalise.phone(raw) == expected


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["+31", "0031", "0", "+31 ", "00 31 "]),
    digits=st.text("0123456789", min_size=9, max_size=9),
    separator=st.sampled_from(["", " ", "-", "."]),
)
def test_the_fast_path_for_dutch_numbers_agrees_with_phonenumbers(
    prefix: str, digits: str, separator: str
) -> None:
    raw = prefix + digits[:1] + separator + digits[1:5] + separator + digits[5:]
    try:
        parsed = phonenumbers.parse(raw, "NL")
    except phonenumbers.NumberParseException:
        library = None
    else:
        library = (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_possible_number(parsed)
            else None
        )
    assert normalise.phone(raw) == library


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("XK-123-B", "XK123B"), ("xk 123 b", "XK123B"), ("12-AB", "12AB"), ("A1", None)],
)
def test_plates(raw: str, expected: str | None) -> None:
    assert normalise.plate(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Nagelstudio-Amira.nl/", ("website", "nagelstudio-amira.nl")),
        ("www.nagelstudio-amira.nl", ("website", "nagelstudio-amira.nl")),
        ("nagelstudio-amira.nl", ("website", "nagelstudio-amira.nl")),
        ("http://nagelstudio-amira.nl/?utm_source=x#top", ("website", "nagelstudio-amira.nl")),
        ("facebook.com/Amira.Nails/", ("website", "facebook.com/amira.nails")),
        ("https://www.kinky.nl/advertentie/12345", ("website", "kinky.nl/advertentie/12345")),
        ("@Amira_Nails", ("handle", "amira_nails")),
        ("amira_nails", ("handle", "amira_nails")),
        ("@", None),
        ("  ", None),
    ],
)
def test_websites_and_handles(raw: str, expected: tuple[str, str] | None) -> None:
    assert normalise.web(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nagelstudio Amira B.V.", "nagelstudio amira"),
        ("Nagelstudio Amira", "nagelstudio amira"),
        ("NAGELSTUDIO  AMIRA, bv", "nagelstudio amira"),
        ("Café Élan V.O.F.", "cafe elan"),
        ("Jansen & Zn Holding B.V.", "jansen en zn"),
        ("Schoonmaakbedrijf Van der Heijden", "schoonmaakbedryf van der heyden"),
        ("Schoonmaakbedrijf van der Heyden", "schoonmaakbedryf van der heyden"),
        ("'t Hoekje", "t hoekje"),
        ("B.V.", None),
        ("", None),
    ],
)
def test_venue_names(raw: str, expected: str | None) -> None:
    assert normalise.venue_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "generic"),
    [
        ("Particulier huishouden", True),
        ("Woning via advertentie", True),
        ("Onbekend", True),
        ("Privé-woning", True),
        ("Woning Jansen", False),
        ("Pand 12", False),
        ("Nagelstudio Amira", False),
    ],
)
def test_names_that_name_no_business(raw: str, generic: bool) -> None:
    name = normalise.venue_name(raw)
    assert name is not None and normalise.generic_name(name) is generic


def test_municipalities_as_comparison_blocks() -> None:
    assert normalise.place("'s-Gravenhage") == normalise.place("s Gravenhage") == "s gravenhage"
    assert normalise.place(None) == ""


# -- similar names and the threshold ---------------------------------------------------------

# The pairs the threshold was chosen on: (first, second, linked?). Near the line on both sides.
CALIBRATION = [
    ("Nagelstudio Amira", "Amira Nagelstudio", True),  # word order: 100
    ("Uitzendbureau Flexwerkers", "Uitzendbureau Flexwerker", True),  # 95.2
    ("Restaurant De Goudendraak", "Restaurant De Goudendraaak", True),  # 95.7
    ("Bakkerij Jansen", "Bakkerij Janssen", False),  # 92.3: slightly beyond the threshold
    ("Nagelstudio Amira", "Nagelstudio Amirah", False),  # 90.9
    ("Schoonmaakbedrijf Glans", "Schoonmaakbedrijf Glanz", False),  # 80: a substitution
    ("Nagelstudio Amira", "Nagelstudio Amira Den Haag", False),  # one name has more words
    ("Kwekerij De Hoek", "Kwekerij De Hoop", False),
    ("Bakkerij Jansen", "Slagerij Jansen", False),
]


@pytest.mark.parametrize(("first", "second", "linked"), CALIBRATION)
def test_the_similarity_threshold_on_both_sides(first: str, second: str, linked: bool) -> None:
    a, b = normalise.venue_name(first), normalise.venue_name(second)
    assert a is not None and b is not None and a != b
    score = name_similarity(a, b)
    assert (score >= SIMILAR_NAME_THRESHOLD) is linked, score
    assert bool(similar_groups([a, b])) is linked


def test_a_shared_generic_word_does_not_lift_a_pair_over_the_threshold() -> None:
    """The same one-letter difference scores the same whatever the names share."""
    short = name_similarity("jansen", "janssen")
    long = name_similarity("schoonmaakbedryf jansen", "schoonmaakbedryf janssen")
    assert short == long < SIMILAR_NAME_THRESHOLD
    assert fuzz.token_sort_ratio("schoonmaakbedryf jansen", "schoonmaakbedryf janssen") > 97


words = st.lists(st.text("abcdeghijklmnorstuvz", min_size=1, max_size=9), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(first=words, second=words)
def test_the_candidate_filter_never_misses_a_similar_pair(
    first: list[str], second: list[str]
) -> None:
    """cdist picks candidates by the ratio of their sorted characters, never below the
    measure."""
    a, b = " ".join(first), " ".join(second)
    assert fuzz.ratio(character_bag(a), character_bag(b)) >= name_similarity(a, b) - 1e-9
    if name_similarity(a, b) >= SIMILAR_NAME_THRESHOLD and a != b:
        assert similar_groups([a, b]) == [tuple(sorted({a, b}))]


def test_the_candidate_filter_finds_every_pair_a_full_comparison_finds() -> None:
    """Near-duplicate names (a letter in or out, words swapped, a word added): the groups
    found through the filter equal the groups of a comparison of every pair."""
    rng = random.Random(7)
    letters = "abdeghijklmnorstuvz"
    base = [
        " ".join(
            "".join(rng.choice(letters) for _ in range(rng.randrange(3, 14)))
            for _ in range(rng.randrange(1, 4))
        )
        for _ in range(150)
    ]
    names = set(base)
    for name in base:
        words = name.split()
        spot = rng.randrange(len(words))
        word = words[spot]
        at = rng.randrange(len(word) + 1)
        variants = [
            [*words[:spot], word[:at] + rng.choice(letters) + word[at:], *words[spot + 1 :]],
            [*words[:spot], word[:at] + word[at + 1 :] or word, *words[spot + 1 :]],
            list(reversed(words)),
            [*words, "bv" + rng.choice(letters)],
        ]
        names.update(" ".join(variant) for variant in variants)
    distinct = sorted(names)
    parent = {name: name for name in distinct}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for index, first in enumerate(distinct):
        for second in distinct[index + 1 :]:
            if name_similarity(first, second) >= SIMILAR_NAME_THRESHOLD:
                parent[max(root(first), root(second))] = min(root(first), root(second))
    expected: dict[str, list[str]] = {}
    for name in distinct:
        expected.setdefault(root(name), []).append(name)
    brute = sorted(tuple(group) for group in expected.values() if len(group) > 1)
    assert len(brute) > 50  # the data does hold many similar pairs
    assert sorted(similar_groups(distinct)) == brute


def test_similar_groups_join_chains_and_leave_the_rest() -> None:
    names = [
        "uitzendbureau flexwerkers",
        "flexwerker uitzendbureau",
        "uitzendbureau flexwerkersz",
        "bakkery jansen",
        "bakkery janssen",
    ]
    assert similar_groups(names) == [
        ("flexwerker uitzendbureau", "uitzendbureau flexwerkers", "uitzendbureau flexwerkersz")
    ]


# -- crafted data from two field devices -----------------------------------------------------


def _visit(
    name: str,
    started: str,
    *,
    municipality: str,
    postcode: str | None = None,
    number: str | None = None,
    kvk: str | None = None,
    phones: tuple[str, ...] = (),
    plates: tuple[str, ...] = (),
    handles: tuple[str, ...] = (),
    agencies: tuple[str, ...] = (),
    victims: int = 1,
    others: int = 1,
) -> NewVisit:
    persons = [
        (f"V{i}", PersonInput(label=f"Werknemer {i}", role=PersonRole.POSSIBLE_VICTIM))
        for i in range(victims)
    ] + [
        (f"E{i}", PersonInput(label=f"Leiding {i}", role=PersonRole.EMPLOYER_MANAGER))
        for i in range(others)
    ]
    return NewVisit(
        site=SiteInput(
            name=name,
            sector=Sector.OTHER,
            address=Address(street="Teststraat", number=number, postcode=postcode, place="X"),
            municipality=municipality,
            kvk=kvk,
            phones=phones,
            plates=plates,
            handles=handles,
        ),
        visit=VisitInput(started_at=moment(started, "started_at"), agencies=agencies),
        persons=tuple(persons),
    )


# Device A (enrolled for the Labour Inspectorate) and device B (police). The identifiers are
# written differently on each side on purpose.
DEVICE_A = {
    "amira": _visit(
        "Nagelstudio Amira B.V.",
        "2025-01-10T10:00:00+01:00",
        municipality="'s-Gravenhage",
        postcode="2511 AB",
        number="12a",
        phones=("06-12345678",),
        agencies=("NLA",),
        victims=2,
    ),
    "jansen": _visit(
        "Bakkerij Jansen",
        "2025-02-01T09:00:00+01:00",
        municipality="Rotterdam",
        postcode="3011 AA",
        number="5",
        phones=("010-1234567",),
    ),
    "horeca": _visit(
        "Restaurant De Gouden Draak",
        "2025-03-05T12:00:00+01:00",
        municipality="Utrecht",
        kvk="12345678",
    ),
    "flex": _visit("Uitzendbureau Flexwerkers", "2025-01-20T08:00:00+01:00", municipality="Venlo"),
    "wash": _visit(
        "Wasstraat Express",
        "2025-04-02T08:00:00+02:00",
        municipality="Tilburg",
        plates=("XK-123-B",),
    ),
    "lotus": _visit(
        "Massagesalon Lotus",
        "2025-05-02T20:00:00+02:00",
        municipality="Breda",
        handles=("@Lotus_Massage", "https://www.lotus-massage.nl/"),
    ),
}
DEVICE_B = {
    "amira": _visit(
        "Nagel Studio Amira",
        "2025-03-15T15:00:00+01:00",
        municipality="s-Gravenhage",
        postcode="2511ab",
        number="12 A",
        phones=("+31 6 1234 5678",),
        agencies=("Politie", "Gemeente"),
        victims=3,
    ),
    "janssen": _visit(
        "Bakkerij Janssen",
        "2025-02-10T09:00:00+01:00",
        municipality="Rotterdam",
        postcode="3011 AB",
        number="7",
        phones=("010-7654321",),
    ),
    "horeca": _visit(
        "Horeca Exploitatie Utrecht B.V.",
        "2025-03-20T12:00:00+01:00",
        municipality="Utrecht",
        kvk="12 34 56 78",
    ),
    "flex": _visit("Flexwerker Uitzendbureau", "2025-02-20T08:00:00+01:00", municipality="Venlo"),
    "wash": _visit(
        "Autopoets Service",
        "2025-04-09T08:00:00+02:00",
        municipality="Tilburg",
        plates=("xk 123 b",),
    ),
    "lotus": _visit(
        "Privé ontvangst",
        "2025-06-01T21:00:00+02:00",
        municipality="Breda",
        handles=("lotus_massage",),
    ),
}
# Clear identifiers of the crafted data: none may appear in keys or in --json output. Long
# enough that random key bytes or hex digits cannot hold one by chance.
CLEAR_TEXT = (
    "2511 AB",
    "2511AB12A",
    "3011 AA",
    "3011AA5",
    "12345678",
    "612345678",
    "1234567",
    "XK123B",
    "XK-123-B",
    "lotus",
    "Amira",
    "Jansen",
    "Janssen",
    "Flexwerk",
    "Draak",
)


def _enrol(field: Vault, coordinator: Coordinator, inspector: str, agency: str) -> None:
    cards.trust_coordinator(field, coordinator.card_raw, coordinator.card.fingerprint)
    request, device_fp = cards.make_request(field, inspector, agency)
    ack, _ = cards.approve_request(coordinator.vault, request, device_fp)
    cards.accept_ack(field, ack)


@dataclass
class Crafted:
    coordinator: Coordinator
    visits: dict[str, str]  # "a.amira" -> visit uuid


@pytest.fixture
def crafted(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    visits: dict[str, str] = {}
    for device, agency, data in (("a", "nla", DEVICE_A), ("b", "police", DEVICE_B)):
        field = make_field(tmp_path / f"field-{device}")
        _enrol(field, coordinator, f"Inspecteur {device.upper()}", agency)
        store = Store(field)
        for label, new in data.items():
            visits[f"{device}.{label}"] = store.record_visit(new)
        if device == "a":  # a second visit to the same nail studio, a month later
            site = store.visit_detail(visits["a.amira"]).site.meta.uuid
            again = store.add_visit(
                site, VisitInput(moment("2025-02-12T10:00", "started_at"), agencies=("NLA",))
            )
            store.add_person(again, PersonInput("Werknemer 9", PersonRole.POSSIBLE_VICTIM))
            visits["a.amira.2"] = again
        folder = tmp_path / f"stick-{device}"
        folder.mkdir()
        exported = export_bundle(field, folder)
        assert exported is not None
        assert import_file(coordinator.vault, exported.path).status == "imported"
        field.lock()
    yield Crafted(coordinator, visits)
    coordinator.vault.lock()


def _cluster_of(clusters, visit_uuid: str):
    found = [cluster for cluster in clusters if visit_uuid in cluster.visit_uuids]
    assert len(found) <= 1
    return found[0] if found else None


def test_links_are_found_across_two_devices(crafted: Crafted) -> None:
    vault, visits = crafted.coordinator.vault, crafted.visits
    summary = refresh_links(vault)
    assert summary.sites == 12
    clusters = find_clusters(vault)
    assert len(clusters) == 5

    amira = clusters[0]  # the most visits
    assert set(amira.visit_uuids) == {visits["a.amira"], visits["a.amira.2"], visits["b.amira"]}
    assert amira.link_types == ("address", "phone", "name")
    assert amira.records == 2 and amira.visits == 3
    assert amira.agencies == ("municipality", "nla", "police")
    assert amira.months == 3  # January to March
    assert amira.possible_victims == 2 + 1 + 3
    assert len(amira.devices) == 2
    assert amira.first_visit is not None and amira.first_visit.startswith("2025-01-10")
    assert amira.visit_uuids[0] == visits["b.amira"]  # newest first
    assert describe.headline(amira, "nl") == (
        "Dit adres: 3 bezoeken, 3 diensten, 3 maanden, 6 mogelijke slachtoffers"
    )
    assert describe.headline(amira, "en") == (
        "This address: 3 visits, 3 agencies, 3 months, 6 possible victims"
    )
    assert describe.why_linked(amira, "nl") == (
        "Gekoppeld via: adres (2 locaties), telefoonnummer (2 locaties), naam (2 locaties)"
    )

    expected = {
        "horeca": ("kvk",),
        "flex": ("similar_name",),
        "wash": ("plate",),
        "lotus": ("handle",),
    }
    for label, link_types in expected.items():
        cluster = _cluster_of(clusters, visits[f"a.{label}"])
        assert cluster is not None, label
        assert set(cluster.visit_uuids) == {visits[f"a.{label}"], visits[f"b.{label}"]}
        assert cluster.link_types == link_types
        assert cluster.agencies == ("nla", "police")
        assert cluster.possible_victims == 2 and cluster.visits == 2

    # Only the name differs, and by more than the threshold allows: no link.
    assert _cluster_of(clusters, visits["a.jansen"]) is None
    assert _cluster_of(clusters, visits["b.janssen"]) is None


def test_link_keys_are_keyed_pseudonyms(crafted: Crafted, tmp_path: Path) -> None:
    vault = crafted.coordinator.vault
    refresh_links(vault)
    secret_hex = vault.conn.execute(
        "SELECT value FROM sync_keys WHERE name = 'link_hmac'"
    ).fetchone()[0]
    assert re.fullmatch(r"[0-9a-f]{64}", secret_hex)
    assert link_secret(vault).hex() == secret_hex  # made once, then kept

    stored = vault.conn.execute("SELECT link_type, link_key, record_kind FROM link_keys").fetchall()
    assert stored and all(len(key) == 32 and kind == "site" for _, key, kind in stored)
    everything = b"".join(bytes(key) for _, key, _ in stored)
    for clear in CLEAR_TEXT:
        assert clear.encode() not in everything
        assert clear.casefold().encode() not in everything
    address_key = link_key(bytes.fromhex(secret_hex), "address", "2511AB12A")
    assert ("address", address_key) in {(kind, bytes(key)) for kind, key, _ in stored}

    # Another coordinator, the same identifiers: other keys.
    other = make_coordinator(tmp_path / "other")
    try:
        assert link_key(link_secret(other.vault), "address", "2511AB12A") != address_key
    finally:
        other.vault.lock()


def test_refresh_writes_the_difference_and_equals_a_full_recompute(crafted: Crafted) -> None:
    vault, visits = crafted.coordinator.vault, crafted.visits
    assert keys_stale(vault)
    first = refresh_links(vault)
    assert first.added == first.keys > 0 and first.removed == 0
    assert not keys_stale(vault)
    again = refresh_links(vault)
    assert (again.added, again.removed, again.keys) == (0, 0, first.keys)

    # The inspector corrects the Bakkerij Janssen record: now the same phone as Jansen.
    store = Store(vault)
    site = store.visit_detail(visits["b.janssen"]).site
    changed_in_the_field(vault, "site", site.meta.uuid, phones=json.dumps(["+31 10 123 4567"]))
    # ... and the Wasstraat's site is removed.
    changed_in_the_field(
        vault, "site", store.visit_detail(visits["a.wash"]).site.meta.uuid, deleted=1
    )
    assert keys_stale(vault)
    changed = refresh_links(vault)
    assert changed.added == 1 and changed.removed == 1 + 2  # phone; the old phone, plate + name
    incremental = vault.conn.execute("SELECT * FROM link_keys ORDER BY 1, 2, 4").fetchall()
    vault.conn.execute("DELETE FROM link_keys")
    refresh_links(vault)
    assert vault.conn.execute("SELECT * FROM link_keys ORDER BY 1, 2, 4").fetchall() == incremental

    clusters = find_clusters(vault)
    bakery = _cluster_of(clusters, visits["a.jansen"])
    assert bakery is not None and bakery.link_types == ("phone",)
    assert _cluster_of(clusters, visits["b.wash"]) is None


def test_incremental_refresh_skips_unchanged_ranges_and_equals_a_full_one(
    crafted: Crafted, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = crafted.coordinator.vault
    store = Store(vault)

    def refresh(**options: object):
        done = refresh_links(vault, page_size=3, **options)
        if not options:  # the incremental result must be what a full recompute gives
            check = refresh_links(vault, page_size=3, full=True)
            assert (check.added, check.removed) == (0, 0)
            assert check.ranges_skipped == 0  # full: every range computed
        return done

    first = refresh()
    assert (first.ranges_computed, first.ranges_skipped) == (4, 0)  # 12 sites, 3 per range
    again = refresh()
    assert (again.ranges_computed, again.ranges_skipped, again.added, again.removed) == (0, 4, 0, 0)

    # Seven sites whose ids fall inside the second range, as an import of older records does:
    # that range is computed again and cut in pages; the others are skipped.
    ids = sorted(uuid for (uuid,) in vault.conn.execute("SELECT uuid FROM sites"))
    fresh = iter(f"{ids[3]}-{number}" for number in range(7))
    monkeypatch.setattr("fieldapp.store.store.new_id", lambda: next(fresh))
    for number in range(7):
        store.add_site(
            SiteInput(f"Pand {number}", Sector.OTHER, municipality="Venlo", phones=("06-12345678",))
        )
    monkeypatch.undo()
    grown = refresh()
    assert grown.ranges_skipped == 3 and grown.ranges_computed == 4  # 3 + 7 sites: 3, 3, 3, 1
    assert grown.added == 7 * 2 and grown.removed == 0  # a phone and a name key each
    amira = _cluster_of(find_clusters(vault), crafted.visits["a.amira"])
    assert amira is not None and amira.records == 2 + 7

    # An edit at the end, a deletion at the start, then a whole range deleted.
    # (The crafted sites came from the field: their changes arrive in the field's bundles.)
    last = store.visit_detail(crafted.visits["b.lotus"]).site
    changed_in_the_field(
        vault,
        "site",
        last.meta.uuid,
        **dict.fromkeys(
            ("trade_name", "street", "number", "postcode", "place", "municipality", "kvk")
        ),
        phones="[]",
        plates=json.dumps(["ZZ-999-Z"]),
        handles="[]",
    )
    changed_in_the_field(vault, "site", ids[0], deleted=1)
    changed = refresh()
    # Added: the plate, and the name again (without a municipality now).
    assert changed.ranges_computed == 2 and changed.removed > 0 and changed.added == 2
    for uuid in ids[:3]:
        if store.site(uuid).meta.deleted is False:
            changed_in_the_field(vault, "site", uuid, deleted=1)
    emptied = refresh()
    assert emptied.sites == 12 + 7 - 3
    assert not vault.conn.execute(
        "SELECT 1 FROM link_keys WHERE record_uuid <= ?", (ids[2],)
    ).fetchall()

    # Keys removed behind the refresh's back are noticed (the count of a range changes).
    vault.conn.execute("DELETE FROM link_keys WHERE link_type = 'plate'")
    assert refresh().added > 0


def test_min_records_and_the_order(crafted: Crafted) -> None:
    vault = crafted.coordinator.vault
    refresh_links(vault)
    clusters = find_clusters(vault)
    order = [(-c.visits, -len(c.agencies), -c.possible_victims) for c in clusters]
    assert order == sorted(order)
    assert find_clusters(vault, min_records=3) == []
    assert find_clusters(vault, min_records=1) == clusters  # one site alone is no link


def test_generic_names_link_nothing_but_their_identifiers_still_do(tmp_path: Path) -> None:
    coordinator = make_coordinator(tmp_path / "coordinator")
    try:
        store = Store(coordinator.vault)
        homes = [
            store.record_visit(_visit(name, "2025-01-10T10:00", municipality="Rotterdam"))
            for name in ("Woning", "woning", "Particulier huishouden", "Particulier  Huishouden")
        ]
        shared_phone = [
            store.record_visit(
                _visit("Woning", "2025-02-10T10:00", municipality="Rotterdam", phones=(phone,))
            )
            for phone in ("06-11112222", "+31 6 1111 2222")
        ]
        summary = refresh_links(coordinator.vault)
        assert summary.by_type["name"] == 0 and summary.by_type["similar_name"] == 0
        clusters = find_clusters(coordinator.vault)
        assert [set(cluster.visit_uuids) for cluster in clusters] == [set(shared_phone)]
        assert clusters[0].link_types == ("phone",)
        assert all(_cluster_of(clusters, visit) is None for visit in homes)
    finally:
        coordinator.vault.lock()


def test_a_worker_connection_refreshes_when_stale(crafted: Crafted) -> None:
    vault = crafted.coordinator.vault
    result = load_links(links_key(vault))
    assert result.refreshed is not None and len(result.clusters) == 5
    key = links_key(vault)
    again = load_links(key)
    assert again.refreshed is None and again.clusters == result.clusters
    assert not any(key._key)  # the key copy is wiped once the worker has opened the vault
    assert load_links(links_key(vault), refresh=True).refreshed is not None


def test_a_field_vault_is_refused(tmp_path: Path) -> None:
    field = make_field(tmp_path / "field")
    try:
        for call in (refresh_links, find_clusters, keys_stale, links_key):
            with pytest.raises(LinksError) as raised:
                call(field)
            assert raised.value.key == "links.coordinator_only"
            assert "coördinatorkluis" in raised.value.message("nl")
        assert (
            field.conn.execute(
                "SELECT count(*) FROM sync_keys WHERE name = 'link_hmac'"
            ).fetchone()[0]
            == 0
        )
    finally:
        field.lock()


# -- the command line ------------------------------------------------------------------------


def test_cli_links_json_and_plain(crafted: Crafted, passphrase_file: Path) -> None:
    vault = crafted.coordinator.vault
    folder = str(vault.folder)
    vault.lock()
    common = ("--vault", folder, "--passphrase-file", str(passphrase_file))
    result = run_cli("links", "--json", *common)
    assert result.returncode == 0, result.stderr
    assert "Koppelsleutels bijgewerkt: 12 locaties" in result.stderr  # stale: refreshed first
    clusters = json.loads(result.stdout)
    assert [c["visits"] for c in clusters] == [3, 2, 2, 2, 2]
    first = clusters[0]
    assert first["link_types"] == ["address", "phone", "name"]
    assert (first["agencies"], first["months"], first["possible_victims"]) == (
        ["municipality", "nla", "police"],
        3,
        6,
    )
    assert set(first["visit_uuids"]) == {
        crafted.visits["a.amira"],
        crafted.visits["a.amira.2"],
        crafted.visits["b.amira"],
    }
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for r in first["reasons"] for key in r["keys"])
    for clear in CLEAR_TEXT:
        assert clear.casefold() not in result.stdout.casefold()

    again = run_cli("links", "--json", *common)
    assert again.returncode == 0 and again.stderr == ""  # keys current: no refresh
    assert json.loads(again.stdout) == clusters  # stable

    plain = run_cli("links", *common, lang="en")
    assert plain.returncode == 0, plain.stderr
    assert "5 linked cases, most visits first." in plain.stdout
    assert "1. This address: 3 visits, 3 agencies, 3 months, 6 possible victims" in plain.stdout
    assert "Linked by: similar name (2 sites)" in plain.stdout
    # Agencies by their one name (fieldapp.agencies), dates in the one date format.
    assert "Agencies: Netherlands Labour Authority, Police" in plain.stdout
    assert re.search(r"Visit [0-9a-f]{8}  \d\d/\d\d/\d{4}  ", plain.stdout)


def test_cli_links_on_a_field_vault_says_why(tmp_path: Path, passphrase_file: Path) -> None:
    make_field(tmp_path / "field").lock()
    result = run_cli(
        "links", "--vault", str(tmp_path / "field"), "--passphrase-file", str(passphrase_file)
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "alleen in een coördinatorkluis" in result.stderr
    assert result.stdout == ""


def test_a_refresh_stopped_half_way_is_completed_by_the_next(
    crafted: Crafted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction per range: what a stopped refresh wrote stays, the record of the ranges
    is only written at the end, and the next refresh gives what a clean full one gives."""
    from fieldapp.links import refresh as refresh_module

    vault = crafted.coordinator.vault
    real = refresh_module._write_difference
    calls = 0

    def failing_on_the_third_range(*args: object, **kwargs: object):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(refresh_module, "_write_difference", failing_on_the_third_range)
    with pytest.raises(OSError):
        refresh_links(vault, page_size=3)
    monkeypatch.undo()
    assert not vault.conn.in_transaction  # nothing held: the main window can save meanwhile
    written = vault.conn.execute("SELECT count(*) FROM link_keys").fetchone()[0]
    assert written > 0  # the first two ranges were committed
    assert keys_stale(vault)
    resumed = refresh_links(vault, page_size=3)
    assert resumed.added > 0
    clean = refresh_links(vault, page_size=3, full=True)
    assert (clean.added, clean.removed) == (0, 0)
