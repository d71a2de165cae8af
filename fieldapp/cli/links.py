"""``fieldapp links [--json] [--refresh]``: the linked cases of a coordinator vault.

The keys are recomputed first: all of them with ``--refresh``, else the ranges of sites that
changed since they were made (if any did).
Plain output names each cluster's visits (id, date, site and place, as ``visit list`` does);
``--json`` is a stable list of clusters with pseudonyms (hex link keys), ids and counts only:
never an address, phone number, plate or name in clear.
"""

from __future__ import annotations

import argparse
import sys

from fieldapp.cli.shared import EXIT_OK, Commands, open_vault, short_id
from fieldapp.i18n import t, tn
from fieldapp.links import describe
from fieldapp.links.clusters import Cluster, find_clusters
from fieldapp.links.refresh import LinkSummary, keys_stale, refresh_links, require_coordinator
from fieldapp.localtime import date_text
from fieldapp.store.store import Store
from fieldapp.terminal import clean, emit, emit_json

VISITS_SHOWN = 10  # per cluster in plain output; the rest is counted


def cmd_links(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        require_coordinator(vault)
        stale = args.refresh or keys_stale(vault)
        summary = refresh_links(vault, full=args.refresh) if stale else None
        clusters = find_clusters(vault)
        if args.json:
            emit_json([cluster.to_json() for cluster in clusters])
            if summary is not None:
                emit(_refreshed(summary), file=sys.stderr)
            return EXIT_OK
        if summary is not None:
            emit(_refreshed(summary))
        if not clusters:
            emit(t("links.cli.none"))
            return EXIT_OK
        emit(tn("links.cli.count", len(clusters)))
        store = Store(vault)
        for number, cluster in enumerate(clusters, start=1):
            _print_cluster(store, number, cluster)
    return EXIT_OK


def _refreshed(summary: LinkSummary) -> str:
    return t(
        "links.cli.refreshed",
        sites=describe.count("records", summary.sites),
        keys=describe.count("keys", summary.keys),
        added=summary.added,
        removed=summary.removed,
    )


def _print_cluster(store: Store, number: int, cluster: Cluster) -> None:
    emit()
    emit(f"{number}. {describe.headline(cluster)}")
    emit("   " + describe.why_linked(cluster))
    emit("   " + describe.agencies(cluster))
    emit("   " + describe.period(cluster))
    shown = store.visit_summaries(list(cluster.visit_uuids[:VISITS_SHOWN]))
    for visit in shown:
        where = ", ".join(clean(part) for part in (visit.site_name, visit.place) if part)
        emit(
            "   "
            + t(
                "links.cli.visit",
                id=short_id(visit.uuid),
                date=date_text(visit.started_at),
                where=where,
            )
        )
    if cluster.visits > len(shown):
        emit("   " + tn("links.cli.more", cluster.visits - len(shown)))


COMMANDS: Commands = {"links": cmd_links}
