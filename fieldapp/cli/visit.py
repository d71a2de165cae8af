"""``fieldapp visit add | list | show``: record a visit from JSON, list and show visits."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from fieldapp.catalogue import load_catalogue
from fieldapp.cli.shared import EXIT_OK, Commands, open_vault, short_id
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.localtime import date_text, datetime_text
from fieldapp.store.store import Store
from fieldapp.terminal import clean, emit, emit_json
from fieldapp.visit_json import MAX_JSON_BYTES, parse_visit_json


def cmd_add(args: argparse.Namespace) -> int:
    if args.json_file == "-":
        raw = sys.stdin.buffer.read(MAX_JSON_BYTES + 1)
    else:
        try:
            with open(args.json_file, "rb") as handle:
                raw = handle.read(MAX_JSON_BYTES + 1)
        except OSError as exc:
            raise FieldAppError("cli.input_unreadable", path=args.json_file) from exc
    catalogue = load_catalogue()
    new_visit = parse_visit_json(raw, catalogue)  # refused before the vault is even opened
    with open_vault(args) as vault:
        visit_uuid = Store(vault).record_visit(new_visit, catalogue.version)
    emit(visit_uuid)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        store = Store(vault)
        limit = max(1, min(args.limit, 10_000))
        visits = (
            store.search_visits(args.search, limit) if args.search else store.list_visits(limit)
        )
    if args.json:
        emit_json([asdict(visit) for visit in visits])
        return EXIT_OK
    if not visits:
        emit(t("cli.no_visits"))
        return EXIT_OK
    header = (
        t("cli.col.id"),
        t("cli.col.date"),
        t("cli.col.status"),
        t("cli.col.site"),
        t("cli.col.place"),
        t("cli.col.persons"),
        t("cli.col.signals"),
    )
    rows = [
        (
            short_id(visit.uuid),
            clean(date_text(visit.started_at)),
            t(f"visit_status.{visit.status.value}"),
            clean(visit.site_name),  # one line each, whatever the record holds
            clean(visit.place),
            str(visit.person_count),
            str(visit.observed_count),
        )
        for visit in visits
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        emit("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:

    with open_vault(args) as vault:
        store = Store(vault)
        detail = store.visit_detail(store.find_visit(args.id))
    if args.json:
        emit_json(asdict(detail))
        return EXIT_OK
    visit, site = detail.visit, detail.site
    emit(
        t(
            "cli.show.visit",
            id=visit.meta.uuid,
            started=clean(datetime_text(visit.started_at)),
            type=t(f"visit_type.{visit.type.value}"),
            status=t(f"visit_status.{visit.status.value}"),
        )
    )
    emit(
        t(
            "cli.show.site",
            name=clean(site.name),
            address=clean(site.address.one_line()),
            municipality=clean(site.municipality or "-"),
            sector=t(f"sector.{site.sector.value}"),
            kvk=clean(site.kvk or "-"),
        )
    )
    if visit.notes:
        emit(t("cli.show.notes", notes=visit.notes))
    labels = {person.meta.uuid: clean(person.label) for person in detail.persons}
    for person in detail.persons:
        emit(
            t(
                "cli.show.person",
                label=clean(person.label),
                role=t(f"person_role.{person.role.value}"),
                age=person.age if person.age is not None else "?",
                nationality=clean(person.nationality or "?"),
            )
        )
    for obs in detail.observations:
        who = labels.get(obs.person_uuid or "", t("cli.show.everyone"))
        emit(
            t(
                "cli.show.observation",
                who=who,
                indicator=clean(obs.indicator_id),
                status=t(f"observation_status.{obs.status.value}"),
                evidence=t(f"evidence.{obs.evidence.value}") if obs.evidence else "-",
            )
        )
    return EXIT_OK


COMMANDS: Commands = {"add": cmd_add, "list": cmd_list, "show": cmd_show}
