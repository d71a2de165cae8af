"""Linked cases: records that share a KvK number, an address (postcode + house number), a
phone number, a vehicle plate, a website or ad handle, or a (closely similar) venue name.

Links are made on keyed hashes (HMAC-SHA256 under a secret kept in the coordinator's vault,
:mod:`fieldapp.links.keys`) of normalised identifiers (:mod:`fieldapp.links.normalise`), so
they work on pseudonyms. Similar names are found on the clear names inside the vault
(:mod:`fieldapp.links.similar`). Coordinator vaults only.

    summary = refresh_links(vault)      # recompute every site's keys (one transaction)
    clusters = find_clusters(vault)     # most visits / agencies first
"""

from __future__ import annotations

from fieldapp.links.clusters import Cluster, LinkReason, find_clusters
from fieldapp.links.errors import LinksError
from fieldapp.links.refresh import LinkSummary, keys_stale, refresh_links

__all__ = [
    "Cluster",
    "LinkReason",
    "LinkSummary",
    "LinksError",
    "find_clusters",
    "keys_stale",
    "refresh_links",
]
