"""Issue 12, the import side: a bundle from an enrolled device may only add to its own records
(item 2), every imported value passes the checks local input passes (item 3), bundle file names
are never Windows device names, and a big file is never held in memory twice (item 8).

Each test first builds what an attacker (or a broken device) would send, through the real
export or with the device's real key, and then checks that the bundle is refused as a whole,
naming why, and that nothing was written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.store.sync_store import RECORD_COLUMNS
from fieldapp.sync import bundle
from fieldapp.sync.errors import ExportError
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import bundle_files, import_file, import_paths
from fieldapp.vault import Vault
from fieldapp.vault.connection import transaction
from tests.support import ROOT
from tests.support.sync import (
    Coordinator,
    enrol,
    forge,
    frame,
    make_coordinator,
    make_field,
    table_dump,
    write_counts,
)

NOW = "2026-11-28T10:00:00Z"


@pytest.fixture
def trio(tmp_path: Path):
    """A coordinator and two enrolled field devices, F1 and F2."""
    coordinator = make_coordinator(tmp_path / "coordinator")
    first = make_field(tmp_path / "f1")
    second = make_field(tmp_path / "f2")
    enrol(first, coordinator, "Inspecteur 01")
    enrol(second, coordinator, "Inspecteur 02")
    yield coordinator, first, second
    second.lock()
    first.lock()
    coordinator.vault.lock()


def _export(field: Vault, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    result = export_bundle(field, folder)
    assert result is not None
    return result.path


def _imported(coordinator: Coordinator, path: Path) -> None:
    report = import_file(coordinator.vault, path)
    assert report.status == "imported", report.rejection and report.rejection.message("en")


def _refused(coordinator: Coordinator, path: Path, reason: str):
    """Import ``path``: refused for ``reason``, and not one row written anywhere."""
    vault = coordinator.vault
    before, dump = write_counts(vault), table_dump(vault)
    report = import_file(vault, path)
    assert report.status == "rejected", "the bundle was imported"
    assert report.rejection.reason == reason, report.rejection.message("en")
    assert write_counts(vault) == before
    assert table_dump(vault) == dump
    return report.rejection


def _row(kind: str, device_id: str, record_uuid: str, **values: Any) -> list[Any]:
    """A record row as the exporter writes it: the meta columns, then ``values`` (every other
    column; missing ones are None)."""
    meta = {
        "uuid": record_uuid,
        "created_at": NOW,
        "updated_at": NOW,
        "origin_device": device_id,
        "revision": 1,
        "deleted": 0,
    }
    full = {**meta, **values}
    return [full.get(name) for name in RECORD_COLUMNS[kind]]


def _uuid(number: int) -> str:
    return f"01a00000-0000-7000-8000-{number:012x}"


def _site(device_id: str, number: int = 1, **changes: Any) -> list[Any]:
    values = {
        "name": "Kwekerij De Hoek",
        "sector": "agriculture",
        "phones": "[]",
        "plates": "[]",
        "handles": "[]",
        **changes,
    }
    return _row("site", device_id, _uuid(0x100 + number), **values)


def _visit(device_id: str, site_uuid: str, number: int = 1, **changes: Any) -> list[Any]:
    values = {
        "site_uuid": site_uuid,
        "started_at": "2026-11-20T08:30:00Z",
        "type": "inspection",
        "agencies": "[]",
        "status": "open",
        **changes,
    }
    return _row("visit", device_id, _uuid(0x200 + number), **values)


def _person(device_id: str, visit_uuid: str, number: int = 1, **changes: Any) -> list[Any]:
    values = {
        "visit_uuid": visit_uuid,
        "label": "Werknemer Z",
        "role": "possible_victim",
        "sex": "unknown",
        "languages": "[]",
        "interpreter": 0,
        "consent": "not_asked",
        "b83_status": "not_recorded",
        "suspected_forms": "[]",
        "professional_indication": 0,
        "police_report": "unknown",
        **changes,
    }
    return _row("person", device_id, _uuid(0x300 + number), **values)


def _observation(
    device_id: str, visit_uuid: str, person_uuid: str | None, number: int = 1, **changes: Any
) -> list[Any]:
    values = {
        "visit_uuid": visit_uuid,
        "person_uuid": person_uuid,
        "indicator_id": "ILO-CD-01",
        "catalogue_version": "2026.2",
        "status": "observed",
        "observed_at": "2026-11-20T08:40:00Z",
        "past": 0,
        **changes,
    }
    return _row("observation", device_id, _uuid(0x400 + number), **values)


def _own_visit(device_id: str) -> dict[str, list[list[Any]]]:
    site = _site(device_id)
    return {"site": [site], "visit": [_visit(device_id, site[0])]}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- item 2: ownership on import -------------------------------------------------------------


def _first_visit(vault: Vault) -> tuple[str, str, str]:
    """(visit, its site, one of its persons) of the first visit a device recorded."""
    visit_uuid, site_uuid = vault.conn.execute(
        "SELECT uuid, site_uuid FROM visits ORDER BY created_at, uuid LIMIT 1"
    ).fetchone()
    (person_uuid,) = vault.conn.execute(
        "SELECT uuid FROM persons WHERE visit_uuid = ? LIMIT 1", (visit_uuid,)
    ).fetchone()
    return visit_uuid, site_uuid, person_uuid


def _plant_foreign_children(field: Vault, visit_uuid: str) -> tuple[str, str]:
    """What a compromised device F2 does: a person and an observation of its own, hung on F1's
    visit, written into its vault with SQL (the change log picks them up like any insert)."""
    device = field.info.device_id
    person = _person(device, visit_uuid, 77, label="Planted")
    observation = _observation(device, visit_uuid, person[0], 77)
    conn = field.conn
    conn.execute("PRAGMA foreign_keys = OFF")  # F1's visit is not in F2's vault
    try:
        with transaction(conn):
            for kind, table, row in (
                ("person", "persons", person),
                ("observation", "observations", observation),
            ):
                names = RECORD_COLUMNS[kind]
                marks = ", ".join("?" for _ in names)
                conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", row)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return person[0], observation[0]


def test_a_device_cannot_add_people_and_signals_to_another_devices_visit(
    trio, tmp_path: Path
) -> None:
    coordinator, first, second = trio
    Store(first).record_visits(demo_visits(2, seed=1))
    _imported(coordinator, _export(first, tmp_path / "f1"))
    f1_visit, _, _ = _first_visit(first)

    Store(second).record_visits(demo_visits(1, seed=2))  # F2's genuine work travels along
    person_uuid, observation_uuid = _plant_foreign_children(second, f1_visit)
    path = _export(second, tmp_path / "f2")  # the real export, signed with F2's key
    rejection = _refused(coordinator, path, "foreign_parent")
    english, dutch = rejection.message("en"), rejection.message("nl")
    assert person_uuid in english and f1_visit in english
    assert "visit" in english and "bezoek" in dutch
    assert english != dutch
    detail = Store(coordinator.vault).visit_detail(f1_visit)
    assert person_uuid not in {p.meta.uuid for p in detail.persons}
    assert observation_uuid not in {o.meta.uuid for o in detail.observations}


def test_every_kind_of_parent_must_be_the_devices_own(trio, tmp_path: Path) -> None:
    """visit -> site, person -> visit, observation -> visit and person, attachment -> owner,
    referral -> visit, persons, document and earlier version: forged with F2's real key."""
    coordinator, first, second = trio
    Store(first).record_visits(demo_visits(1, seed=3))
    _imported(coordinator, _export(first, tmp_path / "f1"))
    f1_visit, f1_site, f1_person = _first_visit(first)
    device = second.info.device_id
    card = coordinator.card
    own = _own_visit(device)
    own_site, own_visit = own["site"][0][0], own["visit"][0][0]
    own_person = _person(device, own_visit)
    attachment = _row(  # a tombstone: no content frame needed, the owner counts all the same
        "attachment",
        device,
        _uuid(0x500),
        owner_kind="person",
        owner_uuid=f1_person,
        file_name="",
        media_type="image/png",
        size=0,
        sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    attachment[RECORD_COLUMNS["attachment"].index("deleted")] = 1
    referral = _row(
        "referral",
        device,
        _uuid(0x600),
        visit_uuid=own_visit,
        person_uuids=json.dumps([own_person[0], f1_person]),
        recipient="police",
        status="final",
        version=1,
        lang="nl",
        urgency="normal",
    )
    cases = {
        "visit on F1's site": {"site": own["site"], "visit": [_visit(device, f1_site, 9)]},
        "person on F1's visit": {"person": [_person(device, f1_visit, 9)]},
        "observation on F1's person": {
            **own,
            "observation": [_observation(device, own_visit, f1_person)],
        },
        "attachment on F1's person": {"attachment": [attachment]},
        "referral naming F1's person": {**own, "person": [own_person], "referral": [referral]},
    }
    for name, rows in cases.items():
        path = _write(tmp_path, "forged.fab", forge(second, card, rows=rows))
        rejection = _refused(coordinator, path, "foreign_parent")
        assert rejection.params["device"] == device, name
    # The same records hung on F2's own parents import.
    fine = {**own, "person": [own_person], "observation": [_observation(device, own_visit, None)]}
    _imported(coordinator, _write(tmp_path, "own.fab", forge(second, card, rows=fine)))
    assert own_site in {row[0] for row in coordinator.vault.conn.execute("SELECT uuid FROM sites")}


def test_the_coordinators_own_records_count_as_foreign(trio, tmp_path: Path) -> None:
    """The coordinator never sends its records to a device, so no device can hold a reason to
    hang something on them."""
    coordinator, _, second = trio
    coordinator_visit = Store(coordinator.vault).record_visit(next(demo_visits(1, seed=4)))
    device = second.info.device_id
    rows = {"person": [_person(device, coordinator_visit)]}
    path = _write(tmp_path, "forged.fab", forge(second, coordinator.card, rows=rows))
    _refused(coordinator, path, "foreign_parent")


def test_children_of_the_devices_own_earlier_records_still_import(trio, tmp_path: Path) -> None:
    coordinator, first, _ = trio
    store = Store(first)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=5)))
    _imported(coordinator, _export(first, tmp_path / "a"))
    from fieldapp.inputs import PersonInput

    person_uuid = store.add_person(visit_uuid, PersonInput(label="Q"))
    _imported(coordinator, _export(first, tmp_path / "b"))
    persons = Store(coordinator.vault).visit_detail(visit_uuid).persons
    assert person_uuid in {p.meta.uuid for p in persons}


