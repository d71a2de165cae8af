"""The case export in the shape of the CTDC global victim dataset (IOM's Counter Trafficking
Data Collaborative, docs/DOMAIN.md section 7), in two modes.

Who is in it: every possible victim with an **indication** of trafficking: the engine found one
for a form (``person_outcomes.indication``) or the professional judged there is one
(``persons.professional_indication``). A row is a person an inspector recorded with an
indication at a visit, not a confirmed victim: FieldApp has no coordinator's confirmation of
its own, and an indication is the strongest judgement the vault holds. A person at "signals
present" without an indication is not in the file.

Its columns are the 63 of CTDC's k-anonymised global dataset, in that file's order, with its
codes (the list, its source and what was not confirmed: ``tests/core/ctdc_dictionary.py`` and
the README's CTDC section). How each column is derived:

- ``yearOfRegistration``: the year of the visit at which the person was met.
- ``Datasource``: ``Case Management``, the one of CTDC's two sources that fits (the other is a
  hotline call): a professional's own identification, though at a first inspection, not in a
  case kept by a care organisation (the README says so).
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
- Each group of flags with its concatenated column follows one rule (``_group``): when the
  group does not apply to the row, or nothing is known of it, every flag *and* the concatenated
  column are ``-99``; otherwise each flag is 1 or 0 and the concatenated column names the flags
  that are 1 (``;`` between them). So a concatenated column is never ``-99`` beside flags of 0.
- ``meansOfControl*`` (a group that always applies): 1 when a signal carrying that CTDC means
  (the catalogue's ``ctdc`` field, of the catalogue version the observation was made with) was
  *observed* for the person, or for everyone at the visit (unless the person's own record of
  that indicator says otherwise); 0 means "not recorded as observed", not "known to be
  absent". ``meansOfControlNotSpecified`` is 1 when none is, and the concatenated column then
  says ``Not specified``.
- Exploitation, from the forms with an indication (``person_outcomes.indication``; for a person
  whose only indication is the professional's own, the forms at "signals present" or higher;
  with no form at all, the whole group is ``-99``, as CTDC leaves out of its shares those
  whose form is not known): labour exploitation and criminal exploitation give
  ``isForcedLabour`` (CTDC places forced begging and forced criminality under the types of
  forced labour); sexual exploitation ``isSexualExploit``; both ``isSexAndLabour`` (with both
  flags, as CTDC does); organ removal ``isOrganRemoval``; forced marriage ``isForcedMarriage``;
  illegal adoption and exploitation of surrogacy (forms EU Directive 2024/1712 added, with no
  CTDC flag of their own) ``isOtherExploit``. FieldApp records no forced military service and
  no slavery apart from these, so ``isForcedMilitary`` and ``isSlaveryAndPractices`` are 0.
- ``typeOfLabour*`` (only with ``isForcedLabour``; otherwise ``-99``): from the site's sector,
  where it fits a CTDC type as CTDC defines them (by ISIC section; the codebook v2024 defines
  four so): agriculture (ISIC A01, greenhouses included), construction (F), domestic work
  (T), hospitality (I), and by the same reading meat processing as manufacturing (C10).
  Every other sector is ``Other``: shipping and fishing is one FieldApp sector, so neither
  ``Transportation`` (shipping) nor ``Aquafarming`` (fish farming; whether CTDC counts fishing
  at sea under it is not confirmed) is true of all its rows; logistics is largely warehouse and
  order-picking work, which is not transport (a driver among them would be, but the sector
  does not tell them apart); cleaning, car washes and nail bars have no CTDC type. Without a
  sector: ``NotSpecified``. For criminal exploitation: a forced-begging signal gives
  ``Begging``, any other criminal signal (or none named) ``IllicitActivities``. Mining or
  drilling and peddling are never inferred, so they are 0.
- ``typeOfSex*`` (only with ``isSexualExploit`` at a sex-work site: ``Prostitution``;
  pornography, remote interactive services and private sexual services are not recorded by
  FieldApp, 0). Sexual exploitation elsewhere has no recorded type and CTDC no "not
  specified" flag for it, so there, as without sexual exploitation, the group is ``-99``.
- ``isAbduction``: not recorded, ``-99``. The recruiter is not recorded either:
  ``recruiterRelation*`` is CTDC's encoding of an unknown recruiter (0,0,0,0,1), and
  ``RecruiterRelationship``, the relation's label, says ``Unknown`` to agree with it (CTDC's
  2020 file has ``-99`` there; the README says so). Nothing is guessed.

The two modes:

- **full**: the contributor's file under a data-sharing agreement: every row, every detail,
  no suppression. It is written age-encrypted for the recipients' public keys (``age1...``);
  a plain file only when the caller confirms it (``--no-encrypt``).
- **public**: a k-anonymous file (k = 11 by default, CTDC's own figure). Every column counts as
  a quasi-identifier: a row is kept only when its whole combination of values occurs at least
  k times. Before suppressing, the search generalises per column hierarchy (``HIERARCHIES``):
  the year and gender to ``-99``; the age band to wider bands, then to the majority status
  (``Minor``/``Adult``) only; the means of control to the groups of CTDC's synthetic dataset
  named in the concatenated column, then to "any recorded" (only
  ``meansOfControlNotSpecified``); the type of work to its parent (the ``is*`` flags). The age
  stops at the majority status, the means at "any recorded", the form of exploitation at the
  ``is*`` flags: never ``-99``. A minor blanked is a minor no analyst can count, and rows
  without these are of no analytical value; a row that cannot be kept at k with at least that
  much is suppressed instead.

  Citizenship is recoded per row, not for the whole file (``recode_citizenship``): among rows
  that agree on every other column, a country is kept where its own group meets k (the Dutch
  victims as ``NL``), else it is shown as its UN M49 intermediate region or sub-region, else as
  its region (``resources/m49_regions.json``); never ``-99`` for a known country, and exactly
  the rows that coding every citizenship as its region would keep are kept. CTDC has no codes
  for regions (its codebook v2024 gives ISO codes only and suppresses countries it cannot
  protect): the region names are FieldApp's generalisation.

  The search tries the combinations of the other levels (the lattice: 72 nodes) and keeps the
  one with the most information, the detail kept summed over the rows kept (each hierarchy
  weighs the same; level l of a hierarchy of L levels down to ``-99`` keeps 1 - l/(L-1) of its
  detail; citizenship counts at each row's own level), among the nodes that trade no form of
  exploitation away: every form must keep at least the share of all rows that the node keeps,
  less 5 points (``FORM_TOLERANCE``), or, for a form that cannot reach that share even with
  every hierarchy at its floor, at least its share there, less 5 points. The floor node always
  meets that, so some node always does. Without the rule the most informative node on demo data
  kept 92 % of all rows but only 77 % of those with sexual exploitation. "The most rows" alone
  would always take every hierarchy to its floor (generalising never splits a group, so it
  never loses a row); detail alone would keep the rare rows unchanged and suppress nearly all.
  The result names the level chosen per hierarchy (and how many rows show a country, a
  sub-region or a region), the information kept, and the rows kept per form of exploitation
  and of the minors, so what the file under-represents is said.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
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
# The recruiter is never recorded by FieldApp: recruiterRelationUnknown is 1 and
# RecruiterRelationship names that flag, so the two agree (CTDC's 2020 file shows -99 there).
RECRUITER_RELATIONS = (
    ("IntimatePartner", "Intimate partner"),
    ("Friend", "Friend"),
    ("Family", "Family"),
    ("Other", "Other"),
    ("Unknown", "Unknown"),
)
RECRUITER_UNKNOWN = "Unknown"

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
RECRUITER_COLUMNS = tuple(f"recruiterRelation{name}" for name, _ in RECRUITER_RELATIONS)
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
        RECRUITER_UNKNOWN,  # RecruiterRelationship: the label of the one flag set below
        COUNTRY_OF_EXPLOITATION,
        *(_flag(name == RECRUITER_UNKNOWN) for name, _ in RECRUITER_RELATIONS),
    )


def _exploitation(forms: set[str]) -> list[str]:
    if not forms:  # a professional's judgement without any form reached: the form is unknown
        return _group(EXPLOIT_FLAGS, None)
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
    return _group(EXPLOIT_FLAGS, {name for name, on in flags.items() if on})


def _labour(forms: set[str], sector: str | None, kinds: set[str]) -> list[str]:
    if not forms & {"labour", "criminal"}:  # no forced labour: the types do not apply
        return _group(LABOUR_TYPES, None)
    types: set[str] = set()
    if "labour" in forms:
        types.add(SECTOR_LABOUR_TYPE.get(sector, "Other") if sector else "NotSpecified")
    if "criminal" in forms:
        types.update(kinds or {"IllicitActivities"})
    return _group(LABOUR_TYPES, types)


def _sex(forms: set[str], sector: str | None) -> list[str]:
    # Sexual exploitation away from a sex-work site: its type was not recorded, and CTDC has
    # no "not specified" flag for it, so the whole group is unknown, as it is without it.
    if "sexual" not in forms or sector not in SEX_WORK_SECTORS:
        return _group(SEX_TYPES, None)
    return _group(SEX_TYPES, {"Prostitution"})


def _group(order: Sequence[tuple[str, str]], on: set[str] | None) -> list[str]:
    """A group of flags and its concatenated column, by one rule for every group: ``None``
    (the group does not apply, or nothing is known of it) is ``-99`` in every flag and in the
    concatenated column; otherwise each flag is 1 or 0 and the concatenated column names the
    flags set, ``;`` between them. (The means of control are a group that always applies:
    ``meansOfControlNotSpecified`` is its flag for "none recorded".)"""
    if on is None:
        return [UNKNOWN] * (len(order) + 1)
    named = [label for name, label in order if name in on]
    if not named:
        raise ValueError("a group that applies names at least one flag")
    return [*(_flag(name in on) for name, _ in order), SEPARATOR.join(named)]


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
    file's search goes no lower than ``floor`` (default: down to ``-99``). A ``local``
    hierarchy has no one level for the whole file: each row gets the most detailed level its
    own group allows (citizenship: ``recode_citizenship``)."""

    name: str
    columns: tuple[str, ...]
    levels: tuple[str, ...]
    generalise: Callable[[Values, int], Values]
    floor: int | None = None
    local: bool = False

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
    """The citizenship at one level for every row (the public file codes it per row instead:
    ``recode_citizenship``)."""
    (code,) = values
    if level == 0 or code == UNKNOWN:
        return values
    place = m49_regions().get(code)
    if place is None or level == 4:
        return (UNKNOWN,)
    region, sub_region, intermediate = place
    return ((intermediate or sub_region, sub_region, region)[level - 1],)


