"""Recompute every site's link keys into ``link_keys``, a short transaction per range.

The sites are read in ranges of ids. Each range's keys are computed and compared with what is
stored for it, and only the difference is written; keys of sites that are gone (deleted,
erased) fall out of their range's comparison, and memory stays bounded whatever the vault
holds. Similar names need every name of a municipality, so their keys come last, from the
names collected on the way.

**Incremental.** The ranges are kept (``meta``: each range's last id, a keyed digest of its
sites' identifiers and its number of keys), so the next refresh reads the same ranges and
skips every range whose sites are unchanged (same digest) and whose keys are all there (same
count): after an import only the ranges that received sites are computed again. New sites
beyond the last range form new ranges; a range that grew past twice the page size is cut
again. ``full=True`` ignores all that and computes every range; both give the same keys (a
test compares them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from fieldapp.domain import Role
from fieldapp.links import similar
from fieldapp.links.errors import LinksError
from fieldapp.links.keys import (
    LINK_TYPES,
    NAME,
    SIMILAR_NAME,
    identifiers,
    link_key,
    link_secret,
    name_value,
)
from fieldapp.links.normalise import NORMALISATION_VERSION, generic_name, place, venue_name
from fieldapp.store.links_store import KeyRow, LinksStore, SiteSource
from fieldapp.vault.vault import VaultLike

PAGE = 10_000  # sites per range: about 60k key rows in memory at a time
_DIGEST_DOMAIN = f"fieldapp-link-range-v{NORMALISATION_VERSION}\x00".encode()


@dataclass(frozen=True, slots=True)
class LinkSummary:
    """What a refresh did."""

    sites: int
    keys: int  # rows in link_keys afterwards
    added: int
    removed: int
    by_type: dict[str, int]  # rows per link type afterwards
    similar_name_groups: int
    ranges_computed: int = 0  # ranges of sites whose keys were computed (not skipped)
    ranges_skipped: int = 0


@dataclass(frozen=True, slots=True)
class _Range:
    """A range of site ids (after the previous range's ``upto``, up to and with this one)."""

    upto: str
    digest: str
    keys: int


def require_coordinator(vault: VaultLike) -> None:
    if vault.info.role is not Role.COORDINATOR:
        raise LinksError("links.coordinator_only")


def keys_stale(vault: VaultLike) -> bool:
    """True when the sites changed since the last refresh (or there was none)."""
    require_coordinator(vault)
    links = LinksStore(vault)
    return links.stored_signature() != _signature(links)


def refresh_links(vault: VaultLike, *, full: bool = False, page_size: int = PAGE) -> LinkSummary:
    """Recompute the link keys of every live site, a transaction per range of sites (the first
    build at 120k sites took 10 s: one transaction held the vault's write lock that long, and a
    save in the main window gave up after 5 s). The record of the ranges is written last, so a
    refresh that stops half-way is completed by the next. Unchanged ranges are skipped unless
    ``full``."""
    require_coordinator(vault)
    secret = link_secret(vault)
    links = LinksStore(vault)
    names = _NameIndex()
    keys = _KeyMaker(secret)
    sites = added = removed = computed = skipped = 0
    kept: list[_Range] = []
    signature = _signature(links)
    previous = {} if full else {part.upto: part for part in _stored_ranges(links)}
    anything_stored = links.has_keys()
    after = ""
    for upto, page in _ranges(links, sorted(previous), page_size):
        digest = _digest(secret, page)
        before = previous.get(upto)
        for site in page:
            names.add(site)
        if (
            before is not None
            and before.digest == digest
            and links.count_keys(after, upto, SIMILAR_NAME) == before.keys
        ):
            skipped += 1
            kept.append(before)
        else:
            computed += 1
            rows = {row for site in page for row in keys.rows(site)}
            with links.writing():  # one short transaction per range: saves elsewhere go on
                stored = links.stored_keys(after, upto, SIMILAR_NAME) if anything_stored else set()
                done = _write_difference(links, stored, rows)
            added, removed = added + done[0], removed + done[1]
            kept.append(_Range(upto, digest, len(rows)))
        sites += len(page)
        after = upto
    with links.writing():
        if anything_stored:  # keys of sites beyond the last range
            removed += _write_difference(
                links, links.stored_keys(after, None, SIMILAR_NAME), set()
            )[1]
        similar_rows, groups = names.similar_rows(secret)
        done = _write_difference(links, links.stored_keys_of_type(SIMILAR_NAME), similar_rows)
        added, removed = added + done[0], removed + done[1]
        links.finish_refresh(signature, _ranges_text(kept))
        by_type = links.key_counts()
    return LinkSummary(
        sites=sites,
        keys=sum(by_type.values()),
        added=added,
        removed=removed,
        by_type={kind: by_type.get(kind, 0) for kind in LINK_TYPES},
        similar_name_groups=groups,
        ranges_computed=computed,
        ranges_skipped=skipped,
    )


def _signature(links: LinksStore) -> str:
    """The sites' state and the normalisation version: a new version recomputes the keys."""
    return f"v{NORMALISATION_VERSION}|{links.sites_signature()}"


def _ranges(
    links: LinksStore, boundaries: list[str], page_size: int
) -> Iterator[tuple[str, list[SiteSource]]]:
    """(upto, live sites in the range) for the kept boundaries, then new ranges of
    ``page_size`` beyond them. An empty range is left out (the next one covers its ids); a
    range of more than twice ``page_size`` sites is cut into pages."""
    after = ""
    for upto in boundaries:
        page = links.site_sources(after, upto=upto, limit=None)
        if len(page) > 2 * page_size:
            for start in range(0, len(page) - page_size, page_size):
                chunk = page[start : start + page_size]
                yield chunk[-1].uuid, chunk
                after = chunk[-1].uuid
            page = [site for site in page if site.uuid > after]
        if page:
            yield upto, page
            after = upto
    while page := links.site_sources(after, limit=page_size):
        yield page[-1].uuid, page
        after = page[-1].uuid


def _digest(secret: bytes, page: list[SiteSource]) -> str:
    """Keyed (HMAC) over every identifier of the range's sites: equal when nothing a key is
    made from changed, and of no use to anyone without the vault's secret."""
    material = repr([_identifiers_of(site) for site in page]).encode("utf-8")
    return hmac.digest(secret, _DIGEST_DOMAIN + hashlib.sha256(material).digest(), "sha256").hex()


def _identifiers_of(site: SiteSource) -> tuple[object, ...]:
    return (
        site.uuid,
        site.name,
        site.trade_name,
        site.number,
        site.postcode,
        site.municipality,
        site.kvk,
        site.phones,
        site.plates,
        site.handles,
    )


def _stored_ranges(links: LinksStore) -> list[_Range]:
    text = links.stored_ranges()
    if not text:
        return []
    try:
        return [
            _Range(str(upto), str(digest), int(keys)) for upto, digest, keys in json.loads(text)
        ]
    except (ValueError, TypeError):
        return []  # unreadable: compute everything (and write a good list)


def _ranges_text(ranges: list[_Range]) -> str:
    return json.dumps([[part.upto, part.digest, part.keys] for part in ranges])


class _KeyMaker:
    """A site's key rows. Name keys repeat (many sites, few names): those are remembered for
    the length of one refresh; the others are nearly all distinct."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self._names: dict[str, bytes] = {}

    def rows(self, site: SiteSource) -> Iterator[KeyRow]:
        for kind, value in identifiers(site):
            if kind == NAME:
                key = self._names.get(value)
                if key is None:
                    key = self._names[value] = link_key(self.secret, NAME, value)
            else:
                key = link_key(self.secret, kind, value)
            yield kind, key, site.uuid


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
            if name is not None and not generic_name(name):
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