# -- item 3: imported values pass the checks local input passes -----------------------------

BAD_VALUES = [
    # (kind to change, column, value, the problem's message key)
    ("visit", "started_at", "not a date", "validation.datetime"),
    ("visit", "started_at", "2026-02-30T10:00:00Z", "validation.datetime"),
    ("visit", "started_at", "1999-12-31T23:00:00Z", "validation.date_range"),
    ("visit", "ended_at", "2026-11-20T08:00:00Z", "validation.end_before_start"),
    ("site", "kvk", "notakvk", "validation.kvk"),
    ("site", "postcode", "1234 SS", "validation.postcode"),
    ("site", "phones", json.dumps(["06 1234 5678"] * 11), "validation.too_many"),
    ("site", "phones", json.dumps(["x" * 200]), "validation.phone"),
    ("site", "name", "", "validation.required"),
    ("site", "name", "k" * 201, "validation.too_long"),
    ("person", "age", 130, "validation.age"),
    ("person", "minor", 1, "validation.minor_mismatch"),
    ("person", "nationality", "XX", "validation.country"),
    ("person", "languages", json.dumps(["zz"]), "validation.language"),
    ("person", "consent_date", "20-11-2026", "validation.date"),
    ("person", "suspected_forms", json.dumps(["slavery"]), "validation.choice"),
    ("observation", "indicator_id", "NOPE-99", "validation.indicator_unknown"),
    ("observation", "catalogue_version", "2099.1", "validation.catalogue_unknown"),
    ("observation", "observed_at", "yesterday", "validation.datetime"),
]


