"""Clusters: sites joined by shared link keys (a union over every shared key), with the visits
behind them and the figures a coordinator acts on: how many visits, by how many agencies and
devices, over how many months, how many possible victims, and why the sites are linked.

Works on the stored keys (:func:`fieldapp.links.refresh_links` makes them); only keys two or
more sites share reach Python, and the figures come from one query over those sites' visits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from fieldapp.agencies import AGENCY_CODES, agency_key
from fieldapp.links.keys import LINK_TYPES
from fieldapp.links.refresh import require_coordinator
from fieldapp.localtime import to_local
from fieldapp.store.links_store import ClusterVisitRow, LinksStore
from fieldapp.vault.vault import VaultLike

MIN_RECORDS = 2


@dataclass(frozen=True, slots=True)
class LinkReason:
    """One kind of link inside a cluster: the keys of that type two or more of its sites share
    (as hex pseudonyms) and how many sites hold one of them."""

    link_type: str
    keys: tuple[str, ...]
    records: int

    def to_json(self) -> dict[str, object]:
        return {"type": self.link_type, "records": self.records, "keys": list(self.keys)}


@dataclass(frozen=True, slots=True)
class Cluster:
    cluster_id: str  # the first 16 hex digits of its smallest shared key: stable across runs
    site_uuids: tuple[str, ...]
    visit_uuids: tuple[str, ...]  # newest first
    agencies: tuple[str, ...]  # agency codes (nla, police, kmar, municipality) or names
    devices: tuple[str, ...]
    first_visit: str | None
    last_visit: str | None
    months: int  # calendar months from the first visit to the last, both included
    possible_victims: int
    reasons: tuple[LinkReason, ...]  # strongest link type first

    @property
    def records(self) -> int:
        return len(self.site_uuids)

    @property
    def visits(self) -> int:
        return len(self.visit_uuids)

    @property
    def link_types(self) -> tuple[str, ...]:
        return tuple(reason.link_type for reason in self.reasons)

    def to_json(self) -> dict[str, object]:
        """Pseudonyms and counts only: never an address, number or name."""
        return {
            "cluster_id": self.cluster_id,
            "link_types": list(self.link_types),
            "records": self.records,
            "visits": self.visits,
            "agencies": list(self.agencies),
            "devices": list(self.devices),
            "first_visit": self.first_visit,
            "last_visit": self.last_visit,
            "months": self.months,
            "possible_victims": self.possible_victims,
            "reasons": [reason.to_json() for reason in self.reasons],
            "site_uuids": list(self.site_uuids),
            "visit_uuids": list(self.visit_uuids),
        }


def find_clusters(vault: VaultLike, min_records: int = MIN_RECORDS) -> list[Cluster]:
    """Every cluster of at least ``min_records`` sites (never fewer than two: one site alone is
    no link), the most visits first, then the most agencies."""
    require_coordinator(vault)
    links = LinksStore(vault)
    parent: dict[str, str] = {}

    def root(item: str) -> str:
        top = parent.setdefault(item, item)
        while parent[top] != top:
            top = parent[top]
        while parent[item] != top:  # path compression
            parent[item], item = top, parent[item]
        return top

    shared: list[tuple[str, bytes, list[str]]] = []
    for link_type, key, uuids in links.shared_keys():
        shared.append((link_type, key, uuids))
        first = root(uuids[0])
        for other in uuids[1:]:
            second = root(other)
            if first != second:
                first, second = min(first, second), max(first, second)
                parent[second] = first
    members: defaultdict[str, list[str]] = defaultdict(list)
    for site in parent:
        members[root(site)].append(site)
    wanted = {top for top, sites in members.items() if len(sites) >= max(min_records, 2)}
    numbers = {top: number for number, top in enumerate(sorted(wanted))}

    reasons: defaultdict[int, defaultdict[str, tuple[list[bytes], set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: ([], set()))
    )
    for link_type, key, uuids in shared:
        top = root(uuids[0])
        if top in numbers:
            keys, holders = reasons[numbers[top]][link_type]
            keys.append(key)
            holders.update(uuids)

    cluster_of_site = {site: numbers[top] for top in wanted for site in members[top]}
    visits: defaultdict[int, list[ClusterVisitRow]] = defaultdict(list)
    for row in links.cluster_visits(cluster_of_site):
        visits[row.cluster].append(row)

    clusters = [
        _cluster(sorted(members[top]), reasons[number], visits[number])
        for top, number in numbers.items()
    ]
    clusters.sort(
        key=lambda c: (-c.visits, -len(c.agencies), -c.possible_victims, -c.records, c.cluster_id)
    )
    return clusters


def _cluster(
    sites: list[str],
    reasons: dict[str, tuple[list[bytes], set[str]]],
    visits: list[ClusterVisitRow],
) -> Cluster:
    order = {link_type: index for index, link_type in enumerate(LINK_TYPES)}
    explained = tuple(
        LinkReason(link_type, tuple(sorted(key.hex() for key in keys)), len(holders))
        for link_type, (keys, holders) in sorted(
            reasons.items(), key=lambda item: order.get(item[0], len(order))
        )
    )
    smallest = min(key for keys, _ in reasons.values() for key in keys)
    agencies: dict[str, str] = {}
    seen: set[tuple[tuple[str, ...], str | None]] = set()  # visits repeat a few combinations
    for row in visits:
        combination = (row.agencies, row.device_agency)
        if combination in seen:
            continue
        seen.add(combination)
        for name in (*row.agencies, row.device_agency):
            key = agency_key(name)
            if key is not None and name is not None:
                agencies.setdefault(key, key if key in AGENCY_CODES else name.strip())
    dates = [row.started_at for row in visits]
    first, last = (min(dates), max(dates)) if dates else (None, None)
    return Cluster(
        cluster_id=smallest.hex()[:16],
        site_uuids=tuple(sites),
        visit_uuids=tuple(row.visit_uuid for row in visits),
        agencies=tuple(sorted(agencies.values(), key=str.casefold)),
        devices=tuple(sorted({row.origin_device for row in visits})),
        first_visit=first,
        last_visit=last,
        months=_months(first, last),
        possible_victims=sum(row.possible_victims for row in visits),
        reasons=explained,
    )


def _months(first: str | None, last: str | None) -> int:
    """Calendar months (Dutch time) from the first to the last visit, both included; 0 for
    none."""
    if first is None or last is None:
        return 0
    start, end = (_local(first), _local(last))
    if start is None or end is None:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _local(moment: str) -> datetime | None:
    try:
        return to_local(moment)
    except ValueError:
        return None
