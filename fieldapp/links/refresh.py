"""Recompute every site's link keys into ``link_keys``, in one transaction.

The sites are read in pages of ids; each page's keys are computed and compared with what is
stored for that range of ids, and only the difference is written (a refresh after an import
touches the new sites' rows only, and memory stays bounded whatever the vault holds). Keys of
sites that are gone (deleted, erased) fall out of their range's comparison. Similar names need
every name of a municipality, so their keys are computed last, from the names collected on
the way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from fieldapp.domain import Role
from fieldapp.links import similar
from fieldapp.links.errors import LinksError
from fieldapp.links.keys import (
    LINK_TYPES,
    SIMILAR_NAME,
    identifiers,
    link_key,
    link_secret,
    name_value,
)
from fieldapp.links.normalise import NORMALISATION_VERSION, place, venue_name
from fieldapp.store.links_store import KeyRow, LinksStore, SiteSource, VaultLike

PAGE = 10_000  # sites per page: about 60k key rows in memory at a time


@dataclass(frozen=True, slots=True)
class LinkSummary:
    """What a refresh did."""

    sites: int
    keys: int  # rows in link_keys afterwards
    added: int
    removed: int
    by_type: dict[str, int]  # rows per link type afterwards
    similar_name_groups: int


def require_coordinator(vault: VaultLike) -> None:
    if vault.info.role is not Role.COORDINATOR:
        raise LinksError("links.coordinator_only")


def keys_stale(vault: VaultLike) -> bool:
    """True when the sites changed since the last refresh (or there was none)."""
    require_coordinator(vault)
    links = LinksStore(vault)
    return links.stored_signature() != _signature(links)


def refresh_links(vault: VaultLike) -> LinkSummary:
    """Recompute the link keys of every live site; one transaction, so a reader sees the old
    keys or the new ones, never a mix."""
    require_coordinator(vault)
    secret = link_secret(vault)
    links = LinksStore(vault)
    names = _NameIndex()
    sites = added = removed = 0
    with links.writing():
        signature = _signature(links)
        after = ""
        for page in links.all_site_sources(PAGE):
            rows: set[KeyRow] = set()
            for site in page:
                rows |= _site_rows(secret, site, names)
            done = _write_difference(
                links, links.stored_keys(after, page[-1].uuid, SIMILAR_NAME), rows
            )
            added, removed = added + done[0], removed + done[1]
            sites += len(page)
            after = page[-1].uuid
        done = _write_difference(links, links.stored_keys(after, None, SIMILAR_NAME), set())
        removed += done[1]
        similar_rows, groups = names.similar_rows(secret)
        done = _write_difference(links, links.stored_keys_of_type(SIMILAR_NAME), similar_rows)
        added, removed = added + done[0], removed + done[1]
        links.finish_refresh(signature)
        by_type = links.key_counts()
    return LinkSummary(
        sites=sites,
        keys=sum(by_type.values()),
        added=added,
        removed=removed,
        by_type={kind: by_type.get(kind, 0) for kind in LINK_TYPES},
        similar_name_groups=groups,
    )


def _signature(links: LinksStore) -> str:
    """The sites' state and the normalisation version: a new version recomputes the keys."""
    return f"v{NORMALISATION_VERSION}|{links.sites_signature()}"


def _site_rows(secret: bytes, site: SiteSource, names: _NameIndex) -> set[KeyRow]:
    rows = set()
    for kind, value in identifiers(site):
        rows.add((kind, link_key(secret, kind, value), site.uuid))
    names.add(site)
    return rows


def _write_difference(
    links: LinksStore, stored: set[KeyRow], wanted: set[KeyRow]
) -> tuple[int, int]:
    """Make the stored rows of one range equal to ``wanted``; (added, removed)."""
    gone, new = stored - wanted, wanted - stored
    if gone:
        links.delete_keys(gone)
    if new:
        links.insert_keys(new)
    return len(new), len(gone)


class _NameIndex:
    """Normalised names per municipality, with the sites that carry each: what similar names
    are found from."""

    def __init__(self) -> None:
        self._sites: defaultdict[str, defaultdict[str, list[str]]] = defaultdict(
            lambda: defaultdict(list)
        )

    def add(self, site: SiteSource) -> None:
        block = place(site.municipality)
        for raw in (site.name, site.trade_name):
            name = venue_name(raw)
            if name is not None:
                self._sites[block][name].append(site.uuid)

    def similar_rows(self, secret: bytes) -> tuple[set[KeyRow], int]:
        """One key per group of similar names (named after its first name), on every site
        that carries a name of the group; and the number of groups."""
        rows: set[KeyRow] = set()
        groups = 0
        for block, by_name in self._sites.items():
            for group in similar.similar_groups(by_name):
                # Names equal without spaces are one name (the name key links them already).
                if len({name.replace(" ", "") for name in group}) < 2:
                    continue
                groups += 1
                key = link_key(secret, SIMILAR_NAME, name_value(block, group[0]))
                for name in group:
                    rows.update((SIMILAR_NAME, key, uuid) for uuid in by_name[name])
        return rows, groups
