"""The case export in the shape of the CTDC global victim dataset (IOM's Counter Trafficking
Data Collaborative, docs/DOMAIN.md section 7), in two modes.

Who is in it: every possible victim with an **indication** of trafficking (an identified
victim, as CTDC counts them): the engine found one for a form (``person_outcomes.indication``)
or the professional judged there is one (``persons.professional_indication``). A person at
"signals present" without an indication is not in the file. FieldApp has no coordinator's
confirmation of its own; an indication is the strongest judgement the vault holds.

Its columns are the 63 of CTDC's k-anonymised global dataset, in that file's order, with its
codes (the list, its source and what was not confirmed: ``tests/core/ctdc_dictionary.py`` and
the README's CTDC section). How each column is derived:

- ``yearOfRegistration``: the year of the visit at which the person was met.
- ``Datasource``: ``Case Management`` (FieldApp's choice: an identification by a professional
  who keeps the case, not a hotline call).
- ``gender``: the recorded sex (``f``, ``m``) as ``Female``/``Male``; ``x`` and ``unknown``
  are ``-99``.
- ``ageBroad``: from the age; without an age, from the age band only where the band lies inside
  one CTDC band (12-15 and 16-17 in ``9--17``, 60+ in ``48+``); else ``-99``.
- ``majorityStatus``: the minor flag, else the age or age band; else ``-99``.
  ``majorityStatusAtExploit`` and ``majorityEntry``: ``Minor`` for someone who is a minor now
  (exploitation and entry lay before the visit, so they were a minor then too); for an adult,
  when either began is not recorded, so ``-99``.
- ``citizenship``: the nationality (ISO 3166 alpha-2), ``-99`` when not recorded.
- ``CountryOfExploitation``: ``NL`` (every visit is a Dutch site).
- ``meansOfControl*``: 1 when a signal carrying that CTDC means (the catalogue's ``ctdc``
  field, of the catalogue version the observation was made with) was *observed* for the
  person, or for everyone at the visit (unless the person's own record of that indicator says
  otherwise); 0 means "not recorded as observed", not "known to be absent".
  ``meansOfControlNotSpecified`` is 1 when none is; ``meansOfControlConcatenated`` lists the
  means (``;`` between them), ``Not specified`` when none.
- Exploitation, from the forms with an indication (``person_outcomes.indication``; for a person
  whose only indication is the professional's own, the forms at "signals present" or higher):
  labour exploitation and criminal exploitation give ``isForcedLabour`` (CTDC places forced
  begging and forced criminality under the types of forced labour); sexual exploitation
  ``isSexualExploit``; both ``isSexAndLabour`` (with both flags, as CTDC does); organ removal
  ``isOrganRemoval``; forced marriage ``isForcedMarriage``; illegal adoption and exploitation of
  surrogacy (forms EU Directive 2024/1712 added, with no CTDC flag of their own)
  ``isOtherExploit``. FieldApp records no forced military service and no slavery apart from
  these, so ``isForcedMilitary`` and ``isSlaveryAndPractices`` are 0.
  ``typeOfExploitConcatenated`` names the flags set.
- ``typeOfLabour*``: for labour exploitation, from the site's sector (agriculture,
  construction, domestic work, hospitality; meat processing as manufacturing); every other
  sector is ``Other``. For criminal exploitation: a forced-begging signal gives ``Begging``,
  any other criminal signal (or none named) ``IllicitActivities``. Aquafarming, mining or
  drilling, peddling and transportation are never inferred from a sector (FieldApp's shipping
  and fishing or logistics sectors do not say which), so they are 0.
- ``typeOfSexProstitution``: for sexual exploitation at a sex-work site; pornography, remote
  interactive services and private sexual services are not recorded by FieldApp (0).
- ``isAbduction``, ``RecruiterRelationship``: not recorded by FieldApp, so ``-99``;
  ``recruiterRelation*`` is CTDC's encoding of an unknown recruiter (0,0,0,0,1). Nothing is
  guessed.

The two modes:

- **full**: the contributor's file under a data-sharing agreement: every row, every detail,
  no suppression. It is written age-encrypted for the recipients' public keys (``age1...``);
  a plain file only when the caller confirms it (``--no-encrypt``).
- **public**: a k-anonymous file (k = 11 by default, CTDC's own figure). Every column counts as
  a quasi-identifier: a row is kept only when its whole combination of values occurs at least
  k times. Before suppressing, the search below generalises per column hierarchy
  (``HIERARCHIES``): the year and gender to ``-99``; the age band to wider bands, then to the
  majority status only, then to ``-99``; citizenship to the UN M49 intermediate region,
  sub-region and region (``resources/m49_regions.json``); the means of control to groups named
  in the concatenated column, then to "any recorded" (only ``meansOfControlNotSpecified``);
  the type of work to its parent (the ``is*`` flags). Citizenship, means and the form of
  exploitation stop there, never ``-99``: rows without them are of no analytical value (what
  blanking whole columns used to give), and such a row is suppressed instead. The search
  tries every combination of levels (the lattice: 384 nodes) and keeps the one that keeps the
  most information: rows kept x the share of detail each kept row still has (each hierarchy
  weighs the same; level l of a hierarchy of L levels down to ``-99`` keeps 1 - l/(L-1) of
  its detail). "The most rows" alone would always take every hierarchy to its lowest level
  (generalising never splits a group, so it never loses a row); detail alone would keep the
  rare rows unchanged and suppress nearly all. The result names the level chosen per
  hierarchy and the information kept.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import product
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import pyrage
from pyrage import x25519

from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.atomic import write_atomic
from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.model import CTDC_MEANS, FORMS
from fieldapp.errors import FieldAppError
from fieldapp.exports.table import ENCRYPTED_SUFFIX
from fieldapp.i18n import t, tn
from fieldapp.paths import resource_path
from fieldapp.store.export_store import ExportStore
from fieldapp.validate import country_codes

if TYPE_CHECKING:
    from fieldapp.catalogue.model import Catalogue
    from fieldapp.store.export_store import VictimRow
    from fieldapp.vault.vault import Vault, VaultLike

DEFAULT_K = 11
MIN_K = 2
MAX_K = 1000
UNKNOWN = "-99"
COUNTRY_OF_EXPLOITATION = "NL"
DATASOURCE = "Case Management"
SEPARATOR = ";"  # between the values of a concatenated column
MODES = ("public", "full")

# CTDC's broad age groups: (lowest age, highest age or None, label).
AGE_GROUPS: tuple[tuple[int, int | None, str], ...] = (
    (0, 8, "0--8"),
    (9, 17, "9--17"),
    (18, 20, "18--20"),
    (21, 23, "21--23"),
    (24, 26, "24--26"),
    (27, 29, "27--29"),
    (30, 38, "30--38"),
    (39, 47, "39--47"),
    (48, None, "48+"),
)
# FieldApp's age bands that lie inside one CTDC group; the others span two or more.
AGE_BAND_GROUPS = {"12-15": "9--17", "16-17": "9--17", "60+": "48+"}
MINOR_AGE_BANDS = frozenset({"0-11", "12-15", "16-17"})
ADULT_AGE_BANDS = frozenset({"18-24", "25-39", "40-59", "60+"})
GENDERS = {"f": "Female", "m": "Male"}

# -- the columns -------------------------------------------------------------------------------

MEANS_COLUMNS = {
    flag: "meansOfControl" + "".join(word.capitalize() for word in flag.split("_"))
    for flag in CTDC_MEANS
}
MEANS_LABELS = {
    "debt_bondage": "Debt bondage",
    "takes_earnings": "Takes earnings",
    "restricts_financial_access": "Restricts financial access",
    "threats": "Threats",
    "psychological_abuse": "Psychological abuse",
    "physical_abuse": "Physical abuse",
    "sexual_abuse": "Sexual abuse",
    "false_promises": "False promises",
    "psychoactive_substances": "Psychoactive substances",
    "restricts_movement": "Restricts movement",
    "restricts_medical_care": "Restricts medical care",
    "excessive_working_hours": "Excessive working hours",
    "uses_children": "Uses children",
    "threat_of_law_enforcement": "Threat of law enforcement",
    "withholds_necessities": "Withholds necessities",
    "withholds_documents": "Withholds documents",
    "other": "Other",
}
MEANS_NOT_SPECIFIED = "meansOfControlNotSpecified"
NOT_SPECIFIED = "Not specified"

# The exploitation flags in CTDC's order, with the label each has in typeOfExploitConcatenated.
EXPLOIT_FLAGS = (
    ("isForcedLabour", "Forced labour"),
    ("isSexualExploit", "Sexual exploitation"),
    ("isOtherExploit", "Other"),
    ("isSexAndLabour", "Combined sexual and labour exploitation"),
    ("isForcedMarriage", "Forced marriage"),
    ("isForcedMilitary", "Forced military"),
    ("isOrganRemoval", "Organ removal"),
    ("isSlaveryAndPractices", "Slavery and similar practices"),
)
OTHER_EXPLOIT_FORMS = frozenset({"illegal_adoption", "surrogacy"})
LABOUR_TYPES = (
    ("Agriculture", "Agriculture"),
    ("Aquafarming", "Aquafarming"),
    ("Begging", "Begging"),
    ("Construction", "Construction"),
    ("DomesticWork", "Domestic work"),
    ("Hospitality", "Hospitality"),
    ("IllicitActivities", "Illicit activities"),
    ("Manufacturing", "Manufacturing"),
    ("MiningOrDrilling", "Mining or drilling"),
    ("Peddling", "Peddling"),
    ("Transportation", "Transportation"),
    ("Other", "Other"),
    ("NotSpecified", "Not specified"),
)
SECTOR_LABOUR_TYPE = {
    "agriculture": "Agriculture",
    "construction": "Construction",
    "domestic_work": "DomesticWork",
    "hospitality": "Hospitality",
    "meat_processing": "Manufacturing",
}
SEX_TYPES = (
    ("Prostitution", "Prostitution"),
    ("Pornography", "Pornography"),
    ("RemoteInteractiveServices", "Remote interactive services"),
    ("PrivateSexualServices", "Private sexual services"),
)
SEX_WORK_SECTORS = frozenset({"sex_work_licensed", "sex_work_unlicensed"})
# The catalogue's forced-begging signal (youth_criminal.json, every version): CTDC's
# typeOfLabourBegging. tests/core/test_ctdc.py checks that the id still means begging.
BEGGING_SIGNALS = frozenset({"YCE-07"})
RECRUITER_RELATIONS = ("IntimatePartner", "Friend", "Family", "Other", "Unknown")

DEMOGRAPHIC_COLUMNS = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
)
MEANS_ALL = (*MEANS_COLUMNS.values(), MEANS_NOT_SPECIFIED, "meansOfControlConcatenated")
EXPLOIT_COLUMNS = (*(name for name, _ in EXPLOIT_FLAGS), "typeOfExploitConcatenated")
LABOUR_COLUMNS = (*(f"typeOfLabour{name}" for name, _ in LABOUR_TYPES), "typeOfLabourConcatenated")
SEX_COLUMNS = (*(f"typeOfSex{name}" for name, _ in SEX_TYPES), "typeOfSexConcatenated")
RECRUITER_COLUMNS = tuple(f"recruiterRelation{name}" for name in RECRUITER_RELATIONS)
COLUMNS: tuple[str, ...] = (
    *DEMOGRAPHIC_COLUMNS,
    *MEANS_ALL,
    *EXPLOIT_COLUMNS,
    *LABOUR_COLUMNS,
    *SEX_COLUMNS,
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    *RECRUITER_COLUMNS,
)
AT = {column: index for index, column in enumerate(COLUMNS)}

Row = tuple[str, ...]


class ExportError(FieldAppError):
    key = "exports.error"


def check_k(k: int) -> int:
    """k below 2 protects nobody; above MAX_K it would suppress every real dataset."""
    if not MIN_K <= k <= MAX_K:
        raise ExportError("exports.ctdc.bad_k", minimum=MIN_K, maximum=MAX_K, given=k)
    return k


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ExportError("exports.ctdc.bad_mode", modes=", ".join(MODES))
    return mode


# -- from the vault to plain rows ----------------------------------------------------------


def collect_rows(vault: VaultLike, *, refresh: bool = True) -> list[Row]:
    """One CTDC row per identified victim, before anonymisation. Refreshes the engine's
    outcomes first (``refresh``), so the indication and the flags match the recorded
    signals."""
    if refresh:
        refresh_outcomes(vault)
    store = ExportStore(vault)
    rules = load_catalogue().rules
    present = rules.rank("signals_present")
    indicated: dict[str, set[str]] = defaultdict(set)
    reached: dict[str, set[str]] = defaultdict(set)
    for person_uuid, form, outcome, indication in store.person_forms():
        if indication:
            indicated[person_uuid].add(form)
        if outcome in rules.outcome_order and rules.rank(outcome) >= present:
            reached[person_uuid].add(form)
    means: dict[str, set[str]] = defaultdict(set)
    criminal: dict[str, set[str]] = defaultdict(set)
    lookup = _SignalLookup()
    for person_uuid, version, indicator_id in store.observed_indicators():
        flags, criminal_kind = lookup(version, indicator_id)
        means[person_uuid].update(flags)
        if criminal_kind:
            criminal[person_uuid].add(criminal_kind)
    return [
        ctdc_row(
            victim,
            indicated.get(victim.person_uuid) or reached.get(victim.person_uuid, set()),
            means.get(victim.person_uuid, set()),
            criminal_kinds=criminal.get(victim.person_uuid, set()),
        )
        for victim in store.indicated_victims()
    ]


class _SignalLookup:
    """What an observed indicator says for CTDC (its means; ``Begging`` or
    ``IllicitActivities`` for a criminal-exploitation signal), per catalogue version, each
    loaded once."""

    def __init__(self) -> None:
        self._catalogues: dict[str, Catalogue | None] = {}

    def __call__(self, version: str, indicator_id: str) -> tuple[tuple[str, ...], str | None]:
        if version not in self._catalogues:
            try:
                self._catalogues[version] = load_catalogue(version)
            except FieldAppError:  # a version not installed here: what it says stays unknown
                self._catalogues[version] = None
        catalogue = self._catalogues[version]
        indicator = catalogue.get(indicator_id) if catalogue else None
        if indicator is None:
            return (), None
        kind = None
        if indicator_id in BEGGING_SIGNALS:
            kind = "Begging"
        elif "criminal" in indicator.context_forms:
            kind = "IllicitActivities"
        return indicator.ctdc, kind


def ctdc_row(
    victim: VictimRow,
    forms: Iterable[str],
    means: Iterable[str],
    *,
    criminal_kinds: Iterable[str] = (),
) -> Row:
    """The CTDC values of one identified victim (see the module docstring for each rule).
    ``criminal_kinds``: ``Begging`` and/or ``IllicitActivities``, from the person's observed
    criminal-exploitation signals."""
    forms, means, kinds = set(forms), set(means), set(criminal_kinds)
    unknown_forms = forms - set(FORMS)
    if unknown_forms:
        raise ValueError(f"unknown forms: {sorted(unknown_forms)}")
    majority = majority_status(victim.minor, victim.age, victim.age_band)
    then = majority if majority == "Minor" else UNKNOWN
    means_flags = [flag in means for flag in MEANS_COLUMNS]
    means_named = [MEANS_LABELS[flag] for flag in MEANS_COLUMNS if flag in means]
    return (
        victim.visit_started_at[:4],
        DATASOURCE,
        GENDERS.get(victim.sex, UNKNOWN),
        age_group(victim.age, victim.age_band),
        majority,
        then,
        then,
        citizenship(victim.nationality),
        *map(_flag, means_flags),
        _flag(not means_named),
        SEPARATOR.join(means_named) or NOT_SPECIFIED,
        *_exploitation(forms),
        *_labour(forms, victim.sector, kinds),
        *_sex(forms, victim.sector),
        UNKNOWN,  # isAbduction: not recorded
        UNKNOWN,  # RecruiterRelationship: not recorded
        COUNTRY_OF_EXPLOITATION,
        *(_flag(name == "Unknown") for name in RECRUITER_RELATIONS),
    )


def _exploitation(forms: set[str]) -> list[str]:
    labour = bool(forms & {"labour", "criminal"})
    sexual = "sexual" in forms
    flags = {
        "isForcedLabour": labour,
        "isSexualExploit": sexual,
        "isOtherExploit": bool(forms & OTHER_EXPLOIT_FORMS),
        "isSexAndLabour": labour and sexual,
        "isForcedMarriage": "forced_marriage" in forms,
        "isForcedMilitary": False,
        "isOrganRemoval": "organ_removal" in forms,
        "isSlaveryAndPractices": False,
    }
    named = [label for name, label in EXPLOIT_FLAGS if flags[name]]
    return [*(_flag(flags[name]) for name, _ in EXPLOIT_FLAGS), _joined(named)]


def _labour(forms: set[str], sector: str | None, kinds: set[str]) -> list[str]:
    types: set[str] = set()
    if "labour" in forms:
        types.add(SECTOR_LABOUR_TYPE.get(sector, "Other") if sector else "NotSpecified")
    if "criminal" in forms:
        types.update(kinds or {"IllicitActivities"})
    named = [label for name, label in LABOUR_TYPES if name in types]
    return [*(_flag(name in types) for name, _ in LABOUR_TYPES), _joined(named)]


def _sex(forms: set[str], sector: str | None) -> list[str]:
    types = {"Prostitution"} if "sexual" in forms and sector in SEX_WORK_SECTORS else set()
    named = [label for name, label in SEX_TYPES if name in types]
    return [*(_flag(name in types) for name, _ in SEX_TYPES), _joined(named)]


def _joined(labels: Sequence[str]) -> str:
    return SEPARATOR.join(labels) or UNKNOWN


def age_group(age: int | None, age_band: str | None) -> str:
    if age is not None:
        for low, high, label in AGE_GROUPS:
            if age >= low and (high is None or age <= high):
                return label
        return UNKNOWN
    return AGE_BAND_GROUPS.get(age_band or "", UNKNOWN)


def majority_status(minor: bool | None, age: int | None, age_band: str | None) -> str:
    if minor is None and age is not None:
        minor = age < 18
    if minor is None and age_band in MINOR_AGE_BANDS:
        minor = True
    if minor is None and age_band in ADULT_AGE_BANDS:
        minor = False
    if minor is None:
        return UNKNOWN
    return "Minor" if minor else "Adult"


def citizenship(nationality: str | None) -> str:
    code = (nationality or "").strip().upper()
    return code if code in country_codes() else UNKNOWN


def _flag(value: bool) -> str:
    return "1" if value else "0"


# -- the column hierarchies of the public file ----------------------------------------------

Values = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """Columns generalised together, and their levels from full detail (0) to ``-99`` (the
    last). ``generalise(values, level)`` gives the columns' values at a level; the public
    file's search goes no lower than ``floor`` (default: down to ``-99``)."""

    name: str
    columns: tuple[str, ...]
    levels: tuple[str, ...]
    generalise: Callable[[Values, int], Values]
    floor: int | None = None

    @property
    def lowest(self) -> int:
        return len(self.levels) - 1 if self.floor is None else self.floor

    def detail(self, level: int) -> float:
        """The share of this hierarchy's detail a level keeps: 1 at the top, 0 at ``-99``,
        evenly in between."""
        return 1 - level / (len(self.levels) - 1)