def _full_visit(device: str) -> dict[str, list[list[Any]]]:
    rows = _own_visit(device)
    visit_uuid = rows["visit"][0][0]
    person = _person(device, visit_uuid, age=24, minor=0)
    return {**rows, "person": [person], "observation": [_observation(device, visit_uuid, None)]}


@pytest.mark.parametrize(
    ("kind", "column", "value", "problem"),
    BAD_VALUES,
    ids=[f"{kind}.{column}={value!r:.20}" for kind, column, value, _ in BAD_VALUES],
)
def test_a_bad_value_refuses_the_bundle_naming_kind_record_and_field(
    trio, tmp_path: Path, kind: str, column: str, value: Any, problem: str
) -> None:
    coordinator, first, _ = trio
    rows = _full_visit(first.info.device_id)
    rows[kind][0][RECORD_COLUMNS[kind].index(column)] = value
    path = _write(tmp_path, "bad.fab", forge(first, coordinator.card, rows=rows))
    rejection = _refused(coordinator, path, "invalid_value")
    assert rejection.params["kind"] == kind
    assert rejection.params["record"] == rows[kind][0][0]
    assert rejection.params["field"] == column
    assert rejection.params["problem"].key == problem
    for lang in ("nl", "en"):
        message = rejection.message(lang)
        assert rows[kind][0][0] in message and column in message


def test_the_same_visit_with_good_values_imports(trio, tmp_path: Path) -> None:
    coordinator, first, _ = trio
    rows = _full_visit(first.info.device_id)
    _imported(coordinator, _write(tmp_path, "ok.fab", forge(first, coordinator.card, rows=rows)))


