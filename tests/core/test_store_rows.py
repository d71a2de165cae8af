"""Rows read by name (fieldapp/store/rows.py): a SELECT and the code that reads it cannot drift.

Four guards: a query whose columns are not its row type's fields fails on its first run; every
mapper reads each field of its row type, by name and nothing else; no code in the store reads a
cursor except through ``fieldapp.store.rows``; and every kind of record comes back from a real
encrypted vault with each value in its own field (adjacent columns of one type hold different
values, so a shifted column would show).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
import typing
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest

from fieldapp import followup
from fieldapp.domain import (
    Address,
    AgeBand,
    B83Status,
    Consent,
    Evidence,
    ObservationStatus,
    PersonRole,
    PoliceReport,
    ReferralStatus,
    Sector,
    Sex,
    VisitStatus,
    VisitType,
)
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.store import (
    export_store,
    followup_store,
    links_store,
    merged_store,
    outcomes_store,
    retention_store,
    stats_store,
    store,
    sync_store,
)
from fieldapp.store.rows import (
    ColumnsDrifted,
    fetch_all,
    fetch_columns,
    fetch_each,
    fetch_one,
    fetch_value,
    fetch_values,
)
from fieldapp.store.store import META_COLUMNS, Store
from fieldapp.store.sync_store import AUDIT_COLUMNS, RECORD_COLUMNS
from tests.support import ROOT

READERS: tuple[ModuleType, ...] = (
    store,
    sync_store,
    export_store,
    followup_store,
    links_store,
    merged_store,
    outcomes_store,
    retention_store,
    stats_store,
    followup,
)


# -- the check itself --------------------------------------------------------------------------


class _Meta(NamedTuple):
    key: str
    value: str


class _Swapped(NamedTuple):
    value: str
    key: str


def test_a_select_that_is_not_its_row_type_fails_on_its_first_run(store: Store) -> None:
    store.set_setting("colour", "blue")
    sql = "SELECT key, value FROM meta WHERE key = 'setting.colour'"
    assert fetch_one(store.conn, _Meta, sql) == ("setting.colour", '"blue"')
    assert fetch_all(store.conn, _Meta, sql)[0].value == '"blue"'
    # The same two text columns the other way round: by position this would read silently.
    for fetch in (fetch_one, fetch_all, fetch_each):
        with pytest.raises(ColumnsDrifted, match="_Swapped"):
            fetch(store.conn, _Swapped, sql)
    with pytest.raises(ColumnsDrifted):  # one column more than the row has
        fetch_one(store.conn, _Meta, "SELECT key, value, 1 AS more FROM meta")
    with pytest.raises(ColumnsDrifted):  # a list built at run time, checked the same way
        fetch_columns(store.conn, ("value", "key"), sql)
    assert list(fetch_columns(store.conn, ("key", "value"), sql)) == [("setting.colour", '"blue"')]
    with pytest.raises(ColumnsDrifted):  # one value, but two columns
        fetch_value(store.conn, sql)
    with pytest.raises(ColumnsDrifted):
        fetch_values(store.conn, sql)
    assert fetch_values(store.conn, "SELECT key FROM meta WHERE key LIKE 'setting.%'") == [
        "setting.colour"
    ]
    assert fetch_value(store.conn, "SELECT key FROM meta WHERE key = 'none'") is None


# -- mappers read their row by name, every field -------------------------------------------------


def _row_type(annotation: object) -> type[tuple[object, ...]] | None:
    fields = getattr(annotation, "_fields", None)
    return annotation if isinstance(annotation, type) and fields is not None else None


def _reads(function: Callable[..., object], module: ModuleType) -> set[str]:
    """The fields a function reads of its first parameter: as attributes, or by handing the
    row to another function of its module (``_meta(row)``). Anything else (an index, an
    unpacking, iteration) reads by position and fails here."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    param = definition.args.args[0].arg
    parents = {child: node for node in ast.walk(definition) for child in ast.iter_child_nodes(node)}
    read: set[str] = set()
    for node in ast.walk(definition):
        if not (isinstance(node, ast.Name) and node.id == param and node is not definition):
            continue
        parent = parents[node]
        if isinstance(parent, ast.Attribute):
            read.add(parent.attr)
        elif (
            isinstance(parent, ast.Call)
            and node in parent.args
            and isinstance(parent.func, ast.Name)
            and callable(helper := getattr(module, parent.func.id, None))
        ):
            read |= _reads(helper, module)
        else:
            pytest.fail(f"{module.__name__}.{function.__name__} reads its row by position")
    return read