def _blank(values: Values) -> Values:
    return (UNKNOWN,) * len(values)


def _year_or_gender(values: Values, level: int) -> Values:
    return values if level == 0 else _blank(values)


# Wider age bands, each the union of whole CTDC bands (so a wider band says nothing the CTDC
# bands would not). Not CTDC codes: the README says so.
WIDE_AGE_BANDS = {
    "0--8": "0--17",
    "9--17": "0--17",
    "18--20": "18--26",
    "21--23": "18--26",
    "24--26": "18--26",
    "27--29": "27--38",
    "30--38": "27--38",
    "39--47": "39+",
    "48+": "39+",
}


def _age(values: Values, level: int) -> Values:
    """ageBroad, majorityStatus, majorityStatusAtExploit, majorityEntry."""
    band, *majority = values
    if level == 0:
        return values
    if level == 1:
        return (WIDE_AGE_BANDS.get(band, UNKNOWN), *majority)
    if level == 2:
        return (UNKNOWN, *majority)
    return _blank(values)


@cache
def m49_regions() -> dict[str, tuple[str, str, str | None]]:
    """Country (alpha-2) -> (M49 region, sub-region, intermediate region or None)."""
    document = json.loads(resource_path("m49_regions.json").read_text(encoding="utf-8"))
    return {code: (parts[0], parts[1], parts[2]) for code, parts in document["countries"].items()}


