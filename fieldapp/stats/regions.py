"""Which police unit (politie-eenheid) and RIEC region a site's municipality lies in, from
``resources/regions/municipalities.json`` (its sources and its date are in the file).

The municipality is typed by hand, so a name is compared without case, accents, apostrophes
or hyphens ("s-gravenhage", "Súdwest Fryslan"), and a few everyday names stand for the official
one ("Den Haag"). A name the file does not hold (a village, a typing error, a merger after the
file's date), and a municipality the file marks unconfirmed, lie in no known region: the
statistics count them under "unknown" and never guess.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fieldapp.paths import resource_path

UNKNOWN = ""  # the region key of a municipality whose region is not known


@dataclass(frozen=True, slots=True)
class Regions:
    """Municipality names (normalised) to their police unit and RIEC region keys, with the
    names of both as the sources write them."""

    units: dict[str, str]  # unit key -> name (Noord-Nederland)
    riecs: dict[str, str]  # RIEC key -> name (RIEC Noord-Nederland)
    places: dict[str, tuple[str, str]]  # normalised municipality -> (unit key, RIEC key)
    as_of: str  # the municipal division the file holds (YYYY-MM-DD)

    def of(self, municipality: str | None) -> tuple[str, str]:
        """(unit key, RIEC key) of a municipality as typed; ``(UNKNOWN, UNKNOWN)`` when the
        name is not a municipality the file confirms."""
        return self.places.get(normalise(municipality or ""), (UNKNOWN, UNKNOWN))


def normalise(name: str) -> str:
    """The form names are compared in: no case, accents, apostrophes, hyphens or double
    spaces ("'s-Gravenhage" and "s Gravenhage" are one)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    for mark in "'’‘`´":
        letters = letters.replace(mark, "")
    return " ".join(letters.replace("-", " ").split())


def load_regions(path: Path | None = None) -> Regions:
    """The regions file (``path`` for tests); read once per path."""
    return _load(path or resource_path("regions", "municipalities.json"))


@cache
def _load(path: Path) -> Regions:
    document = json.loads(path.read_text(encoding="utf-8"))
    places: dict[str, tuple[str, str]] = {}
    by_code: dict[str, tuple[str, str]] = {}
    for entry in document["municipalities"]:
        if not entry.get("confirmed"):
            continue
        region = (str(entry["police_unit"]), str(entry["riec"]))
        places[normalise(entry["name"])] = region
        by_code[entry["code"]] = region
    for alias, code in document.get("aliases", {}).items():
        if code in by_code:
            places.setdefault(normalise(alias), by_code[code])
    return Regions(
        units={str(key): str(name) for key, name in document["police_units"].items()},
        riecs={str(key): str(name) for key, name in document["riec_regions"].items()},
        places=places,
        as_of=str(document["municipalities_as_of"]),
    )
