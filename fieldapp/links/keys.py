"""Link keys: HMAC-SHA256 of a normalised identifier under a secret kept in the coordinator's
vault (``sync_keys``, name ``link_hmac``, 32 random bytes as hex, made on first use).

Records are linked on these pseudonyms only, so a later exchange of keys between coordinators
reveals no address, number or name. Without the secret, a key cannot be tested against a
guessed address (the space of Dutch addresses is small enough to try them all against a plain
hash). Each vault has its own secret: an exchange needs a secret agreed between the parties.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator

from fieldapp.links import normalise
from fieldapp.store.links_store import LinksStore, SiteSource
from fieldapp.vault.vault import VaultLike

SECRET_BYTES = 32
KEY_DOMAIN = b"fieldapp-link-v1\x00"

# Link types, strongest evidence first (the order clusters explain themselves in).
KVK = "kvk"
ADDRESS = "address"
PHONE = "phone"
PLATE = "plate"
WEBSITE = "website"
HANDLE = "handle"
NAME = "name"
SIMILAR_NAME = "similar_name"
LINK_TYPES = (KVK, ADDRESS, PHONE, PLATE, WEBSITE, HANDLE, NAME, SIMILAR_NAME)
_PREFIX = {kind: KEY_DOMAIN + kind.encode() + b"\x00" for kind in LINK_TYPES}


def link_secret(vault: VaultLike) -> bytes:
    """The vault's link secret, created on first use."""
    links = LinksStore(vault)
    stored = links.link_secret()
    if stored is None:
        stored = links.add_link_secret(secrets.token_bytes(SECRET_BYTES).hex())
    return bytes.fromhex(stored)


def link_key(secret: bytes, link_type: str, value: str) -> bytes:
    """HMAC-SHA256 over a domain string, the link type and the normalised value."""
    return hmac.digest(secret, _PREFIX[link_type] + value.encode("utf-8"), "sha256")


def name_value(block: str, name: str) -> str:
    """What a name key is made of: the municipality (as a comparison block), so "Hotel
    Parkzicht" in Venlo and in Urk stay apart, and the normalised name without spaces, so
    "Nagel Studio Amira" and "Nagelstudio Amira" are one name."""
    return f"{block}\x00{name.replace(' ', '')}"


def identifiers(site: SiteSource) -> Iterator[tuple[str, str]]:
    """(link type, normalised value) for everything a site can be linked on."""
    if (found := normalise.kvk(site.kvk)) is not None:
        yield KVK, found
    if (found := normalise.address(site.postcode, site.number)) is not None:
        yield ADDRESS, found
    for raw in site.phones:
        if (found := normalise.phone(raw)) is not None:
            yield PHONE, found
    for raw in site.plates:
        if (found := normalise.plate(raw)) is not None:
            yield PLATE, found
    for raw in site.handles:
        if (web := normalise.web(raw)) is not None:
            yield web
    block = normalise.place(site.municipality)
    for name in (site.name, site.trade_name):
        venue = normalise.venue_name(name)
        if venue is not None and not normalise.generic_name(venue):
            yield NAME, name_value(block, venue)


def site_keys(secret: bytes, site: SiteSource) -> set[tuple[str, bytes]]:
    return {(kind, link_key(secret, kind, value)) for kind, value in identifiers(site)}
