"""Zeroing key buffers, without importing any cryptography."""

from __future__ import annotations


def wipe(buffer: bytearray) -> None:
    """Overwrite a key buffer in place. Python may hold other copies; this removes ours."""
    for index in range(len(buffer)):
        buffer[index] = 0