def _citizenship(values: Values, level: int) -> Values:
    (code,) = values
    if level == 0 or code == UNKNOWN:
        return values
    place = m49_regions().get(code)
    if place is None or level == 4:
        return (UNKNOWN,)
    region, sub_region, intermediate = place
    return ((intermediate or sub_region, sub_region, region)[level - 1],)


# Means of control in groups, for the concatenated column of a generalised file. The group
# names follow the merged means of CTDC's global synthetic dataset (v2024/v2025: debt bondage
# and earnings; threats; psychological, physical and sexual abuse; false promises; drugs and
# alcohol; denial of basic needs; excessive work hours; withheld documents); which means each
# merges is FieldApp's reading, not confirmed, and the means that have no merged column there
# are "Other control". Not CTDC codes: the README says so.
MEANS_GROUPS = {
    "debt_bondage": "Debt bondage or earnings",
    "takes_earnings": "Debt bondage or earnings",
    "restricts_financial_access": "Debt bondage or earnings",
    "threats": "Threats",
    "threat_of_law_enforcement": "Threats",
    "psychological_abuse": "Abuse",
    "physical_abuse": "Abuse",
    "sexual_abuse": "Abuse",
    "false_promises": "False promises",
    "psychoactive_substances": "Drugs or alcohol",
    "withholds_necessities": "Denies basic needs",
    "restricts_medical_care": "Denies basic needs",
    "excessive_working_hours": "Excessive working hours",
    "withholds_documents": "Withholds documents",
    "restricts_movement": "Other control",
    "uses_children": "Other control",
    "other": "Other control",
}
MEANS_GROUP_ORDER = tuple(dict.fromkeys(MEANS_GROUPS[flag] for flag in CTDC_MEANS))