CITIZENSHIP_LEVELS = ("country", "intermediate_region", "sub_region", "region")
CITIZENSHIP_UNKNOWN = "unknown"  # rows kept without a recorded citizenship, in the summary
Place = tuple[str, int]  # a value the citizenship is shown as, and its level


@cache
def citizenship_path(code: str) -> tuple[Place, ...]:
    """Where a citizenship can be shown, from the widest place down to the country itself.
    An unknown citizenship is only itself; so is a country the M49 file gives no region
    (``unassigned``): it is kept where its own group meets k and suppressed otherwise, never
    made -99."""
    if code == UNKNOWN:
        return ((UNKNOWN, 0),)
    place = m49_regions().get(code)
    if place is None:
        return ((code, 0),)
    region, sub_region, intermediate = place
    wide: tuple[Place, ...] = ((region, 3), (sub_region, 2))
    if intermediate:
        wide = (*wide, (intermediate, 1))
    return (*wide, (code, 0))


def recode_citizenship(counts: Mapping[str, int], k: int) -> dict[str, Place]:
    """Local recoding of the citizenships in one group of rows that agree on every other
    column (``counts``: rows per country): each country -> the place it is shown as; a country
    left out is suppressed. From the top down: a region with fewer than k rows is suppressed;
    otherwise each of its sub-regions with k rows or more becomes a group of its own, and so on
    down to the country. What stays behind at a place is shown as that place; when fewer than k
    would stay behind, the smallest group split off stays too (the place had k or more, so
    that is always enough). So a country is kept where its own group meets k (the Dutch
    victims as NL), else as its intermediate region or sub-region, else its region, and the
    rows kept are exactly those that coding every citizenship as its region would keep."""
    shown: dict[str, Place] = {}

    def split(place: Place, codes: Sequence[str], depth: int) -> None:
        below: dict[Place, list[str]] = defaultdict(list)
        for code in codes:
            path = citizenship_path(code)
            if depth + 1 < len(path):
                below[path[depth + 1]].append(code)
        size = {child: sum(counts[code] for code in group) for child, group in below.items()}
        apart = sorted((c for c in below if size[c] >= k), key=lambda c: (size[c], c))
        behind = sum(counts[code] for code in codes) - sum(size[c] for c in apart)
        if 0 < behind < k:
            apart.pop(0)  # the smallest group split off stays behind: now k or more do
        for child in apart:
            split(child, below[child], depth + 1)
        split_off = {code for child in apart for code in below[child]}
        shown.update((code, place) for code in codes if code not in split_off)

    roots: dict[Place, list[str]] = defaultdict(list)
    for code in counts:
        roots[citizenship_path(code)[0]].append(code)
    for root, codes in roots.items():
        if sum(counts[code] for code in codes) >= k:
            split(root, codes, 0)
    return shown


