"""Record ids: UUID version 7 (time-ordered, RFC 9562); and codes a person reads aloud or
copies by hand (a referral's document id, an export password) in Crockford's base32.

Random UUID4 keys scatter every insert over the whole primary-key b-tree, and in an encrypted
database each page miss costs a decrypt and a MAC check; time-ordered keys append instead
(measured: 500 demo visits into a 20k-visit vault took 3.3 s with UUID4 keys).
"""

from __future__ import annotations

import os
import secrets
import time
import uuid

# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (millis & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (random_bits >> 68) << 64 & (0xFFF << 64)  # 12 random bits (rand_a)
    value |= 0b10 << 62  # RFC 4122 variant
    value |= random_bits & (2**62 - 1)  # 62 random bits (rand_b)
    return str(uuid.UUID(int=value))


def crockford_code(length: int) -> str:
    """``length`` random Crockford base32 characters (5 bits each)."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(length))