def _means(values: Values, level: int) -> Values:
    """The 17 flags, meansOfControlNotSpecified, meansOfControlConcatenated."""
    if level == 0:
        return values
    flags, not_specified = values[: len(CTDC_MEANS)], values[len(CTDC_MEANS)]
    hidden = (UNKNOWN,) * len(CTDC_MEANS)
    if level == 1:
        groups = {
            MEANS_GROUPS[flag] for flag, on in zip(CTDC_MEANS, flags, strict=True) if on == "1"
        }
        named = [group for group in MEANS_GROUP_ORDER if group in groups]
        return (*hidden, not_specified, SEPARATOR.join(named) or NOT_SPECIFIED)
    if level == 2:
        return (*hidden, not_specified, UNKNOWN)
    return _blank(values)


_TYPE_COLUMNS = len(LABOUR_COLUMNS) + len(SEX_COLUMNS)


def _exploitation_types(values: Values, level: int) -> Values:
    """The is* flags with typeOfExploitConcatenated, then the type of labour and of sex."""
    if level == 0:
        return values
    if level == 1:
        return (*values[: len(EXPLOIT_COLUMNS)], *(UNKNOWN,) * _TYPE_COLUMNS)
    return _blank(values)


HIERARCHIES: tuple[Hierarchy, ...] = (
    Hierarchy("year", ("yearOfRegistration",), ("year", "blank"), _year_or_gender),
    Hierarchy("gender", ("gender",), ("gender", "blank"), _year_or_gender),
    Hierarchy(
        "age",
        ("ageBroad", "majorityStatus", "majorityStatusAtExploit", "majorityEntry"),
        ("ctdc_bands", "wide_bands", "majority", "blank"),
        _age,
    ),
    # The three below never reach -99 in a public file: rows without the form of
    # exploitation, the citizenship's region or whether any control was recorded are rows of
    # no analytical value (what blanking whole columns used to give). A row that cannot be
    # kept at k with at least that much is suppressed instead.
    Hierarchy(
        "citizenship",
        ("citizenship",),
        ("country", "intermediate_region", "sub_region", "region", "blank"),
        _citizenship,
        floor=3,
    ),
    Hierarchy("means", MEANS_ALL, ("flags", "groups", "any", "blank"), _means, floor=2),
    Hierarchy(
        "exploitation",
        (*EXPLOIT_COLUMNS, *LABOUR_COLUMNS, *SEX_COLUMNS),
        ("types", "forms", "blank"),
        _exploitation_types,
        floor=1,
    ),
)