def _mappers() -> dict[str, tuple[type[tuple[object, ...]], set[str]]]:
    """Every module-level function of the store (and the follow-up) whose first parameter is
    a row type, with that type and the fields it reads."""
    found = {}
    for module in READERS:
        for name, function in vars(module).items():
            if not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            params = list(inspect.signature(function).parameters)
            if not params:
                continue
            hints = typing.get_type_hints(function)
            shape = _row_type(hints.get(params[0]))
            if shape is not None:
                found[f"{module.__name__}.{name}"] = (shape, _reads(function, module))
    return found


def test_every_mapper_reads_each_field_of_its_row_by_name() -> None:
    mappers = _mappers()
    expected = {
        "fieldapp.store.store._site",
        "fieldapp.store.store._visit",
        "fieldapp.store.store._person",
        "fieldapp.store.store._observation",
        "fieldapp.store.store._attachment",
        "fieldapp.store.store._referral",
        "fieldapp.store.store._visit_summary",
        "fieldapp.store.sync_store._trusted_coordinator",
        "fieldapp.store.sync_store._device",
        "fieldapp.store.sync_store._outgoing",
        "fieldapp.store.sync_store._alarm",
        "fieldapp.store.sync_store._conflict",
        "fieldapp.store.export_store._visit_row",
        "fieldapp.followup._followup",
    }
    assert expected <= set(mappers), expected - set(mappers)
    for name, (shape, read) in mappers.items():
        fields: tuple[str, ...] = getattr(shape, "_fields", ())
        assert read == set(fields), (name, set(fields) - read, read - set(fields))


# -- no cursor is read except through fieldapp.store.rows ----------------------------------------

_CURSOR_FACTS = {"rowcount", "lastrowid"}


def _bypasses(path: Path) -> list[str]:
    """Lines where a store module reads what ``execute`` returned itself. Allowed: a statement
    whose result is dropped, its ``rowcount`` or ``lastrowid``, or a ``cursor`` name used only
    for those."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"fetchone", "fetchall", "fetchmany"}:
            found.append(f"{path.name}:{node.lineno} {node.attr}")
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"execute", "executemany", "executescript"}
        ):
            continue
        parent = parents[node]
        if isinstance(parent, ast.Expr):
            continue
        if isinstance(parent, ast.Attribute) and parent.attr in _CURSOR_FACTS:
            continue
        if (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
            and parent.targets[0].id == "cursor"
        ):
            scope = parent
            while not isinstance(scope, ast.FunctionDef):
                scope = parents[scope]
            uses = [
                parents[use]
                for use in ast.walk(scope)
                if isinstance(use, ast.Name) and use.id == "cursor" and use is not parent.targets[0]
            ]
            if all(isinstance(u, ast.Attribute) and u.attr in _CURSOR_FACTS for u in uses):
                continue
        found.append(f"{path.name}:{node.lineno} {node.func.attr}")
    return found


def test_the_store_reads_query_results_only_through_the_rows_module() -> None:
    modules = sorted((ROOT / "fieldapp" / "store").glob("*.py"))
    assert len(modules) > 5
    bypasses = [
        line for path in modules if path.name != "rows.py" for line in _bypasses(path)
    ] + _bypasses(ROOT / "fieldapp" / "followup.py")
    assert bypasses == []


def test_the_bypass_check_sees_a_positional_read(tmp_path: Path) -> None:
    module = tmp_path / "reader.py"
    module.write_text(
        "def count(conn):\n"
        "    return conn.execute('SELECT count(*) FROM visits').fetchone()[0]\n"
        "def listed(conn):\n"
        "    return [row[0] for row in conn.execute('SELECT uuid FROM visits')]\n"
        "def written(conn):\n"
        "    cursor = conn.execute('UPDATE visits SET notes = NULL')\n"
        "    return cursor.rowcount\n",
        encoding="utf-8",
    )
    assert sorted(_bypasses(module)) == [
        "reader.py:2 execute",
        "reader.py:2 fetchone",
        "reader.py:4 execute",
    ]


# -- the bundle's wire order -------------------------------------------------------------------


def test_bundle_rows_keep_the_column_order_of_format_v1() -> None:
    """A bundle carries each record as a list in this order (fieldapp-bundle-v1): reordering a
    row type's fields in store.py would make every device and coordinator misread the other."""
    meta = ("uuid", "created_at", "updated_at", "origin_device", "revision", "deleted")
    assert meta == META_COLUMNS
    assert {kind: columns[len(meta) :] for kind, columns in RECORD_COLUMNS.items()} == {
        "site": (
            "name",
            "trade_name",
            "street",
            "number",
            "postcode",
            "place",
            "municipality",
            "kvk",
            "sector",
            "phones",
            "plates",
            "handles",
            "intermediary_name",
            "intermediary_kvk",
            "housing_street",
            "housing_number",
            "housing_postcode",
            "housing_place",
        ),
        "visit": (
            "site_uuid",
            "started_at",
            "ended_at",
            "type",
            "agencies",
            "inspector",
            "status",
            "notes",
        ),
        "person": (
            "visit_uuid",
            "label",
            "role",
            "sex",
            "age",
            "age_band",
            "minor",
            "nationality",
            "languages",
            "interpreter",
            "residence_status",
            "consent",
            "consent_date",
            "notes",
            "b83_status",
            "b83_date",
            "b83_by",
            "suspected_forms",
            "professional_indication",
            "initials",
            "birth_date",
            "safe_contact",
            "whereabouts",
            "safety",
            "care_needs",
            "police_report",
        ),
        "observation": (
            "visit_uuid",
            "person_uuid",
            "indicator_id",
            "catalogue_version",
            "status",
            "evidence",
            "note",
            "observed_at",
            "recorded_by",
            "past",
        ),
        "attachment": ("owner_kind", "owner_uuid", "file_name", "media_type", "size", "sha256"),
        "referral": (
            "visit_uuid",
            "person_uuids",
            "recipient",
            "status",
            "document_uuid",
            "version",
            "supersedes",
            "document_id",
            "content_hash",
            "lang",
            "urgency",
            "reason",
            "vital_interest",
        ),
    }
    assert all(columns[: len(meta)] == meta for columns in RECORD_COLUMNS.values())
    assert AUDIT_COLUMNS == ("seq", "at", "actor", "action", "record_kind", "record_uuid", "hash")


