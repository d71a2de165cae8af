"""The fast frame decoder (msgspec, types checked in C) accepts exactly what the checks by hand
accept, with the same rows; anything else goes to the checks by hand and their reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.sync import bundle
from fieldapp.sync.canonical import canonical_bytes
from fieldapp.sync.errors import BundleRejected

DEVICE = "01900000-0000-7000-8000-0000000000aa"
VISIT = "01900000-0000-7000-8000-0000000000bb"


def _observation(index: int) -> list[Any]:
    values = {
        "uuid": f"01900000-0000-7000-8000-{index:012x}",
        "created_at": "2026-11-28T10:00:00Z",
        "updated_at": "2026-11-28T10:00:00Z",
        "origin_device": DEVICE,
        "revision": 1,
        "deleted": 0,
        "visit_uuid": VISIT,
        "person_uuid": None,
        "indicator_id": "ILO-CD-01",  # in catalogue 2026.1 (an unknown id is refused)
        "catalogue_version": "2026.1",
        "status": "observed",
        "evidence": None,
        "note": f"notitie {index} é",
        "observed_at": "2026-11-28T10:00:00Z",
        "recorded_by": None,
        "past": 0,
    }
    return [values[name] for name in bundle.COLUMNS["observation"]]


def _outcome(decode: Any, raw: bytes) -> Any:
    try:
        kind, rows = decode(raw, DEVICE)
    except BundleRejected as rejection:
        return ("rejected", rejection.reason)
    return (kind, [list(row) for row in rows])


def _both(raw: bytes) -> tuple[Any, Any]:
    return _outcome(bundle._decode_frame, raw), _outcome(bundle._decode_frame_by_hand, raw)


def test_a_canonical_frame_decodes_to_the_rows_it_holds() -> None:
    rows = [_observation(i) for i in range(3)]
    raw = canonical_bytes({"kind": "observation", "rows": rows})
    fast, by_hand = _both(raw)
    assert fast == by_hand == ("observation", rows)
    # ... and it took the fast path: the typed decoder reads it and writes the same bytes.
    assert bundle._FRAME_ENCODER.encode(bundle._FRAME_DECODER.decode(raw)) == raw


def test_a_frame_with_the_same_content_in_another_spelling_is_still_read() -> None:
    rows = [_observation(i) for i in range(2)]
    spaced = json.dumps({"rows": rows, "kind": "observation"}, indent=1).encode()
    assert _both(spaced)[0] == ("observation", rows)


def test_a_duplicate_key_is_refused_although_the_fast_decoder_would_take_the_last() -> None:
    row = json.dumps([_observation(1)])
    raw = f'{{"kind":"observation","rows":{row},"rows":{row}}}'.encode()
    fast, by_hand = _both(raw)
    assert fast == by_hand == ("rejected", "json_invalid")


MUTANTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["observed", "not_observed", "", "seen", VISIT, DEVICE.upper()]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(column=st.integers(min_value=0, max_value=14), value=MUTANTS, extra=st.booleans())
def test_any_changed_value_gets_the_same_verdict_either_way(
    column: int, value: Any, extra: bool
) -> None:
    rows = [_observation(i) for i in range(3)]
    rows[1][column] = value
    if extra:
        rows[2].append(value)
    fast, by_hand = _both(canonical_bytes({"kind": "observation", "rows": rows}))
    assert fast == by_hand


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind":"observation","rows":[]}',
        b'{"kind":"nothing","rows":[[1]]}',
        b'{"kind":"observation"}',
        b'{"kind":"observation","rows":[[1]],"more":1}',
        b"[]",
        b'{"kind":"observation","rows":[["\\ud800"]]}',
        b"\xff\xfe",
    ],
)
def test_malformed_frames_get_the_reason_the_checks_by_hand_give(raw: bytes) -> None:
    fast, by_hand = _both(raw)
    assert fast == by_hand
    assert fast[0] == "rejected"


def _payload(frames: list[dict[str, Any]]) -> bytes:
    out = b""
    for frame in frames:
        body = canonical_bytes(frame)
        out += bundle._FRAME_HEAD.pack(b"R", len(body)) + body
    return out


def test_rows_from_a_device_on_schema_6_get_the_added_columns() -> None:
    """Devices are updated one by one: a bundle made on schema 6 has no ``past`` column (and
    persons no suspected forms or judgement); it imports with their defaults."""
    rows = [_observation(i)[:-1] for i in range(3)]  # schema 6: no "past"
    payload = _payload([{"kind": "observation", "rows": rows}])
    decoded = bundle.decode_payload(payload, DEVICE, schema_version=6)
    assert decoded.records["observation"] == [[*row, 0] for row in rows]
    with pytest.raises(BundleRejected) as caught:
        bundle.decode_payload(payload, DEVICE, schema_version=7)  # too short for schema 7
    assert caught.value.reason == "records"
    current = _payload([{"kind": "observation", "rows": [_observation(0)]}])
    with pytest.raises(BundleRejected):
        bundle.decode_payload(current, DEVICE, schema_version=6)  # too long for schema 6
    schema_8 = {
        "site": (None,) * 6,
        "person": (None,) * 6 + ("unknown",),
        "referral": (None, None),
    }
    assert bundle._padding(6) == {
        "person": ("[]", 0) + schema_8["person"],
        "observation": (0,),
        "site": schema_8["site"],
        "referral": schema_8["referral"],
    }
    assert bundle._padding(7) == schema_8
    assert bundle._padding(8) == {}


def test_a_padded_row_still_takes_every_check() -> None:
    row = _observation(0)[:-1]
    row[bundle.COLUMNS["observation"].index("status")] = "seen-it"
    payload = _payload([{"kind": "observation", "rows": [row]}])
    with pytest.raises(BundleRejected) as caught:
        bundle.decode_payload(payload, DEVICE, schema_version=6)
    assert caught.value.reason == "records"
