"""The CTDC data dictionary the export is checked against: the columns of CTDC's k-anonymised
global victim dataset, in the file's order, with their codes, and where each was found.

Kept here, beside the tests, and not in the app: the export's own column list
(``fieldapp.exports.ctdc.COLUMNS``) must match this list, which was written down from the
sources below and not from the code.

Sources (checked 2026-12-06):

- The dataset: CTDC (IOM), "The Global Dataset", the k-anonymised download of 14 April 2020,
  https://www.ctdatacollaborative.org/sites/default/files/The%20Global%20Dataset%2014%20Apr%202020.csv
  Not downloaded here (no access to that site from this workplace): read through public
  analyses of that file and of the May 2020 download.
- The codebook named for it: "CTDC codebook v6_0",
  https://www.ctdatacollaborative.org/sites/default/files/CTDC%20codebook%20v6_0.pdf
  (the link given by github.com/nizamphoenix/human-trafficking, README.md at commit
  1234be0c10967f4443de283356099d528debe7b3). **Not read**: its definitions are not checked
  here, only the names and codes the data itself shows.
- The 63 column names and their order, and values seen in the data: the notebook
  github.com/nizamphoenix/human-trafficking, work.ipynb at commit
  0f7045f439201ff8f5453ac78b724285678d8eee (CTDC data of May 2020: shape (48801, 63); the
  first and last columns with rows such as 2002, "Case Management", "Female", "18--20",
  "Adult", "CO", recruiterRelation 0,0,0,0,1 where RecruiterRelationship is -99; the labels of
  meansOfControlConcatenated as they spill into later columns). The full list of 63 names in
  the same order is also in other public analyses of "The_Global_Dataset_Apr_2020.csv"
  (a Python column list and a PySpark schema found through the search index, whose
  repositories the index did not name).
- Values of typeOfExploitConcatenated ("Forced labour", "Sexual exploitation", "Other",
  "Forced marriage", "Slavery and similar practices", "Forced labour;Sexual exploitation;
  Combined sexual and labour exploitation"): a public analysis of the same dataset with
  renamed headers (search index, repository not named). ";" between concatenated values:
  every analysis above splits these columns on it.
- Not followed: CTDC's global *synthetic* dataset (v2024/v2025), whose codebook
  ("Codebook_CTDC_global_synthetic_data_v2025.pdf") has 27 variables, genders "Woman", "Man",
  "Trans/Transgender/NonConforming", alpha-3 countries and merged means of control
  (meansDebtBondageEarnings, meansThreats, meansAbusePsyPhySex, ...), as public code that reads
  it shows. The issue asks for the global dataset's columns, which that file does not have.
- Read for what the columns mean (checked 2026-12-06): that dataset's codebook v2024,
  "Codebook_CTDC_global_synthetic_data_v2024.pdf", from the copy in
  github.com/madiforman/CTDC_analysis, data/, at commit
  f60f7ad2b4d517fa46c0a1fb8f3048f26a6b9398. It defines typeOfLabourAgriculture (ISIC A01),
  Construction (F), DomesticWork (T) and Hospitality (I), but not Aquafarming or
  Transportation, which it no longer has; it lists which of the global dataset's means it
  merges (Appendix II); citizenship holds ISO codes only, "some countries of citizenship are
  suppressed", so there is no CTDC code for a region; it counts a form's share among those
  whose form is known (missing flags left out). The global dataset itself, in the May 2020
  notebook above, has typeOfLabour* missing where typeOfLabourConcatenated is too for most
  rows, and RecruiterRelationship -99 beside recruiterRelationUnknown 1.

``confirmed``: the spelling (and, where given, the codes) was seen in the sources above.
``False``: FieldApp's best reading, not seen; the README lists these too.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = (
    "CTDC global k-anonymised victim dataset, download of 14 April 2020 "
    "(https://www.ctdatacollaborative.org/sites/default/files/"
    "The%20Global%20Dataset%2014%20Apr%202020.csv), as read through public analyses; "
    "codebook v6.0 named but not read; checked 2026-12-06"
)
MISSING = "-99"
FLAG = frozenset({"0", "1", MISSING})


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    codes: frozenset[str] | None  # None: free within the rules of its note
    confirmed: bool
    note: str = ""


AGE_BANDS = frozenset(
    {"0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"}
)
MEANS = (
    ("DebtBondage", "Debt bondage", False),
    ("TakesEarnings", "Takes earnings", True),
    ("RestrictsFinancialAccess", "Restricts financial access", True),
    ("Threats", "Threats", True),
    ("PsychologicalAbuse", "Psychological abuse", True),
    ("PhysicalAbuse", "Physical abuse", True),
    ("SexualAbuse", "Sexual abuse", True),
    ("FalsePromises", "False promises", True),
    ("PsychoactiveSubstances", "Psychoactive substances", True),
    ("RestrictsMovement", "Restricts movement", True),
    ("RestrictsMedicalCare", "Restricts medical care", True),
    ("ExcessiveWorkingHours", "Excessive working hours", True),
    ("UsesChildren", "Uses children", True),
    ("ThreatOfLawEnforcement", "Threat of law enforcement", True),
    ("WithholdsNecessities", "Withholds necessities", True),
    ("WithholdsDocuments", "Withholds documents", True),
    ("Other", "Other", True),
)
EXPLOIT_LABELS = {
    "isForcedLabour": ("Forced labour", True),
    "isSexualExploit": ("Sexual exploitation", True),
    "isOtherExploit": ("Other", True),
    "isSexAndLabour": ("Combined sexual and labour exploitation", True),
    "isForcedMarriage": ("Forced marriage", True),
    "isForcedMilitary": ("Forced military", False),
    "isOrganRemoval": ("Organ removal", False),
    "isSlaveryAndPractices": ("Slavery and similar practices", True),
}
LABOUR = (
    "Agriculture",
    "Aquafarming",
    "Begging",
    "Construction",
    "DomesticWork",
    "Hospitality",
    "IllicitActivities",
    "Manufacturing",
    "MiningOrDrilling",
    "Peddling",
    "Transportation",
    "Other",
    "NotSpecified",
)
SEX = ("Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices")
RECRUITER = ("IntimatePartner", "Friend", "Family", "Other", "Unknown")


def _flags(prefix: str, names: tuple[str, ...]) -> list[Column]:
    return [Column(f"{prefix}{name}", FLAG, True) for name in names]


DICTIONARY: tuple[Column, ...] = (
    Column("yearOfRegistration", None, True, "a year, e.g. 2002"),
    Column(
        "Datasource",
        frozenset({"Case Management", "Hotline"}),
        True,
        '"Case Management" seen in the data; "Hotline" not seen here (unconfirmed)',
    ),
    Column(
        "gender",
        frozenset({"Female", "Male", MISSING}),
        True,
        "a code for other genders was not seen",
    ),
    Column("ageBroad", AGE_BANDS | {MISSING}, True),
    Column("majorityStatus", frozenset({"Adult", "Minor", MISSING}), True),
    Column("majorityStatusAtExploit", frozenset({"Adult", "Minor", MISSING}), True),
    Column("majorityEntry", frozenset({"Adult", "Minor", MISSING}), True),
    Column("citizenship", None, True, "ISO 3166 alpha-2, e.g. CO"),
    *_flags("meansOfControl", tuple(name for name, _, _ in MEANS)),
    Column("meansOfControlNotSpecified", FLAG, True),
    Column(
        "meansOfControlConcatenated",
        None,
        True,
        "labels of the means, ';' between them; 'Debt bondage' not seen (unconfirmed)",
    ),
    *(Column(name, FLAG, True) for name in EXPLOIT_LABELS),
    Column(
        "typeOfExploitConcatenated",
        None,
        True,
        "labels, ';' between them; 'Forced military' and 'Organ removal' not seen "
        "(unconfirmed), nor the order of labels other than the combination seen",
    ),
    *_flags("typeOfLabour", LABOUR),
    Column(
        "typeOfLabourConcatenated",
        None,
        False,
        "column name seen; its labels (e.g. 'Domestic work', 'Illicit activities') not seen",
    ),
    *_flags("typeOfSex", SEX),
    Column(
        "typeOfSexConcatenated",
        None,
        False,
        "column name seen; its labels (e.g. 'Prostitution') not seen",
    ),
    Column("isAbduction", FLAG, True),
    Column(
        "RecruiterRelationship",
        frozenset({"Unknown", MISSING}),
        False,
        "the label of the recruiterRelation flag set; 'Unknown' not seen (CTDC's 2020 file has "
        "-99 where recruiterRelationUnknown is 1)",
    ),
    Column("CountryOfExploitation", None, True, "ISO 3166 alpha-2"),
    *_flags("recruiterRelation", RECRUITER),
)
NAMES: tuple[str, ...] = tuple(column.name for column in DICTIONARY)
BY_NAME = {column.name: column for column in DICTIONARY}
UNCONFIRMED: tuple[str, ...] = tuple(column.name for column in DICTIONARY if not column.confirmed)