# -- every kind of record, through a real vault -------------------------------------------------


def test_every_kind_of_record_comes_back_with_each_value_in_its_own_field(store: Store) -> None:
    site = SiteInput(
        name="Kwekerij Noord",
        sector=Sector.AGRICULTURE,
        trade_name="Noordkas",
        address=Address(street="Dijkweg", number="12a", postcode="1234 AB", place="Venlo"),
        municipality="Venlo gemeente",
        kvk="12345678",
        phones=("+31 6 11111111",),
        plates=("AB-123-C",),
        handles=("@noordkas",),
        intermediary_name="Uitzendbureau Flex",
        intermediary_kvk="87654321",
        housing=Address(street="Kerkstraat", number="3", postcode="5911 AA", place="Venlo"),
    )
    visit = VisitInput(
        started_at="2026-03-02T08:00:00Z",
        type=VisitType.FOLLOW_UP,
        ended_at="2026-03-02T11:00:00Z",
        agencies=("NLA", "Politie"),
        inspector="Inspecteur J.",
        status=VisitStatus.CLOSED,
        notes="bezoeknotitie",
    )
    person = PersonInput(
        label="B",
        role=PersonRole.POSSIBLE_VICTIM,
        sex=Sex.FEMALE,
        age=17,
        age_band=AgeBand.TEEN_OLD,
        minor=True,
        nationality="BG",
        languages=("bg", "ru"),
        interpreter=True,
        residence_status="onbekend verblijf",
        consent=Consent.GIVEN,
        consent_date="2026-03-02",
        notes="persoonsnotitie",
        b83_status=B83Status.OFFERED,
        b83_date="2026-03-03",
        b83_by="Agent K.",
        suspected_forms=("labour",),
        professional_indication=True,
        initials="B.K.",
        birth_date="2009-01-15",
        safe_contact="via de tolk, alleen overdag",
        whereabouts="opvang Venlo",
        safety="bedreigd door de voorman",
        care_needs="onderdak, huisarts",
        police_report=PoliceReport.NOT_MADE,
    )
    observation = ObservationInput(
        "ILO-EX-01",
        ObservationStatus.OBSERVED,
        Evidence.TOLD,
        "observatienotitie",
        person_ref="p1",
        observed_at="2026-03-02T09:30:00Z",
        past=True,
    )
    visit_uuid = store.record_visit(
        NewVisit(site, visit, (("p1", person),), (observation,)), catalogue_version="2026.1"
    )
    detail = store.visit_detail(visit_uuid)

    assert detail.site.name == "Kwekerij Noord"
    assert detail.site.trade_name == "Noordkas"
    assert detail.site.address == site.address
    assert (detail.site.municipality, detail.site.kvk) == ("Venlo gemeente", "12345678")
    assert detail.site.sector is Sector.AGRICULTURE
    assert (detail.site.intermediary_name, detail.site.intermediary_kvk) == (
        "Uitzendbureau Flex",
        "87654321",
    )
    assert detail.site.housing == site.housing
    assert (detail.site.phones, detail.site.plates, detail.site.handles) == (
        ("+31 6 11111111",),
        ("AB-123-C",),
        ("@noordkas",),
    )

    read_visit = detail.visit
    assert read_visit.site_uuid == detail.site.meta.uuid
    assert (read_visit.started_at, read_visit.ended_at) == (visit.started_at, visit.ended_at)
    assert (read_visit.type, read_visit.status) == (VisitType.FOLLOW_UP, VisitStatus.CLOSED)
    assert read_visit.agencies == ("NLA", "Politie")
    assert (read_visit.inspector, read_visit.notes) == ("Inspecteur J.", "bezoeknotitie")

    (read_person,) = detail.persons
    assert read_person.visit_uuid == visit_uuid
    for name in (f.name for f in dataclasses.fields(PersonInput)):  # every field, new ones too
        assert getattr(read_person, name) == getattr(person, name), name

    (read_observation,) = detail.observations
    assert read_observation.visit_uuid == visit_uuid
    assert read_observation.person_uuid == read_person.meta.uuid
    assert (read_observation.indicator_id, read_observation.catalogue_version) == (
        "ILO-EX-01",
        "2026.1",
    )
    assert read_observation.status is ObservationStatus.OBSERVED
    assert read_observation.evidence is Evidence.TOLD
    assert read_observation.note == "observatienotitie"
    assert read_observation.observed_at == "2026-03-02T09:30:00Z"
    assert read_observation.recorded_by == store.vault.actor
    assert read_observation.past is True

    photo = store.add_attachment("visit", visit_uuid, "foto.jpg", "image/jpeg", b"jpeg bytes")
    referral = store.add_referral(
        visit_uuid,
        (read_person.meta.uuid,),
        "police",
        document=b"%PDF-1.7 referral",
        document_id="FA-7K2M9QX4BD",
        content_hash="c0ffee",
        lang="en",
        urgency="high",
        reason="eigen reden",
        vital_interest="geen onderdak vannacht",
    )
    again = store.visit_detail(visit_uuid)
    assert again.attachments == (photo,)
    assert (photo.owner_kind, photo.owner_uuid) == ("visit", visit_uuid)
    assert (photo.file_name, photo.media_type, photo.size) == ("foto.jpg", "image/jpeg", 10)
    assert photo.sha256 == store.attachment(photo.meta.uuid).sha256 != ""
    assert again.referrals == (referral,)
    assert referral.visit_uuid == visit_uuid
    assert referral.person_uuids == (read_person.meta.uuid,)
    assert (referral.recipient, referral.status) == ("police", ReferralStatus.FINAL)
    assert referral.document_uuid not in (None, photo.meta.uuid)
    assert (referral.version, referral.supersedes) == (1, None)
    assert (referral.document_id, referral.content_hash) == ("FA-7K2M9QX4BD", "c0ffee")
    assert (referral.lang, referral.urgency) == ("en", "high")
    assert (referral.reason, referral.vital_interest) == ("eigen reden", "geen onderdak vannacht")

    for record in (again.site, again.visit, read_person, read_observation, photo, referral):
        assert record.meta.origin_device == store.device_id
        assert record.meta.created_at.endswith("Z") and record.meta.updated_at.endswith("Z")
        assert record.meta.revision == 1
        assert record.meta.deleted is False

    summary = store.list_visits(10)[0]
    assert (summary.uuid, summary.started_at) == (visit_uuid, visit.started_at)
    assert (summary.status, summary.type) == (VisitStatus.CLOSED, VisitType.FOLLOW_UP)
    assert (summary.site_name, summary.place, summary.municipality) == (
        "Kwekerij Noord",
        "Venlo",
        "Venlo gemeente",
    )
    assert (summary.sector, summary.person_count, summary.observed_count) == (
        Sector.AGRICULTURE,
        1,
        1,
    )
