"""The store: one transaction per change, typed results, tombstones, search and paging."""

from __future__ import annotations

import hashlib

import pytest

from fieldapp.demo import demo_visits
from fieldapp.domain import Evidence, ObservationStatus, VisitStatus
from fieldapp.errors import FieldAppError, NotFound
from fieldapp.inputs import ObservationInput, PersonInput
from fieldapp.store.store import MAX_ATTACHMENT_BYTES, Store, VisitCursor, fts_query
from fieldapp.vault import audit
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit


@pytest.fixture
def visit_id(store: Store) -> str:
    return store.record_visit(visit_from_dict(sample_visit()))


def test_recorded_visit_reads_back_as_typed_objects(store: Store, visit_id: str) -> None:
    detail = store.visit_detail(visit_id)
    assert detail.site.name == "Kwekerij De Hoek"
    assert detail.site.phones == ("+31 6 12345678",)
    assert detail.visit.agencies == ("NLA",)
    assert detail.visit.status is VisitStatus.OPEN
    assert [p.label for p in detail.persons] == ["Werknemer A"]
    person = detail.persons[0]
    assert person.languages == ("bg",)
    by_indicator = {o.indicator_id: o for o in detail.observations}
    assert by_indicator["ILO-CD-01"].person_uuid == person.meta.uuid
    assert by_indicator["ILO-EX-02"].person_uuid is None  # everyone at the visit
    for record in (detail.site, detail.visit, person, *detail.observations):
        assert record.meta.revision == 1
        assert record.meta.origin_device == store.device_id
        assert record.meta.created_at.endswith("Z")


def test_a_bad_visit_is_stored_not_at_all(store: Store) -> None:
    audit_before = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    new = visit_from_dict(sample_visit())
    broken = new.__class__(
        new.site, new.visit, new.persons, (*new.observations, new.observations[0])
    )  # violates one-per-indicator
    with pytest.raises(Exception, match="UNIQUE"):
        store.record_visit(broken)
    assert store.count_visits() == 0
    assert store.conn.execute("SELECT count(*) FROM sites").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


def test_set_observation_updates_the_one_live_row(store: Store, visit_id: str) -> None:
    person = next(store.persons(visit_id))
    first = store.set_observation(
        visit_id,
        person.meta.uuid,
        ObservationInput("ILO-EX-01", ObservationStatus.OBSERVED, Evidence.TOLD, "12 uur per dag"),
    )
    second = store.set_observation(
        visit_id,
        person.meta.uuid,
        ObservationInput("ILO-EX-01", ObservationStatus.NOT_OBSERVED),
    )
    assert first == second
    rows = [o for o in store.observations(visit_id) if o.indicator_id == "ILO-EX-01"]
    assert len(rows) == 1
    assert rows[0].status is ObservationStatus.NOT_OBSERVED
    assert rows[0].meta.revision == 2
    assert rows[0].note is None
    # The same indicator for the whole visit is a separate observation.
    everyone = store.set_observation(
        visit_id, None, ObservationInput("ILO-EX-01", ObservationStatus.OBSERVED)
    )
    assert everyone != first


def test_delete_leaves_a_tombstone_without_content(store: Store, visit_id: str) -> None:
    person = next(store.persons(visit_id))
    store.delete("person", person.meta.uuid)
    row = store.conn.execute(
        "SELECT deleted, revision, label, notes, nationality FROM persons WHERE uuid = ?",
        (person.meta.uuid,),
    ).fetchone()
    assert row == (1, 2, "", None, None)
    assert list(store.persons(visit_id)) == []
    assert store.search_notes("bang") == []
    with pytest.raises(NotFound):
        store.delete("person", person.meta.uuid)


def test_search_finds_visits_by_site_address_and_notes(store: Store, visit_id: str) -> None:
    other = sample_visit()
    other["site"]["name"] = "Autopoets Service"
    other["site"]["address"]["place"] = "Venlo"
    other["visit"]["notes"] = None
    other["persons"][0]["notes"] = None
    other["observations"] = []
    other_id = store.record_visit(visit_from_dict(other))
    assert [v.uuid for v in store.search_visits("hoek")] == [visit_id]
    assert [v.uuid for v in store.search_visits("Honselersdijk")] == [visit_id]
    assert [v.uuid for v in store.search_visits("Venlo")] == [other_id]
    assert [v.uuid for v in store.search_visits("bang")] == [visit_id]  # person note
    assert [v.uuid for v in store.search_visits("paspoort")] == [visit_id]  # observation note
    assert [v.uuid for v in store.search_visits("slaapplaats")] == [visit_id]  # prefix
    assert {v.uuid for v in store.search_visits("Middelweg")} == {visit_id, other_id}
    assert store.search_visits("kwekerij venlo") == []  # all words must match one text


@pytest.mark.parametrize("text", ['"', "AND", "NEAR(", "*", "a OR", "'; DROP", "^x", "-", ""])
def test_search_never_fails_on_odd_input(store: Store, visit_id: str, text: str) -> None:
    store.search_visits(text)
    store.search_notes(text)


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('kas" OR x') == '"kas" "OR" "x"*'
    assert fts_query("  ") is None


