"""The anonymised case export in the shape of the CTDC global dataset (IOM's Counter
Trafficking Data Collaborative, docs/DOMAIN.md section 7), made k-anonymous.

One row per possible victim in the vault, with the CTDC column names of the global
k-anonymised dataset (``yearOfRegistration``, ``gender``, ``ageBroad``, ``majorityStatus``,
``citizenship``, ``CountryOfExploitation``, ``meansOfControl*``, ``is*`` exploitation flags,
``typeOfLabour*``, ``typeOfSex*``, ``recruiterRelation*``). Its codes follow that dataset:
``Female``/``Male``, ``Adult``/``Minor``, age bands ``0--8`` ... ``48+``, ISO 3166 alpha-2
countries, flags 1/0, and ``-99`` for a value that is not known.

How each column is derived (the rules this module applies):

- ``yearOfRegistration``: the year of the visit at which the person was met.
- ``gender``: the recorded sex (``f``, ``m``); ``x`` and ``unknown`` are ``-99``.
- ``ageBroad``: from the age; without an age, from the age band only where the band lies
  inside one CTDC band (12-15 and 16-17 in ``9--17``, 60+ in ``48+``); else ``-99``.
- ``majorityStatus``: the minor flag, else the age or age band; else ``-99``.
- ``citizenship``: the nationality (ISO alpha-2), ``-99`` when not recorded.
- ``CountryOfExploitation``: ``NL`` (every visit is a Dutch site).
- ``meansOfControl*``: 1 when a signal carrying that CTDC means (the catalogue's ``ctdc``
  field, of the catalogue version the observation was made with) was *observed* for the
  person, or for everyone at the visit (unless the person's own record of that indicator says
  otherwise); 0 means "not recorded as observed", not "known to be absent".
  ``meansOfControlNotSpecified`` is 1 when none is.
- Exploitation flags from the engine's outcome per form (``person_outcomes``): a form counts
  when its outcome is ``signals_present`` or higher. Labour exploitation gives
  ``isForcedLabour``; sexual exploitation ``isSexualExploit``; both ``isSexAndLabour``;
  criminal exploitation counts as forced labour in illicit activities (CTDC places forced
  criminality under type of labour); organ removal ``isOrganRemoval``; forced marriage
  ``isForcedMarriage``; illegal adoption and exploitation of surrogacy (forms EU Directive
  2024/1712 added, with no CTDC flag of their own) ``isOtherExploit``. Only the forms the
  engine assessed the person for count (the forms in context).
- ``typeOfLabour*``: for labour exploitation, from the site's sector (agriculture,
  construction, domestic work, hospitality; meat processing as manufacturing); every other
  sector is ``typeOfLabourOther``. Criminal exploitation is ``typeOfLabourIllicitActivities``.
- ``typeOfSexProstitution``: for sexual exploitation at a sex-work site; other kinds of sexual
  exploitation are not recorded by FieldApp, so they are not exported.
- ``recruiterRelation*``: FieldApp does not record who recruited a person, so every row says
  ``recruiterRelationUnknown`` = 1; nothing is guessed.

Checked against published copies of the CTDC global dataset: the column names, the codes
``Female``/``Male``, ``Adult``/``Minor``, the nine age bands, alpha-2 citizenship, ``-99`` for
missing, and the recruiter-relation encoding (0,0,0,0,1 for unknown). Not confirmed against
CTDC's codebook: whether forced criminality belongs under forced labour (illicit activities)
or ``isOtherExploit``; whether CTDC counts a "signals present" person as a victim at all
(FieldApp exports every possible victim and leaves the judgement to the flags); the code for
a gender other than female or male (exported as ``-99``); and which CTDC type of labour
logistics, cleaning, car washes, beauty salons and shipping or fishing belong to (``Other``).
CTDC's 2024 synthetic dataset uses other names (merged means flags, alpha-3 countries,
``09--17``); this export follows the k-anonymised global dataset.

k-anonymity: every column is a quasi-identifier. A row whose combination of values is shared
by fewer than k rows is suppressed (left out), and the result says how many. Optionally,
before suppressing, whole columns are generalised to ``-99``, cumulatively (means of
control, then the age band, then citizenship, then the type of labour or sex): the shortest
run of these steps that keeps the most rows is used, and the result names the groups
generalised.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.atomic import write_atomic
from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.model import CTDC_MEANS, FORMS
from fieldapp.errors import FieldAppError
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

MEANS_COLUMNS = {
    flag: "meansOfControl" + "".join(word.capitalize() for word in flag.split("_"))
    for flag in CTDC_MEANS
}
MEANS_NOT_SPECIFIED = "meansOfControlNotSpecified"
LABOUR_TYPES = (
    "Agriculture",
    "Construction",
    "DomesticWork",
    "Hospitality",
    "IllicitActivities",
    "Manufacturing",
    "Other",
)
SECTOR_LABOUR_TYPE = {
    "agriculture": "Agriculture",
    "construction": "Construction",
    "domestic_work": "DomesticWork",
    "hospitality": "Hospitality",
    "meat_processing": "Manufacturing",
}
SEX_WORK_SECTORS = frozenset({"sex_work_licensed", "sex_work_unlicensed"})
RECRUITER_RELATIONS = ("IntimatePartner", "Friend", "Family", "Other", "Unknown")

DEMOGRAPHIC_COLUMNS = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
)
EXPLOITATION_COLUMNS = (
    "isForcedLabour",
    "isSexualExploit",
    "isSexAndLabour",
    "isOrganRemoval",
    "isForcedMarriage",
    "isOtherExploit",
)
OTHER_EXPLOIT_FORMS = frozenset({"illegal_adoption", "surrogacy"})
LABOUR_COLUMNS = tuple(f"typeOfLabour{name}" for name in LABOUR_TYPES)
SEX_COLUMNS = ("typeOfSexProstitution",)
RECRUITER_COLUMNS = tuple(f"recruiterRelation{name}" for name in RECRUITER_RELATIONS)
COLUMNS: tuple[str, ...] = (
    *DEMOGRAPHIC_COLUMNS,
    *MEANS_COLUMNS.values(),
    MEANS_NOT_SPECIFIED,
    *EXPLOITATION_COLUMNS,
    *LABOUR_COLUMNS,
    *SEX_COLUMNS,
    *RECRUITER_COLUMNS,
)
# Generalisation steps, in order: the column groups set to -99 for every row.
GENERALISATION_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("means_of_control", (*MEANS_COLUMNS.values(), MEANS_NOT_SPECIFIED)),
    ("age", ("ageBroad",)),
    ("citizenship", ("citizenship",)),
    ("type_of_exploitation", (*LABOUR_COLUMNS, *SEX_COLUMNS)),
)

Row = tuple[str, ...]


class ExportError(FieldAppError):
    key = "exports.error"


@dataclass(frozen=True, slots=True)
class CtdcResult:
    """What was exported and what was held back. ``rows`` are sorted, so the file's order says
    nothing about when or where anyone was met."""

    k: int
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: int
    suppressed: int
    generalised: tuple[str, ...] = field(default=())

    @property
    def exported(self) -> int:
        return len(self.rows)


def check_k(k: int) -> int:
    """k below 2 protects nobody; above MAX_K it would suppress every real dataset."""
    if not MIN_K <= k <= MAX_K:
        raise ExportError("exports.ctdc.bad_k", minimum=MIN_K, maximum=MAX_K, given=k)
    return k


# -- from the vault to plain rows ----------------------------------------------------------


def collect_rows(vault: VaultLike, *, refresh: bool = True) -> list[Row]:
    """One CTDC row per possible victim, before anonymisation. Refreshes the engine's
    outcomes first (``refresh``), so the exploitation flags match the recorded signals."""
    if refresh:
        refresh_outcomes(vault)
    store = ExportStore(vault)
    latest = load_catalogue()
    order = latest.rules.outcome_order
    counting = order[latest.rules.rank("signals_present") :]
    forms: dict[str, set[str]] = defaultdict(set)
    for person_uuid, form in store.forms_reaching(counting):
        forms[person_uuid].add(form)
    means: dict[str, set[str]] = defaultdict(set)
    flags_of = _MeansLookup()
    for person_uuid, version, indicator_id in store.observed_indicators():
        means[person_uuid].update(flags_of(version, indicator_id))
    return [
        ctdc_row(victim, forms.get(victim.person_uuid, set()), means.get(victim.person_uuid, set()))
        for victim in store.possible_victims()
    ]


class _MeansLookup:
    """The CTDC means of an indicator, per catalogue version (each loaded once)."""

    def __init__(self) -> None:
        self._catalogues: dict[str, Catalogue | None] = {}

    def __call__(self, version: str, indicator_id: str) -> tuple[str, ...]:
        if version not in self._catalogues:
            try:
                self._catalogues[version] = load_catalogue(version)
            except FieldAppError:  # a version not installed here: its means stay unknown
                self._catalogues[version] = None
        catalogue = self._catalogues[version]
        indicator = catalogue.get(indicator_id) if catalogue else None
        return indicator.ctdc if indicator else ()


def ctdc_row(victim: VictimRow, forms: Iterable[str], means: Iterable[str]) -> Row:
    """The CTDC values of one possible victim (see the module docstring for each rule)."""
    forms, means = set(forms), set(means)
    unknown_forms = forms - set(FORMS)
    if unknown_forms:
        raise ValueError(f"unknown forms: {sorted(unknown_forms)}")
    labour = bool(forms & {"labour", "criminal"})
    sexual = "sexual" in forms
    labour_types: set[str] = set()
    if "labour" in forms:
        labour_types.add(SECTOR_LABOUR_TYPE.get(victim.sector or "", "Other"))
    if "criminal" in forms:
        labour_types.add("IllicitActivities")
    means_flags = [_flag(flag in means) for flag in MEANS_COLUMNS]
    return (
        victim.visit_started_at[:4],
        GENDERS.get(victim.sex, UNKNOWN),
        age_group(victim.age, victim.age_band),
        majority_status(victim.minor, victim.age, victim.age_band),
        citizenship(victim.nationality),
        COUNTRY_OF_EXPLOITATION,
        *means_flags,
        _flag("1" not in means_flags),
        _flag(labour),
        _flag(sexual),
        _flag(labour and sexual),
        _flag("organ_removal" in forms),
        _flag("forced_marriage" in forms),
        _flag(bool(forms & OTHER_EXPLOIT_FORMS)),
        *(_flag(name in labour_types) for name in LABOUR_TYPES),
        _flag(sexual and victim.sector in SEX_WORK_SECTORS),
        *(_flag(name == "Unknown") for name in RECRUITER_RELATIONS),
    )


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


# -- k-anonymity -----------------------------------------------------------------------------


def suppress(rows: Sequence[Row], k: int) -> tuple[list[Row], int]:
    """The rows whose whole combination of values occurs at least k times, and how many were
    left out."""
    counts = Counter(rows)
    kept = [row for row in rows if counts[row] >= k]
    return kept, len(rows) - len(kept)


def generalise_column_groups(
    rows: Sequence[Row], k: int, columns: Sequence[str] = COLUMNS
) -> tuple[list[Row], tuple[str, ...]]:
    """The generalisation that keeps the most rows: the steps are applied cumulatively, in
    order, and the shortest prefix of them with the fewest suppressed rows wins (no step at all
    when nothing would be suppressed). Returns the rows and the names of the steps applied."""
    best_rows, best_steps = list(rows), 0
    _, best_suppressed = suppress(best_rows, k)
    current = best_rows
    for number, (_, group) in enumerate(GENERALISATION_STEPS, start=1):
        if best_suppressed == 0:
            break
        positions = [columns.index(column) for column in group]
        current = [_blank(row, positions) for row in current]
        _, suppressed = suppress(current, k)
        if suppressed < best_suppressed:
            best_rows, best_steps, best_suppressed = current, number, suppressed
    return best_rows, tuple(name for name, _ in GENERALISATION_STEPS[:best_steps])


def _blank(row: Row, positions: Sequence[int]) -> Row:
    values = list(row)
    for position in positions:
        values[position] = UNKNOWN
    return tuple(values)


def anonymise(rows: Sequence[Row], k: int = DEFAULT_K, *, generalise: bool = False) -> CtdcResult:
    """k-anonymise plain CTDC rows (pure: no vault, no file)."""
    check_k(k)
    applied: tuple[str, ...] = ()
    if generalise:
        rows, applied = generalise_column_groups(rows, k)
    kept, suppressed = suppress(rows, k)
    return CtdcResult(
        k=k,
        columns=COLUMNS,
        rows=tuple(sorted(kept)),
        total=len(rows),
        suppressed=suppressed,
        generalised=applied,
    )


# -- the file ----------------------------------------------------------------------------------


def csv_bytes(result: CtdcResult) -> bytes:
    """UTF-8 CSV, header first; every value is a code or a number, never free text."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return buffer.getvalue().encode("utf-8")


def write_csv(result: CtdcResult, target: Path) -> None:
    write_atomic(Path(target), csv_bytes(result))


def export_ctdc(
    vault: Vault, target: Path, k: int = DEFAULT_K, *, generalise: bool = False
) -> CtdcResult:
    """Collect, anonymise and write the CTDC file atomically; an audit entry records the
    export (never its content)."""
    check_k(k)
    result = anonymise(collect_rows(vault), k, generalise=generalise)
    write_csv(result, target)
    vault.record("export", "ctdc", None)
    return result
