"""The bundle format, ``fieldapp-bundle-v1``: what a field device sends its coordinator.

A bundle file is an age v1 file (X25519 recipients: the coordinator's key and its offline
recovery key; ChaCha20-Poly1305 STREAM in 64 KiB chunks; a header MAC), so any flipped,
missing or added byte fails decryption, and the Debian ``age`` CLI opens it with the recovery
key. Its plaintext::

    MAGIC | u32 len | manifest (canonical JSON) | u32 len | payload | Ed25519 signature (64)

    signature = Ed25519(device key, "fieldapp-bundle-v1\\0" || SHA-256(manifest))
    manifest  = the fields of :class:`Manifest` (defined there once; the README's list is
                tested against it)

The signature inside the encryption proves the sender (age does not); the recipients inside
the signed manifest stop a valid bundle from being re-encrypted to another coordinator. A
bundle's identity is ``bundle_sha256`` = SHA-256(manifest); ``prev_bundle_sha256`` chains a
device's bundles, so gaps and forks show. Integers are big-endian.

The payload is a sequence of frames ``tag (1 byte) | u32 len | body``:

    R  {"kind": K, "rows": [[value, ...], ...]}  records of kind K, columns as
                                                  ``RECORD_COLUMNS[K]``; audit entries as
                                                  kind "audit" (``AUDIT_COLUMNS``, hash hex)
    C  36-byte attachment uuid | content          the content of a live attachment above

Records are flat rows (no nesting); every value is a string, a whole number or null.

Every value passes the rule of the input that made it (issue 12): the visit-JSON rules per
stored column (:data:`fieldapp.visit_json.STORED_RULES`: moments, KvK, postcode, lengths,
lists), the enumerations below, and indicator ids known to the installed catalogue version the
observation names. A bad value refuses the bundle, naming kind, record and field. Text with
control or bidi override characters is cleaned as local input is (``validate.clean``), and
counted (``DecodedPayload.sanitised``), so the import report can say so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import msgspec

from fieldapp import validate
from fieldapp.catalogue.loader import available_versions, load_catalogue
from fieldapp.domain import (
    AgeBand,
    B83Status,
    Consent,
    Evidence,
    ObservationStatus,
    PersonRole,
    PoliceReport,
    ReferralStatus,
    Sector,
    Sex,
    VisitStatus,
    VisitType,
)
from fieldapp.errors import FieldAppError, ValidationError
from fieldapp.i18n import LANGUAGES
from fieldapp.referral.rules import RECIPIENTS
from fieldapp.store.store import ALLOWED_MEDIA_TYPES, MAX_ATTACHMENT_BYTES
from fieldapp.store.sync_store import AUDIT_COLUMNS, RECORD_COLUMNS, RECORD_KINDS
from fieldapp.sync import keys
from fieldapp.sync.canonical import canonical_bytes, load_bounded
from fieldapp.sync.errors import BundleRejected
from fieldapp.vault.audit import GENESIS
from fieldapp.visit_json import STORED_RULES, check_stored_rows

FORMAT = "fieldapp-bundle-v1"
MAGIC = b"FIELDAPP-BNDL-1\n"
SIGNATURE_CONTEXT = b"fieldapp-bundle-v1\x00"
SIGNATURE_BYTES = 64
BUNDLE_SUFFIX = ".fab"
AGE_INTRO = b"age-encryption.org/v1\n"
AGE_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
AGE_CHUNK = 64 * 1024
AGE_TAG = 16
AGE_NONCE = 16

# Limits, all checked before anything is decrypted or written.
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
MAX_PLAINTEXT_BYTES = MAX_BUNDLE_BYTES
MAX_PAYLOAD_BYTES = 256 * 1024 * 1024  # what an export puts in one bundle (before the cut)
MAX_HEADER_BYTES = 4096  # two X25519 stanzas and rage's grease take about 300
MAX_STANZAS = 8  # recipient stanzas of any type (rage adds one "grease" stanza)
MAX_X25519_STANZAS = 4  # each costs an X25519 operation to try; we write two
MAX_MANIFEST_BYTES = 64 * 1024
MAX_MANIFEST_DEPTH = 2
MAX_FRAME_JSON_BYTES = 8 * 1024 * 1024
MAX_ROWS_PER_FRAME = 10_000
MAX_RESENDS = 10_000
MAX_TEXT_CHARS = 1_000_000
MAX_REPLY_RECIPIENT_CHARS = 62  # "age1" and 58 characters of bech32
ROWS_PER_FRAME = 2_000  # what an export writes

_FRAME_HEAD = struct.Struct(">cI")
_U32 = struct.Struct(">I")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_FINGERPRINT = re.compile(r"\d{5}( \d{5}){11}")
_B64_ARG = re.compile(rb"[A-Za-z0-9+/]{43}")
_STANZA_ARG = re.compile(rb"[\x21-\x7e]+")

COUNT_KEYS = (*RECORD_KINDS, "audit", "content")


def _whole(pattern: re.Pattern[str]) -> str:
    """``pattern`` for a msgspec ``Meta``, which searches: anchored, so it matches whole."""
    return rf"\A(?:{pattern.pattern})\Z"


_UuidText = Annotated[str, msgspec.Meta(pattern=_whole(_UUID))]
_Hex64Text = Annotated[str, msgspec.Meta(pattern=_whole(_HEX64))]
_UtcText = Annotated[str, msgspec.Meta(pattern=_whole(_UTC))]
_FingerprintText = Annotated[str, msgspec.Meta(pattern=_whole(_FINGERPRINT))]
_Number = Annotated[int, msgspec.Meta(ge=1, lt=2**32)]
_Count = Annotated[int, msgspec.Meta(ge=0)]
if TYPE_CHECKING:
    ManifestCounts = msgspec.Struct
else:
    # One count per kind of record, and of audit entries and attachment contents: made from
    # COUNT_KEYS, so a new kind of record is counted without another list to keep in step.
    ManifestCounts = msgspec.defstruct(
        "ManifestCounts",
        [(name, _Count) for name in COUNT_KEYS],
        forbid_unknown_fields=True,
        frozen=True,
    )


class Manifest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """What a bundle says about itself, signed (README "Sync by file", tested against this):
    written by ``sync/export.py`` and checked on import by :func:`check_manifest`. Every field
    but ``reply_recipient`` is required; an unknown one refuses the bundle."""

    format: str  # FORMAT; another format has its own message (check_manifest)
    bundle_id: _UuidText
    device_id: _UuidText
    seq: _Number
    prev_bundle_sha256: _Hex64Text
    created_utc: _UtcText
    # The fingerprints of the age recipients: at most as many as the header may hold.
    recipients: Annotated[
        list[_FingerprintText], msgspec.Meta(min_length=1, max_length=MAX_X25519_STANZAS)
    ]
    coordinator: _FingerprintText  # the coordinator's card
    payload_sha256: _Hex64Text
    payload_bytes: _Number
    schema_version: _Number
    counts: ManifestCounts
    # Seqs of lost bundles whose records this one sends again: earlier seqs, ascending.
    resends: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1)]], msgspec.Meta(max_length=MAX_RESENDS)
    ]
    # The device's age recipient for replies (issue 16), learned by the coordinator under the
    # device's signature. Absent in bundles of releases before it (those still import), so
    # the one field that may be left out; when present, an age recipient or the bundle is
    # refused with its own reason (check_manifest).
    reply_recipient: (
        Annotated[str, msgspec.Meta(max_length=MAX_REPLY_RECIPIENT_CHARS)] | msgspec.UnsetType
    ) = msgspec.UNSET


# Per kind: column -> (value check, may be null). Value checks run column by column.
_TEXT, _INT, _UUID_T, _JSON_LIST, _HEX, _FILE_NAME = [
    "text",
    "int",
    "uuid",
    "jsonlist",
    "hex",
    "file",
]


def _enum(values: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(getattr(value, "value", value)) for value in values)


_RULES: dict[str, dict[str, tuple[Any, bool]]] = {
    "site": {
        "sector": (_enum(Sector), False),
        "phones": (_JSON_LIST, False),
        "plates": (_JSON_LIST, False),
        "handles": (_JSON_LIST, False),
        **{
            name: (_TEXT, True)
            for name in [
                "trade_name",
                "street",
                "number",
                "postcode",
                "place",
                "municipality",
                "kvk",
                "intermediary_name",
                "intermediary_kvk",
                "housing_street",
                "housing_number",
                "housing_postcode",
                "housing_place",
            ]
        },
        "name": (_TEXT, False),
    },
    "visit": {
        "site_uuid": (_UUID_T, False),
        "started_at": (_TEXT, False),
        "ended_at": (_TEXT, True),
        "type": (_enum(VisitType), False),
        "agencies": (_JSON_LIST, False),
        "inspector": (_TEXT, True),
        "status": (_enum(VisitStatus), False),
        "notes": (_TEXT, True),
    },
    "person": {
        "visit_uuid": (_UUID_T, False),
        "label": (_TEXT, False),
        "role": (_enum(PersonRole), False),
        "sex": (_enum(Sex), False),
        "age": (_INT, True),
        "age_band": (_enum(AgeBand), True),
        "minor": (frozenset({0, 1}), True),
        "nationality": (_TEXT, True),
        "languages": (_JSON_LIST, False),
        "interpreter": (frozenset({0, 1}), False),
        "residence_status": (_TEXT, True),
        "consent": (_enum(Consent), False),
        "consent_date": (_TEXT, True),
        "notes": (_TEXT, True),
        "b83_status": (_enum(B83Status), False),
        "b83_date": (_TEXT, True),
        "b83_by": (_TEXT, True),
        "suspected_forms": (_JSON_LIST, False),
        "professional_indication": (frozenset({0, 1}), False),
        **{
            name: (_TEXT, True)
            for name in ["initials", "birth_date", "safe_contact", "whereabouts", "safety"]
        },
        "care_needs": (_TEXT, True),
        "police_report": (_enum(PoliceReport), False),
    },
    "attachment": {
        "owner_kind": (_enum(("visit", "person", "observation", "site", "referral")), False),
        "owner_uuid": (_UUID_T, False),
        "file_name": (_FILE_NAME, False),
        "media_type": (frozenset(ALLOWED_MEDIA_TYPES), False),
        "size": (_INT, False),
        "sha256": (_HEX, False),
    },
    "observation": {
        "visit_uuid": (_UUID_T, False),
        "person_uuid": (_UUID_T, True),
        "indicator_id": (_TEXT, False),
        "catalogue_version": (_TEXT, False),
        "status": (_enum(ObservationStatus), False),
        "evidence": (_enum(Evidence), True),
        "note": (_TEXT, True),
        "observed_at": (_TEXT, False),
        "recorded_by": (_TEXT, True),
        "past": (frozenset({0, 1}), False),
    },
    "referral": {
        "visit_uuid": (_UUID_T, False),
        "person_uuids": (_JSON_LIST, False),
        "recipient": (_enum(RECIPIENTS), False),
        "status": (_enum(ReferralStatus), False),
        "document_uuid": (_UUID_T, True),
        "version": (_INT, False),
        "supersedes": (_UUID_T, True),
        "document_id": (_TEXT, True),
        "content_hash": (_TEXT, True),
        "lang": (_enum(LANGUAGES), False),
        "urgency": (_enum(("normal", "high", "immediate")), False),
        "reason": (_TEXT, True),
        "vital_interest": (_TEXT, True),
    },
}
_META_RULES = {
    "uuid": (_UUID_T, False),
    "created_at": (_TEXT, False),
    "updated_at": (_TEXT, False),
    "origin_device": (_UUID_T, False),
    "revision": (_INT, False),
    "deleted": (frozenset({0, 1}), False),
}
_AUDIT_RULES = {
    "seq": (_INT, False),
    "at": (_TEXT, False),
    "actor": (_TEXT, False),
    "action": (_TEXT, False),
    "record_kind": (_TEXT, False),
    "record_uuid": (_TEXT, True),
    "hash": (_HEX, False),
}
COLUMNS: dict[str, tuple[str, ...]] = {**RECORD_COLUMNS, "audit": AUDIT_COLUMNS}
# Columns added by a schema step, last in their rows, with the value a row from a device on an
# older schema gets: such a device's bundles still import (devices are updated one by one).
ADDED_COLUMNS: dict[int, dict[str, tuple[tuple[str, Any], ...]]] = {
    7: {
        "person": (("suspected_forms", "[]"), ("professional_indication", 0)),
        "observation": (("past", 0),),
    },
    8: {
        "site": tuple(
            (name, None)
            for name in (
                "intermediary_name",
                "intermediary_kvk",
                "housing_street",
                "housing_number",
                "housing_postcode",
                "housing_place",
            )
        ),
        "person": (
            *(
                (name, None)
                for name in (
                    "initials",
                    "birth_date",
                    "safe_contact",
                    "whereabouts",
                    "safety",
                    "care_needs",
                )
            ),
            ("police_report", "unknown"),
        ),
        "referral": (("reason", None), ("vital_interest", None)),
    },
}


def _rules(kind: str) -> list[tuple[Any, bool]]:
    if kind == "audit":
        return [_AUDIT_RULES[name] for name in AUDIT_COLUMNS]
    merged = {**_META_RULES, **_RULES[kind]}
    return [merged[name] for name in RECORD_COLUMNS[kind]]


# -- signatures and identity -------------------------------------------------------------


def signed_message(manifest_bytes: bytes) -> bytes:
    return SIGNATURE_CONTEXT + hashlib.sha256(manifest_bytes).digest()


def bundle_sha256(manifest_bytes: bytes) -> str:
    return hashlib.sha256(manifest_bytes).hexdigest()


def random_file_name() -> str:
    """26 random base-32 characters: no name, place or date on the stick."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(26)) + BUNDLE_SUFFIX


