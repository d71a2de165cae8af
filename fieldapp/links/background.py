"""Linked cases off the GUI thread: a worker opens its own connection to the vault
(:mod:`fieldapp.vault.worker`), refreshes the keys when they are stale and finds the
clusters."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.links.clusters import Cluster, find_clusters
from fieldapp.links.refresh import LinkSummary, keys_stale, refresh_links, require_coordinator
from fieldapp.vault.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey


def links_key(vault: Vault) -> WorkerVaultKey:
    """The worker's key to this vault, for a coordinator vault only (refused at once)."""
    require_coordinator(vault)
    return WorkerVaultKey(vault)


@dataclass(frozen=True, slots=True)
class LinksResult:
    clusters: list[Cluster]
    refreshed: LinkSummary | None  # None when the stored keys were current


def load_links(key: WorkerVaultKey, *, refresh: bool = False) -> LinksResult:
    """On a worker thread: refresh the keys (all of them if asked, else what changed), then
    the clusters."""
    with key.open() as vault:
        stale = refresh or keys_stale(vault)
        summary = refresh_links(vault, full=refresh) if stale else None
        return LinksResult(find_clusters(vault), summary)