# Means of control in groups, for the concatenated column of a generalised file: the merged
# means of CTDC's global synthetic dataset, its codebook v2024, Appendix II
# ("Codebook_CTDC_global_synthetic_data_v2024.pdf", read from the copy in
# github.com/madiforman/CTDC_analysis, data/, at commit f60f7ad2b4d517fa46c0a1fb8f3048f26a6b9398):
# debt bondage and earnings; threats (with uses children and threat of law enforcement);
# psychological, physical and sexual abuse; false promises; drugs and alcohol; denial of basic
# needs (with restricted financial access, movement and medical care); excessive work hours;
# withheld documents. Means the codebook no longer exports ("Other") are "Other control". The
# group names are FieldApp's spelling, not CTDC codes: the README says so.
MEANS_GROUPS = {
    "debt_bondage": "Debt bondage or earnings",
    "takes_earnings": "Debt bondage or earnings",
    "restricts_financial_access": "Denies basic needs",
    "threats": "Threats",
    "threat_of_law_enforcement": "Threats",
    "uses_children": "Threats",
    "psychological_abuse": "Abuse",
    "physical_abuse": "Abuse",
    "sexual_abuse": "Abuse",
    "false_promises": "False promises",
    "psychoactive_substances": "Drugs or alcohol",
    "withholds_necessities": "Denies basic needs",
    "restricts_medical_care": "Denies basic needs",
    "restricts_movement": "Denies basic needs",
    "excessive_working_hours": "Excessive working hours",
    "withholds_documents": "Withholds documents",
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
    # The four below never reach -99 in a public file: rows without whether the person is a
    # minor, the form of exploitation, the citizenship's region or whether any control was
    # recorded are rows of no analytical value (what blanking whole columns used to give; a
    # minor blanked is a minor no analyst can count). A row that cannot be kept at k with at
    # least that much is suppressed instead.
    Hierarchy(
        "age",
        ("ageBroad", "majorityStatus", "majorityStatusAtExploit", "majorityEntry"),
        ("ctdc_bands", "wide_bands", "majority", "blank"),
        _age,
        floor=2,
    ),
    Hierarchy(
        "citizenship",
        ("citizenship",),
        ("country", "intermediate_region", "sub_region", "region", "blank"),
        _citizenship,
        floor=3,
        local=True,
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
LOCAL_LEVEL = "local"  # the level named for a local hierarchy recoded per row

# -- the forms of exploitation, counted for the search and the summary -------------------------

# Every form flag a row can have (isSexAndLabour is the two flags at once, not a form of its
# own), and "unknown" for a row whose form is not known.
FORM_FLAGS = tuple(name for name, _ in EXPLOIT_FLAGS if name != "isSexAndLabour")
FORM_UNKNOWN = "unknown"
# How far a form's share of rows kept may fall below the share of all rows kept (or, for a
# form that cannot reach that even at the floor of every hierarchy, below its share there).
FORM_TOLERANCE = 0.05


def row_forms(row: Row) -> tuple[str, ...]:
    if row[AT["isForcedLabour"]] == UNKNOWN:
        return (FORM_UNKNOWN,)
    return tuple(name for name in FORM_FLAGS if row[AT[name]] == "1")


@dataclass(frozen=True, slots=True)
class FormCount:
    """Rows of one form of exploitation: kept in the file, of all exported victims."""

    form: str
    kept: int
    total: int

    @property
    def share(self) -> float:
        return self.kept / self.total if self.total else 1.0


def form_counts(rows: Sequence[Row], kept: Sequence[bool]) -> tuple[FormCount, ...]:
    """Per form present, in CTDC's order (unknown last): rows kept of rows in total."""
    total: Counter[str] = Counter()
    kept_per_form: Counter[str] = Counter()
    for row, keep in zip(rows, kept, strict=True):
        for form in row_forms(row):
            total[form] += 1
            kept_per_form[form] += keep
    return tuple(
        FormCount(form, kept_per_form[form], total[form])
        for form in (*FORM_FLAGS, FORM_UNKNOWN)
        if total[form]
    )


def minor_counts(rows: Sequence[Row], kept: Sequence[bool]) -> tuple[int, int]:
    """Minors (``majorityStatus``) kept, of all minors."""
    minor = [row[AT["majorityStatus"]] == "Minor" for row in rows]
    return sum(m and keep for m, keep in zip(minor, kept, strict=True)), sum(minor)


# -- the search ----------------------------------------------------------------------------------

Node = tuple[int, ...]
Key = tuple[int, ...]  # a row's values at a node, as ids


@dataclass(frozen=True, slots=True)
class Choice:
    """A point of the lattice (a level per hierarchy; a local hierarchy stays at 0), the rows
    it keeps at k and its score (the detail kept, summed over the rows kept)."""

    node: Node
    kept: int
    score: float


def detail(node: Node, hierarchies: Sequence[Hierarchy] = HIERARCHIES) -> float:
    """The share of detail a row keeps at ``node``: the mean over the hierarchies (a local
    hierarchy at 0 counts whole: for a node, an upper bound)."""
    return sum(h.detail(level) for h, level in zip(hierarchies, node, strict=True)) / len(node)


class _Encoded:
    """The rows as small integers per hierarchy and level, so a lattice node is counted with
    one ``Counter`` over tuples of ints. Each distinct value of a hierarchy is generalised once
    per level, not once per row. The local hierarchy (citizenship) is kept apart: its country
    per row and the root of its place tree (the region) per row. Each key ends with the row's
    forms, which every allowed level keeps (so that never splits a group)."""

    def __init__(self, rows: Sequence[Row], hierarchies: Sequence[Hierarchy]) -> None:
        self.hierarchies = hierarchies
        covered = {column for h in hierarchies for column in h.columns}
        fixed = [AT[column] for column in COLUMNS if column not in covered]
        self.fixed = _ids([_pick(fixed)(row) for row in rows])
        forms = [row_forms(row) for row in rows]
        self.form_sets = list(dict.fromkeys(forms))
        self.forms = _ids(forms)
        self.total = len(rows)
        self.form_total: Counter[str] = Counter(form for found in forms for form in found)
        self.parts: list[list[Values]] = []
        self.codes: list[list[list[int]]] = []
        self.values: list[list[dict[Values, Values]]] = []
        self.country: list[str] = []
        self.root: list[int] = []
        for hierarchy in hierarchies:
            pick = _pick([AT[column] for column in hierarchy.columns])
            parts = [pick(row) for row in rows]
            levels = 1 if hierarchy.local else len(hierarchy.levels)
            distinct = list(dict.fromkeys(parts))
            per_level_codes: list[list[int]] = []
            per_level_values: list[dict[Values, Values]] = []
            for level in range(levels):
                general = {part: hierarchy.generalise(part, level) for part in distinct}
                ids: dict[Values, int] = {}
                code = {part: ids.setdefault(value, len(ids)) for part, value in general.items()}
                per_level_codes.append([code[part] for part in parts])
                per_level_values.append(general)
            self.parts.append(parts)
            self.codes.append(per_level_codes)
            self.values.append(per_level_values)
            if hierarchy.local:
                self.country = [part[0] for part in parts]
                self.root = _ids([(citizenship_path(part[0])[0][0],) for part in parts])

    def rest(self, node: Node) -> list[Key]:
        """Per row: its values at ``node`` in every column but the local one's, and its forms."""
        columns = (
            self.codes[h][level] for h, level in enumerate(node) if not self.hierarchies[h].local
        )
        return list(zip(self.fixed, *columns, self.forms, strict=True))

    def count(self, node: Node, k: int) -> tuple[int, Counter[str]]:
        """Rows kept at ``node`` and per form. Local recoding keeps the rows whose group meets
        k with the citizenship at its region, so that is what is counted: cheap, no recoding."""
        groups = Counter(zip(self.rest(node), self.root, strict=True))
        kept = 0
        per_form: Counter[str] = Counter()
        for (key, _), rows in groups.items():
            if rows >= k:
                kept += rows
                for form in self.form_sets[key[-1]]:
                    per_form[form] += rows
        return kept, per_form

    def recode(self, node: Node, k: int) -> tuple[list[Key], dict[tuple[Key, str], Place]]:
        """Per row its key at ``node``; per (key, country) kept, the place it is shown as."""
        keys = self.rest(node)
        groups: dict[Key, Counter[str]] = defaultdict(Counter)
        for key, code in zip(keys, self.country, strict=True):
            groups[key][code] += 1
        shown = {
            (key, code): place
            for key, counts in groups.items()
            for code, place in recode_citizenship(counts, k).items()
        }
        return keys, shown

    def score(self, node: Node, k: int) -> float:
        """The detail kept at ``node``, summed over the rows kept."""
        keys, shown = self.recode(node, k)
        levels = Counter(
            place[1]
            for key, code in zip(keys, self.country, strict=True)
            if (place := shown.get((key, code))) is not None
        )
        return self.detail_kept(node, levels)

    def detail_kept(self, node: Node, places: Counter[int]) -> float:
        """Rows kept x their detail: every hierarchy at the node's level, the local one at
        each row's own (``places``: rows kept per citizenship level)."""
        fixed = sum(
            hierarchy.detail(level)
            for hierarchy, level in zip(self.hierarchies, node, strict=True)
            if not hierarchy.local
        )
        local = next(h for h in self.hierarchies if h.local)
        return sum(rows * (fixed + local.detail(level)) for level, rows in places.items()) / len(
            node
        )


def _pick(positions: Sequence[int]) -> Callable[[Row], Values]:
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    getter = itemgetter(*positions)
    return lambda row: tuple(getter(row))


def _ids(values: Sequence[Values]) -> list[int]:
    ids: dict[Values, int] = {}
    return [ids.setdefault(value, len(ids)) for value in values]


def search(encoded: _Encoded, k: int) -> Choice:
    """The node that keeps the most information among those that trade no form of
    exploitation away.

    The rule: a node is allowed when every form keeps at least the share of all rows that the
    node keeps, less ``FORM_TOLERANCE`` (5 points), or, for a form that cannot reach that share
    even with every hierarchy at its floor, at least its share there, less the same tolerance.
    The floor node is always allowed, so some node always is. Among the allowed nodes, the one
    with the most information (the detail kept, summed over the rows kept) wins; among equal
    scores the more detailed node.

    The search: generalising never splits a group, so a node keeps no more rows than the node
    with one of its levels and every other hierarchy at its floor. Those few nodes are counted
    first and give every node a bound (rows x detail) it cannot beat; the nodes are tried from
    the highest bound down, and the search stops once no node left could beat the best found.
    Counting a node is cheap (citizenship at its region keeps the same rows as local
    recoding); only a node that is allowed and could still win is recoded row by row."""
    hierarchies = encoded.hierarchies
    floor = tuple(0 if h.local else h.lowest for h in hierarchies)
    ranges = [range(1) if h.local else range(h.lowest + 1) for h in hierarchies]
    single = [
        [encoded.count((*floor[:h], level, *floor[h + 1 :]), k)[0] for level in ranges[h]]
        for h in range(len(hierarchies))
    ]
    floor_rows, floor_kept = encoded.count(floor, k)
    if not floor_rows:  # no node keeps a row: say the levels of full detail, not the floor's
        return Choice((0,) * len(hierarchies), 0, 0.0)
    reachable = {form: floor_kept[form] / total for form, total in encoded.form_total.items()}

    def bound(node: Node) -> float:
        return min(single[h][level] for h, level in enumerate(node)) * detail(node, hierarchies)

    def allowed(kept: int, per_form: Counter[str]) -> bool:
        share = kept / encoded.total
        return all(
            per_form[form] / total >= min(share, reachable[form]) - FORM_TOLERANCE - 1e-9
            for form, total in encoded.form_total.items()
        )

    nodes = sorted(
        product(*ranges),
        key=lambda node: (-bound(node), -detail(node, hierarchies), node),
    )
    # The floor node is always allowed: it is the first best, to be beaten.
    best = Choice(floor, floor_rows, encoded.score(floor, k))
    for node in nodes:
        if bound(node) <= best.score:
            break
        kept, per_form = encoded.count(node, k)
        if not allowed(kept, per_form) or kept * detail(node, hierarchies) <= best.score:
            continue
        score = encoded.score(node, k)
        if score > best.score or (score == best.score and _finer(node, best.node, hierarchies)):
            best = Choice(node, kept, score)
    return best


def _finer(node: Node, other: Node, hierarchies: Sequence[Hierarchy]) -> bool:
    return (-detail(node, hierarchies), node) < (-detail(other, hierarchies), other)


# -- the result --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CtdcResult:
    """What was exported and what was held back. ``rows`` are sorted, so the file's order says
    nothing about when or where anyone was met. ``levels``: per hierarchy, the level of the
    public file (all at the top for the full file; citizenship ``local`` when any row shows a
    region); ``citizenship``: rows kept per citizenship level; ``forms``: per form of
    exploitation, rows kept of all; ``information``: the share of the detail of all rows that
    the file keeps (1.0 for the full file)."""

    mode: str
    k: int | None
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: int
    suppressed: int
    levels: tuple[tuple[str, str], ...] = field(default=())
    information: float = 1.0
    forms: tuple[FormCount, ...] = field(default=())
    citizenship: tuple[tuple[str, int], ...] = field(default=())
    minors: tuple[int, int] = (0, 0)

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
    ``generalise`` only suppression (every hierarchy at its top level, citizenship too)."""
    check_k(k)
    if not generalise or not rows:
        return _suppressed_only(rows, k)
    encoded = _Encoded(rows, HIERARCHIES)
    choice = search(encoded, k)
    keys, shown = encoded.recode(choice.node, k)
    out: list[Row] = []
    kept_mask: list[bool] = []
    places: Counter[str] = Counter()
    place_levels: Counter[int] = Counter()
    done: dict[tuple[tuple[int, ...], str], Row] = {}
    at = AT["citizenship"]
    for index, (key, code) in enumerate(zip(keys, encoded.country, strict=True)):
        place = shown.get((key, code))
        kept_mask.append(place is not None)
        if place is None:
            continue
        general = done.get((key, code))
        if general is None:  # one generalised row per (group, country), then repeated
            values = list(_generalised_row(rows[index], index, choice.node, encoded))
            values[at] = place[0]
            general = done[(key, code)] = tuple(values)
        out.append(general)
        places[CITIZENSHIP_UNKNOWN if place[0] == UNKNOWN else CITIZENSHIP_LEVELS[place[1]]] += 1
        place_levels[place[1]] += 1
    levels = tuple(
        (h.name, _level_name(h, level, places))
        for h, level in zip(HIERARCHIES, choice.node, strict=True)
    )
    return CtdcResult(
        mode="public",
        k=k,
        columns=COLUMNS,
        rows=tuple(sorted(out)),
        total=len(rows),
        suppressed=len(rows) - len(out),
        levels=levels,
        information=encoded.detail_kept(choice.node, place_levels) / len(rows),
        forms=form_counts(rows, kept_mask),
        citizenship=_citizenship_counts(places),
        minors=minor_counts(rows, kept_mask),
    )


def _level_name(hierarchy: Hierarchy, level: int, places: Counter[str]) -> str:
    if not hierarchy.local:
        return hierarchy.levels[level]
    shown_above_country = any(places[name] for name in CITIZENSHIP_LEVELS[1:])
    return LOCAL_LEVEL if shown_above_country else hierarchy.levels[0]


def _citizenship_counts(places: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(
        (name, places[name]) for name in (*CITIZENSHIP_LEVELS, CITIZENSHIP_UNKNOWN) if places[name]
    )


def _suppressed_only(rows: Sequence[Row], k: int) -> CtdcResult:
    counts = Counter(rows)
    kept_mask = [counts[row] >= k for row in rows]
    kept = [row for row, keep in zip(rows, kept_mask, strict=True) if keep]
    places = Counter(
        CITIZENSHIP_UNKNOWN if row[AT["citizenship"]] == UNKNOWN else "country" for row in kept
    )
    return CtdcResult(
        mode="public",
        k=k,
        columns=COLUMNS,
        rows=tuple(sorted(kept)),
        total=len(rows),
        suppressed=len(rows) - len(kept),
        levels=tuple((h.name, h.levels[0]) for h in HIERARCHIES),
        information=len(kept) / len(rows) if rows else 1.0,
        forms=form_counts(rows, kept_mask),
        citizenship=_citizenship_counts(places),
        minors=minor_counts(rows, kept_mask),
    )


def _generalised_row(row: Row, index: int, node: Node, encoded: _Encoded) -> Row:
    if not any(node):
        return row
    values = list(row)
    for h, (hierarchy, level) in enumerate(zip(HIERARCHIES, node, strict=True)):
        if hierarchy.local:
            continue
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
        forms=form_counts(rows, [True] * len(rows)),
        minors=minor_counts(rows, [True] * len(rows)),
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
    kept and at which k, the level per hierarchy, the information kept, and the rows kept per
    form of exploitation and of the minors, so a skew shows (public); and whether the file is
    encrypted (a plain full file is said to be so; a plain public file is meant to be
    published)."""
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
        if dict(result.levels).get("citizenship") == LOCAL_LEVEL:
            lines.append(t("exports.ctdc.region_note", lang))
        if result.forms:
            lines.append(t("exports.ctdc.forms", lang, forms=form_lines(result, lang)))
        kept, total = result.minors
        if total:
            lines.append(
                t(
                    "exports.ctdc.minors",
                    lang,
                    kept=kept,
                    total=total,
                    percent=_percent(kept, total),
                )
            )
        if result.total and not result.exported:
            lines.append(t("exports.ctdc.all_suppressed", lang, k=result.k))
    if not result.total:
        lines.append(t("exports.ctdc.nobody", lang))
    if encrypted:
        lines.append(t("exports.ctdc.encrypted", lang))
    elif result.mode == "full":
        lines.append(t("exports.ctdc.plain", lang))
    return lines


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 100


def form_lines(result: CtdcResult, lang: str | None = None) -> str:
    """ "sexual exploitation: 91 of 213 (43 %); forced labour ...: 595 of 644 (92 %)"."""
    return "; ".join(
        t(
            "exports.ctdc.form_item",
            lang,
            form=t(f"exports.ctdc.form.{count.form}", lang),
            kept=count.kept,
            total=count.total,
            percent=_percent(count.kept, count.total),
        )
        for count in result.forms
    )


def level_names(result: CtdcResult, lang: str | None = None) -> str:
    """ "age: minor or adult only; citizenship: per row, ... (country: 512 rows, ...); ...", in
    hierarchy order."""
    items = []
    for name, level in result.levels:
        text = t(f"exports.ctdc.level.{name}.{level}", lang)
        if name == "citizenship" and level == LOCAL_LEVEL and result.citizenship:
            counts = ", ".join(
                tn(
                    "exports.ctdc.citizenship_count",
                    rows,
                    lang,
                    level=t(f"exports.ctdc.citizenship_level.{place}", lang),
                )
                for place, rows in result.citizenship
            )
            text = f"{text} ({counts})"
        hierarchy = t(f"exports.ctdc.hierarchy.{name}", lang)
        items.append(t("exports.ctdc.level_item", lang, hierarchy=hierarchy, level=text))
    return "; ".join(items)


def summary_data(result: CtdcResult, name: str, *, encrypted: bool) -> dict[str, object]:
    """What ``summary`` says, for ``--json``: codes and numbers, no sentences."""
    kept, total = result.minors
    return {
        "mode": result.mode,
        "path": name,
        "encrypted": encrypted,
        "k": result.k,
        "total": result.total,
        "exported": result.exported,
        "suppressed": result.suppressed,
        "information": round(result.information, 4),
        "levels": dict(result.levels),
        "citizenship": dict(result.citizenship),
        "forms": [
            {"form": count.form, "kept": count.kept, "total": count.total} for count in result.forms
        ],
        "minors": {"kept": kept, "total": total},
    }