# -- the age header, read by us before anything is decrypted -----------------------------


@dataclass(frozen=True, slots=True)
class AgeHeader:
    length: int  # bytes up to and including the MAC line
    stanzas: int
    x25519: int


def parse_age_header(data: bytes) -> AgeHeader:
    """Check the age header's shape and count its recipient stanzas without any crypto. A
    flood of stanzas, an armored file, an unknown shape or an oversized header is refused."""
    if data.startswith(AGE_ARMOR):
        raise BundleRejected("sync.reject.armored")
    if not data.startswith(AGE_INTRO):
        raise BundleRejected("sync.reject.not_age")
    position = len(AGE_INTRO)
    stanzas = x25519 = 0
    while True:
        end = data.find(b"\n", position, MAX_HEADER_BYTES)
        if end < 0:
            raise BundleRejected("sync.reject.header_too_large", limit=MAX_HEADER_BYTES)
        line = data[position:end]
        position = end + 1
        if line.startswith(b"---"):
            if not (line.startswith(b"--- ") and _canonical_b64(line[4:], 32)):
                raise BundleRejected("sync.reject.bad_stanza")
            break
        if not line.startswith(b"-> "):
            raise BundleRejected("sync.reject.bad_stanza")
        stanzas += 1
        if stanzas > MAX_STANZAS:
            raise BundleRejected("sync.reject.too_many_recipients", limit=MAX_STANZAS)
        arguments = line[3:].split(b" ")
        if not all(_STANZA_ARG.fullmatch(argument) for argument in arguments):
            raise BundleRejected("sync.reject.bad_stanza")
        if arguments[0] == b"X25519":
            x25519 += 1
            if len(arguments) != 2 or not _canonical_b64(arguments[1], 32):
                raise BundleRejected("sync.reject.bad_stanza")
            if x25519 > MAX_X25519_STANZAS:
                raise BundleRejected("sync.reject.too_many_recipients", limit=MAX_X25519_STANZAS)
        # The body: base64 lines of 64 columns, ended by a shorter (possibly empty) line.
        while True:
            end = data.find(b"\n", position, MAX_HEADER_BYTES)
            if end < 0:
                raise BundleRejected("sync.reject.header_too_large", limit=MAX_HEADER_BYTES)
            body_line = data[position:end]
            position = end + 1
            if len(body_line) > 64:
                raise BundleRejected("sync.reject.bad_stanza")
            if len(body_line) < 64:
                break
    if x25519 == 0:
        raise BundleRejected("sync.reject.not_for_us")
    return AgeHeader(position, stanzas, x25519)