Node = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """A point of the lattice (a level per hierarchy), the rows it keeps at k and its
    score (rows kept x detail kept)."""

    node: Node
    kept: int
    score: float


def detail(node: Node, hierarchies: Sequence[Hierarchy] = HIERARCHIES) -> float:
    """The share of detail a row keeps at ``node``: the mean over the hierarchies."""
    return sum(h.detail(level) for h, level in zip(hierarchies, node, strict=True)) / len(node)


class _Encoded:
    """The rows as small integers per hierarchy and level, so a lattice node is counted with
    one ``Counter`` over tuples of ints. Each distinct value of a hierarchy is generalised once
    per level, not once per row."""

    def __init__(self, rows: Sequence[Row], hierarchies: Sequence[Hierarchy]) -> None:
        covered = {column for h in hierarchies for column in h.columns}
        fixed = [AT[column] for column in COLUMNS if column not in covered]
        self.fixed = _ids([_pick(fixed)(row) for row in rows])
        self.parts: list[list[Values]] = []
        self.codes: list[list[list[int]]] = []
        self.values: list[list[dict[Values, Values]]] = []
        for hierarchy in hierarchies:
            pick = _pick([AT[column] for column in hierarchy.columns])
            parts = [pick(row) for row in rows]
            distinct = list(dict.fromkeys(parts))
            per_level_codes: list[list[int]] = []
            per_level_values: list[dict[Values, Values]] = []
            for level in range(len(hierarchy.levels)):
                general = {part: hierarchy.generalise(part, level) for part in distinct}
                ids: dict[Values, int] = {}
                code = {part: ids.setdefault(value, len(ids)) for part, value in general.items()}
                per_level_codes.append([code[part] for part in parts])
                per_level_values.append(general)
            self.parts.append(parts)
            self.codes.append(per_level_codes)
            self.values.append(per_level_values)

    def keys(self, node: Node) -> list[tuple[int, ...]]:
        columns = (self.codes[h][level] for h, level in enumerate(node))
        return list(zip(self.fixed, *columns, strict=True))