def test_escape_sequences_and_bidi_overrides_in_imported_text_are_removed(
    trio, tmp_path: Path
) -> None:
    """Text is sanitised on every input path, the import included: the record arrives without
    the control and direction characters, and the report says so."""
    coordinator, first, _ = trio
    rows = _full_visit(first.info.device_id)
    name_at = RECORD_COLUMNS["site"].index("name")
    notes_at = RECORD_COLUMNS["visit"].index("notes")
    rows["site"][0][name_at] = "\x1b]0;pwned\x07Kwekerij \u202eKeoH eD\u202c\x9b"
    rows["visit"][0][notes_at] = "regel 1\nregel\t2\x1b[2J"
    report = import_file(
        coordinator.vault, _write(tmp_path, "esc.fab", forge(first, coordinator.card, rows=rows))
    )
    assert report.status == "imported", report.rejection and report.rejection.message("en")
    assert [w.key for w in report.warnings] == ["sync.warn.sanitised"]
    assert "2" in report.warnings[0].message("en")
    site = Store(coordinator.vault).site(rows["site"][0][0])
    assert site.name == "]0;pwnedKwekerij KeoH eD"
    visit = Store(coordinator.vault).visit_detail(rows["visit"][0][0]).visit
    assert visit.notes == "regel 1\nregel\t2[2J"
    found = coordinator.vault.conn.execute(
        "SELECT count(*) FROM search_index WHERE body LIKE ?", ("%\x1b%",)
    ).fetchone()[0]
    assert found == 0  # the search index got the clean text too


def test_a_lone_surrogate_in_imported_text_is_refused_naming_the_field(
    trio, tmp_path: Path
) -> None:
    coordinator, first, _ = trio
    site = _site(first.info.device_id, name="PLACEHOLDER")
    raw = bundle.canonical_bytes({"kind": "site", "rows": [site]})
    payload = frame(b"R", raw.replace(b"PLACEHOLDER", b"x\\ud800"))
    path = _write(tmp_path, "surrogate.fab", forge(first, coordinator.card, payload=payload))
    rejection = _refused(coordinator, path, "invalid_value")
    assert (rejection.params["field"], rejection.params["problem"].key) == (
        "name",
        "validation.surrogate",
    )
    rejection.message("en").encode("utf-8")  # printable: no surrogate in the message


def test_an_attachment_whose_owner_is_nowhere_waits_for_the_missing_bundle(
    trio, tmp_path: Path
) -> None:
    """No foreign key holds an attachment's owner: checked by hand, like one that has."""
    coordinator, first, _ = trio
    attachment = _row(
        "attachment",
        first.info.device_id,
        _uuid(0x501),
        owner_kind="visit",
        owner_uuid=_uuid(0x2FF),
        file_name="",
        media_type="image/png",
        size=0,
        sha256="0" * 64,
    )
    attachment[RECORD_COLUMNS["attachment"].index("deleted")] = 1
    rows = {"attachment": [attachment]}
    path = _write(tmp_path, "orphan.fab", forge(first, coordinator.card, rows=rows))
    _refused(coordinator, path, "missing_parents")


def test_imported_text_from_the_fast_and_the_slow_frame_path_is_cleaned_alike() -> None:
    device = "01900000-0000-7000-8000-0000000000aa"
    site = _site(device, name="a\x1bb")
    raw = bundle.canonical_bytes({"kind": "site", "rows": [site]})
    fast = bundle._decode_frame(raw, device)
    slow = bundle._decode_frame_by_hand(raw, device)
    name_at = RECORD_COLUMNS["site"].index("name")
    assert fast[1][0][name_at] == slow[1][0][name_at] == "ab"


# -- item 8: Windows device names ----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["CON", "con.fab", "NUL.fab", "com1.fab", "LPT9.x.fab", "AUX .fab"]
)
def test_a_bundle_named_like_a_windows_device_is_refused(trio, tmp_path: Path, name: str) -> None:
    coordinator, first, _ = trio
    Store(first).record_visits(demo_visits(1, seed=6))
    genuine = _export(first, tmp_path / "stick")
    folder = tmp_path / "named"
    folder.mkdir()
    target = folder / name
    target.write_bytes(genuine.read_bytes())
    _refused(coordinator, target, "reserved_name")
    # Imported by folder, it is listed and refused as well (never silently skipped).
    if name.endswith(".fab"):
        reports = import_paths(coordinator.vault, [folder])
        assert [(Path(r.source).name, r.status) for r in reports] == [(name, "rejected")]
    # The same bytes under their own name import.
    _imported(coordinator, genuine)