def test_keyset_paging_visits_every_visit_once(store: Store) -> None:
    store.record_visits(demo_visits(230, seed=7))
    seen: list[str] = []
    cursor = None
    while True:
        page = store.list_visits(50, after=cursor)
        if not page:
            break
        seen.extend(v.uuid for v in page)
        cursor = VisitCursor(page[-1].started_at, page[-1].uuid)
    assert len(seen) == len(set(seen)) == store.count_visits() == 230
    starts = [store.visit_detail(uuid).visit.started_at for uuid in seen[:40]]
    assert starts == sorted(starts, reverse=True)


def test_summary_counts(store: Store, visit_id: str) -> None:
    (summary,) = store.list_visits()
    assert summary.person_count == 1
    assert summary.observed_count == 2


def test_next_person_label(store: Store, visit_id: str) -> None:
    assert store.next_person_label(visit_id) == "A"  # the sample's label is "Werknemer A"
    for _ in range(31):
        store.add_person(visit_id, PersonInput(label=store.next_person_label(visit_id)))
    labels = [p.label for p in store.persons(visit_id)]
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert sorted(labels) == sorted(["Werknemer A", *letters, "AA", "AB", "AC", "AD", "AE"])


def test_attachment_is_kept_inside_with_its_hash(store: Store, visit_id: str) -> None:
    content = b"%PDF-1.7\n" + bytes(range(256)) * 100
    attachment = store.add_attachment("visit", visit_id, "brief.pdf", "application/pdf", content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert store.attachment_content(attachment.meta.uuid) == content
    assert store.visit_detail(visit_id).attachments == (attachment,)


def test_attachment_limits_have_clear_messages(store: Store, visit_id: str) -> None:
    with pytest.raises(FieldAppError) as caught:
        store.add_attachment(
            "visit", visit_id, "big.jpg", "image/jpeg", b"x" * (MAX_ATTACHMENT_BYTES + 1)
        )
    assert "25 MB" in caught.value.message("nl")
    with pytest.raises(FieldAppError) as caught:
        store.add_attachment("visit", visit_id, "run.exe", "application/x-msdownload", b"MZ")
    assert "application/x-msdownload" in caught.value.message("en")
    assert store.visit_detail(visit_id).attachments == ()


def test_every_change_is_in_the_audit_chain(store: Store, visit_id: str) -> None:
    person = next(store.persons(visit_id))
    store.update_visit(visit_id, notes="bijgewerkt", status=VisitStatus.CLOSED)
    store.delete("person", person.meta.uuid)
    actions = [(e.action, e.record_kind, e.record_uuid) for e in audit.entries(store.conn, 500)]
    assert ("update", "visit", visit_id) in actions
    assert ("delete", "person", person.meta.uuid) in actions
    assert ("create", "visit", visit_id) in actions
    assert audit.verify_chain(store.conn) is None
    # The log names records, never their content.
    dump = repr(store.conn.execute("SELECT * FROM audit_log").fetchall())
    assert "bijgewerkt" not in dump
    assert "Kwekerij" not in dump


def test_update_visit_changes_search_text(store: Store, visit_id: str) -> None:
    store.update_visit(visit_id, notes="matrassen op zolder")
    assert [v.uuid for v in store.search_visits("zolder")] == [visit_id]
    assert store.search_visits("slaapplaatsen") == []
    assert store.visit_detail(visit_id).visit.meta.revision == 2


def test_find_visit_by_id_or_its_end(store: Store, visit_id: str) -> None:
    assert store.find_visit(visit_id) == visit_id
    assert store.find_visit(visit_id[-8:].upper()) == visit_id
    for not_found in (visit_id[-3:], "ffffffff", "x%' OR 1", visit_id[:8] + "0"):
        with pytest.raises(NotFound):
            store.find_visit(not_found)


def test_batched_audit_entries_chain_like_single_ones(store: Store) -> None:
    before = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    store.record_visits(demo_visits(15, seed=4))
    store.record_visit(visit_from_dict(sample_visit()))
    store.record_visits(demo_visits(5, seed=5))
    created = sum(
        store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("sites", "visits", "persons", "observations")
    )
    after = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert after - before == created
    assert audit.verify_chain(store.conn) is None
    store.conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = ?", (before + 3,))
    assert audit.verify_chain(store.conn) == before + 3


def test_visit_ids_filter_sort_and_search(store: Store) -> None:
    from fieldapp.domain import Sector
    from fieldapp.store.store import VisitFilter

    store.record_visits(demo_visits(120, seed=9))
    every = store.visit_ids()
    assert len(every) == 120
    assert [s.uuid for s in store.visit_summaries(every[:30])] == every[:30]
    oldest_first = store.visit_ids(sort="started_at", descending=False)
    assert oldest_first == list(reversed(every))
    by_site = store.visit_summaries(store.visit_ids(sort="site", descending=False))
    names = [s.site_name.casefold() for s in by_site]
    assert names == sorted(names)
    closed = store.visit_summaries(store.visit_ids(VisitFilter(status=VisitStatus.CLOSED)))
    assert closed and all(s.status is VisitStatus.CLOSED for s in closed)
    car_wash = store.visit_ids(VisitFilter(sector=Sector.CAR_WASH))
    assert all(s.sector is Sector.CAR_WASH for s in store.visit_summaries(car_wash))
    municipality = store.municipalities()[0]
    local = store.visit_summaries(store.visit_ids(VisitFilter(municipality=municipality)))
    assert local and all(s.municipality == municipality for s in local)
    day = by_site[0].started_at[:10]
    on_day = store.visit_summaries(store.visit_ids(VisitFilter(date_from=day, date_to=day)))
    assert on_day and all(s.started_at.startswith(day) for s in on_day)
    found = store.visit_ids(VisitFilter(search="paspoorten"))
    assert 0 < len(found) < 120
    assert set(found) == {s.uuid for s in store.search_visits("paspoorten", limit=1000)}
    assert store.visit_ids(VisitFilter(search="   ")) == []


def test_known_sites_are_found_as_you_type(store: Store, visit_id: str) -> None:
    store.record_visit(visit_from_dict(sample_visit()))  # the same place, visited again
    found = store.search_sites("kweker")
    assert [s.name for s in found] == ["Kwekerij De Hoek"]  # one entry per place
    assert store.search_sites("12345678")[0].kvk == "12345678"
    assert store.search_sites("Honselersd")
    assert store.search_sites("nothing-like-it") == []


def test_settings_live_inside_the_vault(store: Store) -> None:
    assert store.setting("profile", {}) == {}
    store.set_setting("profile", {"name": "J. de Vries", "agency": "NLA"})
    store.set_setting("auto_lock_minutes", 7)
    assert store.setting("profile") == {"name": "J. de Vries", "agency": "NLA"}
    assert store.setting("auto_lock_minutes") == 7


def test_site_sort_keys_follow_the_site(store: Store, visit_id: str) -> None:
    """The visit's sort copies of its site's columns (schema v5) stay right after every change."""
    from fieldapp.inputs import SiteInput

    def keys() -> tuple:
        return store.conn.execute(
            "SELECT sort_site, sort_place, sort_municipality, sort_sector FROM visits"
            " WHERE uuid = ?",
            (visit_id,),
        ).fetchone()

    assert keys() == ("Kwekerij De Hoek", "Honselersdijk", "Westland", "agriculture")
    site = store.visit_detail(visit_id).site
    store.update_site(
        site.meta.uuid,
        SiteInput(
            name="Aardbeienkwekerij",
            sector=site.sector,
            address=site.address,
            municipality="Midden-Delfland",
        ),
    )
    assert keys()[0] == "Aardbeienkwekerij"
    assert keys()[2] == "Midden-Delfland"
    other = store.add_site(SiteInput(name="Zuid BV", sector=site.sector))
    store.update_visit(visit_id, site_uuid=other)
    assert keys()[0] == "Zuid BV"
    assert store.visit_ids(sort="site", descending=False)[-1] == visit_id


def test_bundles_carry_every_synchronised_column(store: Store) -> None:
    """A column added to a record table without adding it to the store's column list would
    silently stay behind on the device: every column is read and sent, or named here."""
    from fieldapp.store.sync_store import RECORD_COLUMNS, TABLES

    not_sent = {
        "content",  # an attachment's bytes travel as their own frame
        "sync_seq",
        "sync_revision",  # the coordinator's provenance
        "sort_site",
        "sort_place",
        "sort_municipality",
        "sort_sector",  # derived by triggers
    }
    for kind, columns in RECORD_COLUMNS.items():
        table = [row[1] for row in store.conn.execute(f"PRAGMA table_info({TABLES[kind]})")]
        assert set(table) - not_sent == set(columns), kind


@pytest.mark.parametrize(
    ("local_start", "stored", "day_before"),
    [
        ("2026-03-01T00:30:00", "2026-02-28T23:30:00Z", "2026-02-28"),  # winter time, +01:00
        ("2026-07-01T01:30:00", "2026-06-30T23:30:00Z", "2026-06-30"),  # summer time, +02:00
    ],
)
def test_the_visits_list_filters_on_dutch_days(
    store: Store, local_start: str, stored: str, day_before: str
) -> None:
    """A visit just after midnight Dutch time lies on that Dutch day, not on the UTC day
    before it."""
    from fieldapp.store.store import VisitFilter

    data = sample_visit()
    data["visit"]["started_at"] = local_start  # no offset: Dutch time
    data["visit"].pop("ended_at", None)
    visit = store.record_visit(visit_from_dict(data))
    assert store.visit_detail(visit).visit.started_at == stored
    day = local_start[:10]
    assert store.visit_ids(VisitFilter(date_from=day, date_to=day)) == [visit]
    assert store.visit_ids(VisitFilter(date_to=day_before)) == []
    assert store.visit_ids(VisitFilter(date_from=day_before, date_to=day_before)) == []