def _pick(positions: Sequence[int]) -> Callable[[Row], Values]:
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    getter = itemgetter(*positions)
    return lambda row: tuple(getter(row))


def _ids(values: Sequence[Values]) -> list[int]:
    ids: dict[Values, int] = {}
    return [ids.setdefault(value, len(ids)) for value in values]


def _kept(keys: Sequence[tuple[int, ...]], k: int) -> tuple[int, Counter[tuple[int, ...]]]:
    counts = Counter(keys)
    return sum(count for count in counts.values() if count >= k), counts


def search(
    encoded: _Encoded, total: int, k: int, hierarchies: Sequence[Hierarchy] = HIERARCHIES
) -> Choice:
    """The node that keeps the most information (rows kept x detail). Generalising never
    splits a group, so a node keeps no more rows than any node above it; in particular no more
    than the node with one of its levels and every other hierarchy at its lowest level. Those
    few nodes are counted first, and give every node a bound (rows x detail) it cannot beat:
    the nodes are tried from the highest bound down, and the search stops once no node left
    could beat the best found (on 30,000 rows: a fraction of the 384 nodes). Among equal
    scores the more detailed node wins."""
    del total  # the bound below is tighter than every row
    floor = tuple(h.lowest for h in hierarchies)
    single = [
        [
            _kept(encoded.keys((*floor[:h], level, *floor[h + 1 :])), k)[0]
            for level in range(hierarchy.lowest + 1)
        ]
        for h, hierarchy in enumerate(hierarchies)
    ]

    def bound(node: Node) -> float:
        return min(single[h][level] for h, level in enumerate(node)) * detail(node, hierarchies)

    nodes = sorted(
        product(*(range(h.lowest + 1) for h in hierarchies)),
        key=lambda node: (-bound(node), -detail(node, hierarchies), node),
    )
    best = Choice(nodes[0], 0, 0.0)
    for node in nodes:
        if bound(node) <= best.score:
            break
        share = detail(node, hierarchies)
        kept, _ = _kept(encoded.keys(node), k)
        if kept * share > best.score:
            best = Choice(node, kept, kept * share)
    return best