def test_a_folder_named_like_a_windows_device_is_neither_read_nor_written(
    trio, tmp_path: Path
) -> None:
    coordinator, first, _ = trio
    Store(first).record_visits(demo_visits(1, seed=8))
    device_folder = tmp_path / "CON"
    device_folder.mkdir()
    with pytest.raises(ExportError) as caught:
        export_bundle(first, device_folder)
    assert caught.value.key == "sync.export.reserved_name"
    assert list(device_folder.iterdir()) == []
    genuine = _export(first, tmp_path / "stick")
    (device_folder / genuine.name).write_bytes(genuine.read_bytes())
    assert bundle_files([device_folder]) == [device_folder]
    reports = import_paths(coordinator.vault, [device_folder])
    assert [r.rejection.reason for r in reports] == ["reserved_name"]


# -- item 8: a big file is not read whole before it is refused ----------------------------

MEMORY_PROBE = textwrap.dedent(
    """
    import io, json, resource, struct, sys
    from pathlib import Path
    import pyrage
    from pyrage import x25519
    from fieldapp.sync import bundle
    from fieldapp.sync.canonical import canonical_bytes
    from fieldapp.sync.import_ import import_file
    from fieldapp.sync.keys import own_keys
    from fieldapp.vault.migrations import SCHEMA_VERSION
    from tests.support.sync import enrol, make_coordinator, make_field

    folder, size, shape = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    coordinator = make_coordinator(folder / "c")
    field = make_field(folder / "f")
    enrol(field, coordinator)
    card = coordinator.card

    class Zeros(io.RawIOBase):
        # A plaintext streamed to the encryption: ``head``, then zeros up to ``total``.
        def __init__(self, head, total):
            self.head, self.left = head, total
        def readable(self):
            return True
        def readinto(self, buffer):
            count = min(len(buffer), self.left)
            buffer[:count] = (self.head[:count] + bytes(count))[:count]
            self.head = self.head[count:]
            self.left -= count
            return count

    if shape == "bundle":
        # A bundle-shaped plaintext from the enrolled device whose payload is zeros.
        payload_bytes = size - 1024
        manifest = canonical_bytes({
            "format": bundle.FORMAT, "bundle_id": "01a00000-0000-7000-8000-000000000001",
            "device_id": field.info.device_id, "seq": 1, "prev_bundle_sha256": "0" * 64,
            "created_utc": "2026-11-28T10:00:00Z",
            "recipients": bundle.fingerprints_for((card.age_recipient, card.recovery_recipient)),
            "coordinator": card.fingerprint, "payload_sha256": "0" * 64,
            "payload_bytes": payload_bytes, "schema_version": SCHEMA_VERSION,
            "counts": dict.fromkeys(bundle.COUNT_KEYS, 0), "resends": []})
        head = bundle.MAGIC + struct.pack(">I", len(manifest)) + manifest
        head += struct.pack(">I", payload_bytes)
        total = len(head) + payload_bytes + bundle.SIGNATURE_BYTES
    else:
        head, total = b"not a bundle at all", size
    target = folder / "big.fab"
    recipients = [x25519.Recipient.from_str(card.age_recipient)]
    with open(target, "wb") as out:
        pyrage.encrypt_io(Zeros(head, total), out, recipients)
    field.lock()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = import_file(coordinator.vault, target)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"reason": report.rejection and report.rejection.reason,
                      "file": target.stat().st_size, "before_kib": before,
                      "after_kib": after}))
    """
)


def _peak(tmp_path: Path, size: int, shape: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(tmp_path), str(size), shape],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_a_big_age_file_that_is_no_bundle_is_refused_without_reading_it_whole(
    tmp_path: Path,
) -> None:
    """Before: the file, then its plaintext (twice over, inside pyrage and as bytes) were
    in memory before the first check of what it holds (3x the file size in peak RSS)."""
    size = 160 * 1024 * 1024
    found = _peak(tmp_path, size, "noise")
    assert found["reason"] == "format"
    grown = (found["after_kib"] - found["before_kib"]) * 1024
    assert grown < 32 * 1024 * 1024, found


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_a_big_bundle_is_decrypted_once_into_a_bounded_buffer(tmp_path: Path) -> None:
    """A bundle-shaped file is decrypted in a stream into one buffer of the size the file can
    hold: the peak grows by about the plaintext, not three times the file."""
    size = 160 * 1024 * 1024
    found = _peak(tmp_path, size, "bundle")
    assert found["reason"] in {"bad_signature", "payload_hash"}
    grown = (found["after_kib"] - found["before_kib"]) * 1024
    assert grown < size + 48 * 1024 * 1024, found