def _canonical_b64(text: bytes, size: int) -> bool:
    """Unpadded base64 of exactly ``size`` bytes, in its one canonical spelling."""
    if not _B64_ARG.fullmatch(text):
        return False
    decoded = base64.b64decode(text + b"=")
    return len(decoded) == size and base64.b64encode(decoded).rstrip(b"=") == text


def max_plaintext_size(file_size: int, header_length: int) -> int:
    """The plaintext size the STREAM part can hold: every 64 KiB chunk carries a 16-byte tag."""
    body = file_size - header_length - AGE_NONCE
    if body < AGE_TAG:
        raise BundleRejected("sync.reject.damaged")
    chunks = -(-body // (AGE_CHUNK + AGE_TAG))
    return body - chunks * AGE_TAG


# -- the manifest --------------------------------------------------------------------------


def check_manifest(manifest: Any) -> dict[str, Any]:
    """Every field of :class:`Manifest` present, of its type and form; nothing else. Returns
    ``manifest`` itself (the import keeps the parsed dict)."""
    if not isinstance(manifest, dict):
        raise BundleRejected("sync.reject.manifest")
    if "reply_recipient" in manifest and not _is_reply_recipient(manifest["reply_recipient"]):
        raise BundleRejected("sync.reject.reply_recipient")
    try:
        checked = msgspec.convert(manifest, Manifest, strict=True)
    except msgspec.ValidationError:
        raise BundleRejected("sync.reject.manifest") from None
    if checked.format != FORMAT:
        raise BundleRejected("sync.reject.format")
    resends = checked.resends
    if resends != sorted(set(resends)) or (resends and resends[-1] >= checked.seq):
        raise BundleRejected("sync.reject.manifest")
    return manifest


def _is_reply_recipient(value: Any) -> bool:
    """An age X25519 recipient, of bounded length before the pattern or pyrage sees it."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_REPLY_RECIPIENT_CHARS
        and keys.is_age_recipient(value)
    )


def encode_manifest(manifest: Manifest) -> bytes:
    """The bytes that are signed and hashed: canonical JSON of the manifest's fields."""
    return canonical_bytes(msgspec.to_builtins(manifest))


# -- the payload ---------------------------------------------------------------------------


class PayloadBuilder:
    """Frames in memory, hashed as they are added."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self._hash = hashlib.sha256()
        self.counts = dict.fromkeys(COUNT_KEYS, 0)

    def _frame(self, tag: bytes, body: bytes) -> None:
        head = _FRAME_HEAD.pack(tag, len(body))
        for part in (head, body):
            self.chunks.append(part)
            self._hash.update(part)
            self.size += len(part)

    def add_rows(self, kind: str, rows: list[list[Any]] | list[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), ROWS_PER_FRAME):
            batch = rows[start : start + ROWS_PER_FRAME]
            body = canonical_bytes({"kind": kind, "rows": batch})
            self._frame(b"R", body)
        self.counts[kind] += len(rows)

    def add_content(self, attachment_uuid: str, content: bytes) -> None:
        self._frame(b"C", attachment_uuid.encode("ascii") + content)
        self.counts["content"] += 1

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


@dataclass(slots=True)
class DecodedPayload:
    records: dict[str, list[list[Any]]] = field(default_factory=dict)
    contents: dict[str, bytes | memoryview] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    sanitised: int = 0  # text values cleaned of control or bidi override characters


def _check_columns(kind: str, rows: list[Any], device_id: str, *, typed: bool = False) -> int:
    """Shape and every value of a frame's rows, a column at a time, each check one pass in C
    (the pattern checks run once over a column's values joined by newlines, which no valid
    value holds). ``typed``: shapes, types, enums, lengths and ranges were checked already
    by the frame decoder (:data:`_FRAME_DECODER`); the rest is checked here. Then the rules
    of local input (:func:`_check_values`), which may clean texts in ``rows`` in place;
    returns how many values were cleaned."""
    width = len(COLUMNS[kind])
    if not typed and (set(map(type, rows)) != {list} or set(map(len, rows)) != {width}):
        raise BundleRejected("sync.reject.records", kind=kind)
    names = COLUMNS[kind]
    columns = list(zip(*rows, strict=True))
    presents: dict[str, list[Any] | tuple[Any, ...]] = {}  # the values that are not None
    for name, values, (rule, nullable) in zip(names, columns, _rules(kind), strict=True):
        if isinstance(rule, frozenset):
            # Plain str or int only (a list is unhashable, and True would pass as 1).
            if not typed and not (
                set(map(type, values)) <= {str, int, type(None)}
                and set(values) <= (rule | {None} if nullable else rule)
            ):
                raise BundleRejected("sync.reject.records", kind=kind)
            continue
        wanted = int if rule == _INT else str
        if not typed:
            types = set(map(type, values))
            if nullable:
                types.discard(type(None))
            if not types <= {wanted}:
                raise BundleRejected("sync.reject.records", kind=kind)
        present = [value for value in values if value is not None] if nullable else values
        presents[name] = present
        if not present:
            continue
        ok = True
        if not typed:
            if wanted is int:
                ok = min(present) > -(2**53) and max(present) < 2**53
            else:
                ok = max(map(len, present)) <= MAX_TEXT_CHARS
        pattern = _COLUMN_PATTERNS.get(rule)
        if ok and pattern is not None:
            ok = pattern.fullmatch("\n".join(present)) is not None
        if ok and rule == _JSON_LIST:
            ok = all(map(_is_text_list, present))
        if not ok:
            raise BundleRejected("sync.reject.records", kind=kind)
        if name == "origin_device" and set(values) != {device_id}:
            raise BundleRejected("sync.reject.foreign_record", kind=kind)
        if name == "revision" and min(values) < 1:
            raise BundleRejected("sync.reject.records", kind=kind)
    return _check_values(kind, rows, columns, presents)


# Per kind, checks of stored values beyond STORED_RULES (which holds the visit-JSON ones).
_MOMENT_COLUMNS = ("created_at", "updated_at")
_DOCUMENT_ID = re.compile(r"FA-[0-9A-Z]{1,32}")  # made by referral.build.new_document_id
_MORE_RULES: dict[str, dict[str, Any]] = {
    "attachment": {
        "size": lambda values, live, present: validate.stored_numbers(
            values, 0, MAX_ATTACHMENT_BYTES, "validation.too_large_attachment", present
        ),
    },
    "referral": {
        "person_uuids": lambda values, live, present: validate.stored_list(
            values, _uuid_item, MAX_REFERRAL_PERSONS, distinct=True
        ),
        "version": lambda values, live, present: validate.stored_numbers(
            values, 1, 2**31, "validation.version", present
        ),
        "document_id": lambda values, live, present: validate.stored_pattern(
            values, _DOCUMENT_ID, "validation.document_id"
        ),
        "content_hash": lambda values, live, present: validate.stored_pattern(
            values, _HEX64, "validation.hash"
        ),
    },
    # The device's audit entries are hashed along their chain: they are never cleaned, only
    # refused when they hold what no entry written by FieldApp holds.
    "audit": {
        "at": lambda values, live, present: validate.stored_moments(
            values, in_range=False, present=present
        ),
        **{
            name: lambda values, live, present: _never_cleaned(values, present)
            for name in ("actor", "action", "record_kind")
        },
    },
}
MAX_REFERRAL_PERSONS = 200  # a visit holds at most that many (README "Visit JSON")


def _uuid_item(value: Any, field: str) -> str:
    if not _UUID.fullmatch(value):
        raise ValidationError(field, "validation.uuid")
    return str(value)


def _never_cleaned(values: tuple[Any, ...], present: Any) -> None:
    if validate.stored_text(values, 200, present=present):
        raise validate.ColumnError(
            validate._first(values, lambda value: validate.NOT_CLEAN.search(value) is not None),
            "validation.control_chars",
        )


def _check_values(
    kind: str,
    rows: list[Any],
    columns: list[tuple[Any, ...]],
    presents: dict[str, list[Any] | tuple[Any, ...]],
) -> int:
    """Each column by the rule of the input that made it; between columns (a visit ends
    after it starts); observations against the catalogue. Cleans texts in place."""
    names = COLUMNS[kind]
    live: list[bool] = []
    if kind != "audit":
        live = [not deleted for deleted in columns[names.index("deleted")]]
    rules = {**STORED_RULES.get(kind, {}), **_MORE_RULES.get(kind, {})}
    if kind != "audit":
        for name in _MOMENT_COLUMNS:
            rules[name] = lambda values, live, present: validate.stored_moments(
                values, in_range=False, present=present
            )
    cleaned = 0
    try:
        for name, rule in rules.items():
            at = names.index(name)
            try:
                replacements = rule(columns[at], live, presents.get(name))
            except validate.ColumnError as error:
                error.column = error.column or name
                raise
            for index, value in (replacements or {}).items():
                row = list(rows[index])
                row[at] = value
                rows[index] = row if isinstance(rows[index], list) else tuple(row)
                cleaned += 1
            if replacements:
                columns[at] = tuple(row[at] for row in rows)
        if kind in ("visit", "person"):
            check_stored_rows(kind, names, rows)
        if kind == "observation":
            _check_indicators(
                columns[names.index("catalogue_version")], columns[names.index("indicator_id")]
            )
    except validate.ColumnError as error:
        raise _invalid(kind, rows, error) from None
    return cleaned


def check_outgoing(kind: str, rows: list[Any], device_id: str) -> list[list[Any]]:
    """The rows a device is about to send, through the checks its coordinator's import runs
    (values stored before a check existed may fail them): as lists, texts cleaned the way the
    import cleans them. Raises ``BundleRejected`` naming the record and field, so the device
    can say so before anything leaves."""
    checked = [list(row) for row in rows]
    _check_columns(kind, checked, device_id)
    return checked


def _invalid(kind: str, rows: list[Any], error: validate.ColumnError) -> BundleRejected:
    record = rows[error.index][0]
    return BundleRejected(
        "sync.reject.invalid_value",
        kind=kind,
        kind_name=FieldAppError(f"sync.kind.{kind}"),
        record=record,
        field=error.column,
        problem=FieldAppError(error.problem, **error.params),
    )


def _installed_catalogues() -> frozenset[str]:
    """The catalogue versions this program knows: shipped with it, or installed from a
    coordinator's reply (a coordinator has every version it published)."""
    return frozenset(available_versions())


def _check_indicators(versions: tuple[Any, ...], indicators: tuple[Any, ...]) -> None:
    """Each observation's indicator is in the catalogue version it names, installed here (a
    device on a newer catalogue than this coordinator: update FieldApp here first)."""
    named = set(versions)
    installed = _installed_catalogues()
    for version in named - installed:
        raise validate.ColumnError(
            versions.index(version),
            "validation.catalogue_unknown",
            "catalogue_version",
            version=version,
        )
    known = {version: load_catalogue(version).indicators for version in named}
    if len(named) == 1:
        (version,) = named
        unknown = set(indicators) - known[version].keys()
        pairs = {(version, indicator) for indicator in unknown}
    else:
        pairs = {
            (version, indicator)
            for version, indicator in set(zip(versions, indicators, strict=True))
            if indicator not in known[version]
        }
    if pairs:
        index = next(
            index
            for index, pair in enumerate(zip(versions, indicators, strict=True))
            if pair in pairs
        )
        raise validate.ColumnError(
            index, "validation.indicator_unknown", "indicator_id", version=versions[index]
        )


def _value_type(rule: Any, nullable: bool) -> Any:
    """The msgspec type of one column: what ``_check_columns(typed=False)`` checks by hand."""
    if isinstance(rule, frozenset):
        base: Any = Literal[tuple(sorted(rule, key=str))]
    elif rule == _INT:
        base = Annotated[int, msgspec.Meta(gt=-(2**53), lt=2**53)]
    else:
        base = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
    return base | None if nullable else base


def _frame_types() -> dict[type, str]:
    frames: dict[type, str] = {}
    for kind in COLUMNS:
        # Types made at run time, one column type per place in the row.
        row = tuple.__class_getitem__(tuple(_value_type(*rule) for rule in _rules(kind)))
        rows: Any = Annotated[
            list.__class_getitem__(row), msgspec.Meta(min_length=1, max_length=MAX_ROWS_PER_FRAME)
        ]
        frame = msgspec.defstruct(
            f"Frame_{kind}",
            [("rows", rows)],
            tag_field="kind",
            tag=kind,
            forbid_unknown_fields=True,
        )
        frames[frame] = kind
    return frames


_FRAME_KINDS = _frame_types()
# Decodes a frame and checks every value's type, enum, length and range in C (the import's
# hot path: 100k rows in a fraction of the time json + Python checks take). Only a frame that
# decodes and re-encodes to its exact bytes (canonical, so no duplicate keys) takes this path;
# any other goes through the checks by hand, which name what is wrong.
_FRAME_DECODER = msgspec.json.Decoder(Union[tuple(_FRAME_KINDS)])  # noqa: UP007
_FRAME_ENCODER = msgspec.json.Encoder()


def _decode_frame(raw: bytes, device_id: str) -> tuple[str, list[Any]]:
    """(kind, rows) of a record frame, every value checked (texts cleaned in the rows)."""
    kind, rows, _ = _decode_frame_counted(raw, device_id)
    return kind, rows


def _decode_frame_by_hand(
    raw: bytes, device_id: str, padding: dict[str, tuple[Any, ...]] | None = None
) -> tuple[str, list[Any]]:
    kind, rows, _ = _decode_frame_by_hand_counted(raw, device_id, padding)
    return kind, rows


def _decode_frame_counted(raw: bytes, device_id: str) -> tuple[str, list[Any], int]:
    """(kind, rows, texts cleaned) of a record frame, every value checked."""
    if len(raw) > MAX_FRAME_JSON_BYTES:
        raise BundleRejected(
            "sync.reject.json_too_large", size=len(raw), limit=MAX_FRAME_JSON_BYTES
        )
    try:
        frame = _FRAME_DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        frame = None
    if frame is not None and _FRAME_ENCODER.encode(frame) == raw:
        kind = _FRAME_KINDS[type(frame)]
        cleaned = _check_columns(kind, frame.rows, device_id, typed=True)
        return kind, frame.rows, cleaned
    return _decode_frame_by_hand_counted(raw, device_id)


def _decode_frame_by_hand_counted(
    raw: bytes, device_id: str, padding: dict[str, tuple[Any, ...]] | None = None
) -> tuple[str, list[Any], int]:
    """The same checks, in Python, each failure with its own reason. ``padding``: a frame
    from a device on an older schema, whose rows of the older width get the added columns'
    values before every check of the current format runs on them."""
    parsed = load_bounded(raw, max_bytes=MAX_FRAME_JSON_BYTES, max_depth=None)
    if not isinstance(parsed, dict) or set(parsed) != {"kind", "rows"}:
        raise BundleRejected("sync.reject.format")
    kind, rows = parsed["kind"], parsed["rows"]
    if kind not in COLUMNS:
        raise BundleRejected("sync.reject.unknown_kind")
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_ROWS_PER_FRAME:
        raise BundleRejected("sync.reject.format")
    extra = (padding or {}).get(kind, ())
    if extra:
        older = len(COLUMNS[kind]) - len(extra)
        if any(not isinstance(row, list) or len(row) != older for row in rows):
            raise BundleRejected("sync.reject.records", kind=kind)
        rows = [[*row, *extra] for row in rows]
    cleaned = _check_columns(kind, rows, device_id)
    return kind, rows, cleaned


_UUID_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_COLUMN_PATTERNS = {
    _UUID_T: re.compile(rf"{_UUID_TEXT}(?:\n{_UUID_TEXT})*"),
    _HEX: re.compile(r"[0-9a-f]{64}(?:\n[0-9a-f]{64})*"),
    # A tombstone's file name is empty; no folders, control characters or hidden names.
    _FILE_NAME: re.compile(
        r"(?:(?![.\s])[^\x00-\x1f\x7f/\\:*?\"<>|]{0,254}(?<!\s))?"
        r"(?:\n(?:(?![.\s])[^\x00-\x1f\x7f/\\:*?\"<>|]{0,254}(?<!\s))?)*"
    ),
}


def _is_text_list(value: str) -> bool:
    if value == "[]":
        return True
    if not value.startswith("[") or len(value) > 100_000:
        return False
    try:
        items = json.loads(value)
    except ValueError:
        return False
    return isinstance(items, list) and all(isinstance(item, str) for item in items)


def _padding(schema_version: int) -> dict[str, tuple[Any, ...]]:
    """Per kind, the values to append to the rows of a bundle made on ``schema_version``."""
    padding: dict[str, tuple[Any, ...]] = {}
    for step in sorted(ADDED_COLUMNS):
        if step > schema_version:
            for kind, columns in ADDED_COLUMNS[step].items():
                padding[kind] = padding.get(kind, ()) + tuple(value for _, value in columns)
    return padding


def decode_payload(
    payload: memoryview | bytes, device_id: str, schema_version: int | None = None
) -> DecodedPayload:
    """Parse and check every frame; the records are returned as rows ready to write.
    ``schema_version``: the sender's (from the manifest); older rows are padded."""
    padding = _padding(schema_version) if schema_version is not None else {}
    decoded = DecodedPayload()
    view = memoryview(payload)
    position, end = 0, len(view)
    seen: dict[str, set[str]] = {}
    awaiting_content: dict[str, tuple[int, str]] = {}  # live attachment uuid -> (size, sha256)
    while position < end:
        if end - position < _FRAME_HEAD.size:
            raise BundleRejected("sync.reject.format")
        tag, length = _FRAME_HEAD.unpack_from(view, position)
        position += _FRAME_HEAD.size
        if length > end - position:
            raise BundleRejected("sync.reject.format")
        body = view[position : position + length]
        position += length
        if tag == b"R":
            if padding:
                kind, rows, cleaned = _decode_frame_by_hand_counted(bytes(body), device_id, padding)
            else:
                kind, rows, cleaned = _decode_frame_counted(bytes(body), device_id)
            decoded.sanitised += cleaned
            ids = seen.setdefault(kind, set())
            key_at = 0
            before = len(ids)
            ids.update(row[key_at] for row in rows)
            if len(ids) != before + len(rows):
                raise BundleRejected("sync.reject.duplicate_record", kind=kind)
            decoded.records.setdefault(kind, []).extend(rows)
            decoded.counts[kind] += len(rows)
            if kind == "attachment":
                columns = COLUMNS["attachment"]
                deleted_at, size_at = columns.index("deleted"), columns.index("size")
                sha_at = columns.index("sha256")
                for row in rows:
                    if not row[deleted_at]:
                        awaiting_content[row[0]] = (row[size_at], row[sha_at])
        elif tag == b"C":
            if length < 36:
                raise BundleRejected("sync.reject.format")
            attachment_uuid = bytes(body[:36]).decode("ascii", "replace")
            expected = awaiting_content.pop(attachment_uuid, None)
            content = body[36:]  # a view into the plaintext: attachments are not copied
            if expected is None or len(content) > MAX_ATTACHMENT_BYTES:
                raise BundleRejected("sync.reject.content")
            if len(content) != expected[0] or hashlib.sha256(content).hexdigest() != expected[1]:
                raise BundleRejected("sync.reject.content")
            decoded.contents[attachment_uuid] = content
            decoded.counts["content"] += 1
        else:
            raise BundleRejected("sync.reject.format")
    if awaiting_content:
        raise BundleRejected("sync.reject.content")
    return decoded


# -- the plaintext -------------------------------------------------------------------------


def plaintext_parts(
    manifest_bytes: bytes, payload: PayloadBuilder, signature: bytes
) -> Iterator[bytes]:
    yield MAGIC
    yield _U32.pack(len(manifest_bytes))
    yield manifest_bytes
    yield _U32.pack(payload.size)
    yield from payload.chunks
    yield signature


def plaintext_size(manifest_bytes: bytes, payload: PayloadBuilder) -> int:
    return len(MAGIC) + 4 + len(manifest_bytes) + 4 + payload.size + SIGNATURE_BYTES


@dataclass(frozen=True, slots=True)
class Opened:
    """The parts of a decrypted plaintext, before any check of their meaning."""

    manifest_bytes: bytes
    payload: memoryview
    signature: bytes


def split_plaintext(plaintext: bytes | memoryview, magic: bytes = MAGIC) -> Opened:
    """The layout bundles and replies share; ``magic`` tells them apart."""
    view = memoryview(plaintext)
    if len(view) < len(magic) + 8 + SIGNATURE_BYTES or bytes(view[: len(magic)]) != magic:
        raise BundleRejected("sync.reject.format")
    position = len(magic)
    (manifest_length,) = _U32.unpack_from(view, position)
    position += 4
    if manifest_length > MAX_MANIFEST_BYTES:
        raise BundleRejected(
            "sync.reject.json_too_large", size=manifest_length, limit=MAX_MANIFEST_BYTES
        )
    if position + manifest_length + 4 + SIGNATURE_BYTES > len(view):
        raise BundleRejected("sync.reject.format")
    manifest_bytes = bytes(view[position : position + manifest_length])
    position += manifest_length
    (payload_length,) = _U32.unpack_from(view, position)
    position += 4
    if position + payload_length + SIGNATURE_BYTES != len(view):
        raise BundleRejected("sync.reject.format")
    payload = view[position : position + payload_length]
    signature = bytes(view[position + payload_length :])
    return Opened(manifest_bytes, payload, signature)


def parse_manifest(manifest_bytes: bytes) -> dict[str, Any]:
    manifest = load_bounded(
        manifest_bytes, max_bytes=MAX_MANIFEST_BYTES, max_depth=MAX_MANIFEST_DEPTH
    )
    if canonical_bytes(manifest) != manifest_bytes:
        raise BundleRejected("sync.reject.manifest")
    return check_manifest(manifest)


@dataclass(frozen=True, slots=True)
class VerifiedBundle:
    """A bundle that passed every check: ready for one transaction."""

    manifest: dict[str, Any]
    bundle_sha256: str
    records: dict[str, list[list[Any]]]
    contents: dict[str, bytes | memoryview]
    file_size: int
    sanitised: int = 0  # text values cleaned of control or bidi override characters

    @property
    def device_id(self) -> str:
        return str(self.manifest["device_id"])

    @property
    def seq(self) -> int:
        return int(self.manifest["seq"])


def verify_audit_chain(rows: list[list[Any]], previous_hash: str | None) -> bool:
    """The entries follow each other (consecutive seq, each hash over the one before); the
    first links to ``previous_hash`` when the coordinator holds the entry before it."""
    rows = sorted(rows, key=itemgetter(0))
    if not rows:
        return True
    expected_seq = rows[0][0]
    if expected_seq == 1:
        prev = GENESIS
    elif previous_hash:
        prev = bytes.fromhex(previous_hash)
    else:  # the first entry cannot be checked: it starts the chain here
        prev = bytes.fromhex(rows[0][6])
        rows = rows[1:]
        expected_seq += 1
    # audit.entry_hash, inlined (100k entries in a big bundle): every import of a real bundle
    # checks entries that audit.entry_hash made, so the two cannot drift apart unnoticed.
    sha256, separator = hashlib.sha256, "\x1f"
    for seq, at, actor, action, kind, uuid, digest in rows:
        if seq != expected_seq:
            return False
        material = separator.join((str(seq), at, actor, action, kind, uuid or ""))
        prev = sha256(prev + material.encode("utf-8")).digest()
        if prev.hex() != digest:
            return False
        expected_seq += 1
    return True


def fingerprints_for(age_recipients: Iterable[str]) -> list[str]:
    return [keys.recipient_fingerprint(recipient) for recipient in age_recipients]