# -- the result --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CtdcResult:
    """What was exported and what was held back. ``rows`` are sorted, so the file's order says
    nothing about when or where anyone was met. ``levels``: per hierarchy, the level of the
    public file (all at the top for the full file); ``information``: the share of the detail of
    all rows that the file keeps (1.0 for the full file)."""

    mode: str
    k: int | None
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: int
    suppressed: int
    levels: tuple[tuple[str, str], ...] = field(default=())
    information: float = 1.0

    @property
    def exported(self) -> int:
        return len(self.rows)

    @property
    def generalised(self) -> tuple[str, ...]:
        """The hierarchies generalised at all (below their top level)."""
        tops = {h.name: h.levels[0] for h in HIERARCHIES}
        return tuple(name for name, level in self.levels if level != tops[name])


def anonymise(rows: Sequence[Row], k: int = DEFAULT_K, *, generalise: bool = True) -> CtdcResult:
    """The public, k-anonymous file from plain CTDC rows (pure: no vault, no file). Without
    ``generalise`` only suppression (every hierarchy at its top level)."""
    check_k(k)
    encoded = _Encoded(rows, HIERARCHIES)
    top: Node = (0,) * len(HIERARCHIES)
    node = search(encoded, len(rows), k).node if generalise and rows else top
    keys = encoded.keys(node)
    kept_count, counts = _kept(keys, k)
    # Rows with one key are one generalised row (the key is their values at this node):
    # generalised once per group, then repeated.
    first = {key: index for index, key in reversed(list(enumerate(keys)))}
    kept = [
        row
        for key, count in counts.items()
        if count >= k
        for row in [_generalised_row(rows[first[key]], first[key], node, encoded)] * count
    ]
    share = detail(node)
    return CtdcResult(
        mode="public",
        k=k,
        columns=COLUMNS,
        rows=tuple(sorted(kept)),
        total=len(rows),
        suppressed=len(rows) - kept_count,
        levels=tuple((h.name, h.levels[level]) for h, level in zip(HIERARCHIES, node, strict=True)),
        information=kept_count * share / len(rows) if rows else 1.0,
    )


def _generalised_row(row: Row, index: int, node: Node, encoded: _Encoded) -> Row:
    if not any(node):
        return row
    values = list(row)
    for h, (hierarchy, level) in enumerate(zip(HIERARCHIES, node, strict=True)):
        general = encoded.values[h][level][encoded.parts[h][index]]
        for column, value in zip(hierarchy.columns, general, strict=True):
            values[AT[column]] = value
    return tuple(values)


def full(rows: Sequence[Row]) -> CtdcResult:
    """The contributor's file: every row in full detail."""
    return CtdcResult(
        mode="full",
        k=None,
        columns=COLUMNS,
        rows=tuple(sorted(rows)),
        total=len(rows),
        suppressed=0,
        levels=tuple((h.name, h.levels[0]) for h in HIERARCHIES),
    )


