"""The records an inspector keeps, as plain typed values. The store returns these, never rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a vault is for, fixed at creation."""

    FIELD = "field"
    COORDINATOR = "coordinator"


class Sector(StrEnum):
    AGRICULTURE = "agriculture"  # agriculture and horticulture (greenhouses)
    CONSTRUCTION = "construction"
    HOSPITALITY = "hospitality"
    CLEANING = "cleaning"
    CAR_WASH = "car_wash"
    NAIL_BEAUTY = "nail_beauty"
    LOGISTICS = "logistics"
    MEAT_PROCESSING = "meat_processing"
    DOMESTIC_WORK = "domestic_work"
    SEX_WORK_LICENSED = "sex_work_licensed"
    SEX_WORK_UNLICENSED = "sex_work_unlicensed"
    SHIPPING_FISHING = "shipping_fishing"
    OTHER = "other"


class VisitType(StrEnum):
    INSPECTION = "inspection"
    LICENCE_CHECK = "licence_check"
    JOINT_CHECK = "joint_check"
    FOLLOW_UP = "follow_up"
    OTHER = "other"


class VisitStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PersonRole(StrEnum):
    POSSIBLE_VICTIM = "possible_victim"
    POSSIBLE_EXPLOITER = "possible_exploiter"
    EMPLOYER_MANAGER = "employer_manager"
    WITNESS = "witness"
    OTHER = "other"


class Sex(StrEnum):
    FEMALE = "f"
    MALE = "m"
    OTHER = "x"
    UNKNOWN = "unknown"


class AgeBand(StrEnum):
    UNDER_12 = "0-11"
    TEEN_YOUNG = "12-15"
    TEEN_OLD = "16-17"
    YOUNG_ADULT = "18-24"
    ADULT = "25-39"
    MIDDLE = "40-59"
    OLDER = "60+"
    UNKNOWN = "unknown"


def band_for_age(age: int) -> AgeBand | None:
    """The band an age (in years) falls in; None for an age no person has."""
    if not 0 <= age <= 120:
        return None
    for band in AgeBand:
        low, _, high = band.value.partition("-")
        if band is not AgeBand.UNKNOWN and int(low.rstrip("+")) <= age <= int(high or 120):
            return band
    return None


class Consent(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_ASKED = "not_asked"


class B83Status(StrEnum):
    """Whether the reflection period (B8/3 Aliens Circular) was offered to a foreign national."""

    NOT_RECORDED = "not_recorded"
    OFFERED = "offered"
    DECLINED = "declined"  # offered, and the person declined
    NOT_OFFERED = "not_offered"


class PoliceReport(StrEnum):
    """Whether the person has made a report (aangifte) to the police: CoMensha registers it."""

    UNKNOWN = "unknown"
    MADE = "made"
    NOT_MADE = "not_made"


class ObservationStatus(StrEnum):
    OBSERVED = "observed"
    NOT_OBSERVED = "not_observed"
    UNKNOWN = "unknown"


class Evidence(StrEnum):
    SEEN = "seen"
    TOLD = "told"  # told by the person themself
    DOCUMENT = "document"
    THIRD_PARTY = "third_party"


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"
    QUEUED = "queued"
    SYNCED = "synced"


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """What every record carries for sync: who made it where, when, and which revision."""

    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None = None
    number: str | None = None
    postcode: str | None = None
    place: str | None = None

    def one_line(self) -> str:
        street = " ".join(part for part in (self.street, self.number) if part)
        town = " ".join(part for part in (self.postcode, self.place) if part)
        return ", ".join(part for part in (street, town) if part)


@dataclass(frozen=True, slots=True)
class Site:
    meta: RecordMeta
    name: str
    trade_name: str | None
    address: Address
    municipality: str | None
    kvk: str | None
    sector: Sector
    phones: tuple[str, ...] = ()
    plates: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    # Who placed the workers (an uitzendbureau) and where they are housed: the RIEC and the
    # investigators follow both, so they are fields, not words in a note.
    intermediary_name: str | None = None
    intermediary_kvk: str | None = None
    housing: Address = field(default_factory=Address)


@dataclass(frozen=True, slots=True)
class Visit:
    meta: RecordMeta
    site_uuid: str
    started_at: str
    ended_at: str | None
    type: VisitType
    agencies: tuple[str, ...]
    inspector: str | None
    status: VisitStatus
    notes: str | None


@dataclass(frozen=True, slots=True)
class Person:
    meta: RecordMeta
    visit_uuid: str
    label: str
    role: PersonRole
    sex: Sex
    age: int | None
    age_band: AgeBand | None
    minor: bool | None
    nationality: str | None
    languages: tuple[str, ...]
    interpreter: bool
    residence_status: str | None
    consent: Consent
    consent_date: str | None
    notes: str | None
    b83_status: B83Status = B83Status.NOT_RECORDED
    b83_date: str | None = None
    b83_by: str | None = None
    suspected_forms: tuple[str, ...] = ()  # forms the professional suspects (catalogue FORMS)
    professional_indication: bool = False  # the professional judges there is an indication
    # What a partner needs to reach and help the person (schema 8). Initials and date of
    # birth let CoMensha tell people apart across reporters; they leave the vault only with
    # consent or a mandatory reporter's duty (resources/referral/recipients.json).
    initials: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD
    safe_contact: str | None = None  # how to reach the person without endangering them
    whereabouts: str | None = None  # where the person is now
    safety: str | None = None  # threats, whether it is safe to go back
    care_needs: str | None = None  # shelter, medical care, interpreter, money, ...
    police_report: PoliceReport = PoliceReport.UNKNOWN


@dataclass(frozen=True, slots=True)
class Observation:
    meta: RecordMeta
    visit_uuid: str
    person_uuid: str | None  # None: applies to everyone at the visit
    indicator_id: str
    catalogue_version: str
    status: ObservationStatus
    evidence: Evidence | None
    note: str | None
    observed_at: str
    recorded_by: str | None
    past: bool = False  # happened before the visit: a signal, never an alarm now


@dataclass(frozen=True, slots=True)
class Attachment:
    meta: RecordMeta
    owner_kind: str
    owner_uuid: str
    file_name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Referral:
    meta: RecordMeta
    visit_uuid: str
    person_uuids: tuple[str, ...]
    recipient: str
    status: ReferralStatus
    document_uuid: str | None
    version: int = 1
    supersedes: str | None = None  # the earlier version this one replaces
    document_id: str | None = None  # printed on the document, e.g. FA-7K2M9QX4BD
    content_hash: str | None = None
    lang: str = "nl"
    urgency: str = "normal"
    reason: str | None = None  # the inspector's own words: why this partner, now
    # Set when the referral went to the care coordinator without recorded consent because
    # the person's vital interest required it (AVG art. 6(1)(d)): why, in the sender's words.
    vital_interest: str | None = None


@dataclass(frozen=True, slots=True)
class VisitSummary:
    """One row of the visits list: enough to show and sort, nothing more."""

    uuid: str
    started_at: str
    status: VisitStatus
    type: VisitType
    site_name: str
    place: str | None
    municipality: str | None
    sector: Sector
    person_count: int
    observed_count: int


@dataclass(frozen=True, slots=True)
class VisitDetail:
    visit: Visit
    site: Site
    persons: tuple[Person, ...] = field(default_factory=tuple)
    observations: tuple[Observation, ...] = field(default_factory=tuple)
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    referrals: tuple[Referral, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    record_kind: str
    record_uuid: str | None
    hash: str  # hex SHA-256 over the previous entry's hash and this entry