def make(rows: Sequence[Row], mode: str, k: int = DEFAULT_K) -> CtdcResult:
    check_mode(mode)
    return full(rows) if mode == "full" else anonymise(rows, k)


# -- the file ----------------------------------------------------------------------------------


def csv_bytes(result: CtdcResult) -> bytes:
    """UTF-8 CSV, header first; every value is a code or a number, never free text."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return buffer.getvalue().encode("utf-8")


def parse_recipients(recipients: Iterable[str]) -> list[x25519.Recipient]:
    """age public keys (``age1...``); anything else is refused with our message, not age's."""
    parsed = []
    for text in recipients:
        try:
            parsed.append(x25519.Recipient.from_str(text.strip()))
        except (pyrage.RecipientError, ValueError) as exc:
            raise ExportError("exports.ctdc.bad_recipient") from exc
    return parsed


def check_protection(mode: str, recipients: Sequence[str], confirm_unencrypted: bool) -> None:
    """The full file leaves only encrypted, unless the caller confirmed a plain file; the
    public file may be encrypted too. Checked before the vault is read."""
    check_mode(mode)
    parse_recipients(recipients)
    if mode == "full" and not recipients and not confirm_unencrypted:
        raise ExportError("exports.ctdc.full_needs_recipient")


def file_bytes(result: CtdcResult, recipients: Sequence[str] = ()) -> bytes:
    data = csv_bytes(result)
    if not recipients:
        return data
    return bytes(pyrage.encrypt(data, parse_recipients(recipients)))


def output_path(chosen: Path, encrypted: bool) -> Path:
    """The file written: the name chosen, with ``.age`` added when encrypted (as the table
    export names its encrypted files)."""
    chosen = Path(chosen)
    if encrypted and not chosen.name.lower().endswith(ENCRYPTED_SUFFIX):
        return chosen.with_name(chosen.name + ENCRYPTED_SUFFIX)
    return chosen


def write_file(data: bytes, target: Path) -> None:
    write_atomic(Path(target), data)


def audit_kind(mode: str, encrypted: bool) -> str:
    """What the audit log calls the export (never what it held)."""
    if mode == "public":
        return "ctdc"
    return "ctdc_full" if encrypted else "ctdc_full_unencrypted"


def export_ctdc(
    vault: Vault,
    target: Path,
    k: int = DEFAULT_K,
    *,
    mode: str = "public",
    recipients: Sequence[str] = (),
    confirm_unencrypted: bool = False,
) -> CtdcResult:
    """Collect, anonymise (public) or keep whole (full), encrypt when recipients are given and
    write the file atomically; an audit entry records the export (never its content). The
    file written is ``output_path(target, bool(recipients))``."""
    check_k(k)
    check_protection(mode, recipients, confirm_unencrypted)
    result = make(collect_rows(vault), mode, k)
    write_file(file_bytes(result, recipients), output_path(target, bool(recipients)))
    vault.record("export", audit_kind(mode, bool(recipients)), None)
    return result


# -- what the user is told ------------------------------------------------------------------


def summary(
    result: CtdcResult, name: str, *, encrypted: bool, lang: str | None = None
) -> list[str]:
    """The lines the command line prints and the desktop shows: how many rows of how many were
    kept and at which k, the level per hierarchy and the information kept (public), and
    whether the file is encrypted (a plain full file is said to be so; a plain public file is
    meant to be published)."""
    if result.mode == "full":
        lines = [tn("exports.ctdc.full_done", result.total, lang, path=name)]
    else:
        lines = [
            tn(
                "exports.ctdc.public_done",
                result.total,
                lang,
                path=name,
                exported=result.exported,
                suppressed=result.suppressed,
                k=result.k,
            ),
            t("exports.ctdc.levels", lang, levels=level_names(result, lang)),
            t("exports.ctdc.information", lang, percent=round(result.information * 100)),
        ]
        if result.total and not result.exported:
            lines.append(t("exports.ctdc.all_suppressed", lang, k=result.k))
    if not result.total:
        lines.append(t("exports.ctdc.nobody", lang))
    if encrypted:
        lines.append(t("exports.ctdc.encrypted", lang))
    elif result.mode == "full":
        lines.append(t("exports.ctdc.plain", lang))
    return lines


def level_names(result: CtdcResult, lang: str | None = None) -> str:
    """ "age: minor or adult only; citizenship: UN M49 region; ...", in hierarchy order."""
    return "; ".join(
        t(
            "exports.ctdc.level_item",
            lang,
            hierarchy=t(f"exports.ctdc.hierarchy.{name}", lang),
            level=t(f"exports.ctdc.level.{name}.{level}", lang),
        )
        for name, level in result.levels
    )
