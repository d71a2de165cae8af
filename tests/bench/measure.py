"""Interleaved timing and the statistics the table reports.

Every benchmark hands :func:`interleave` two callables, ours and raw. Each runs one repetition
and returns its own elapsed seconds, so setup and teardown (locking a vault, deleting a
database) stay outside the figure. Repetitions alternate the order (ours, raw / raw, ours, ...)
so slow drift of a shared machine falls on both sides alike.
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Repetition = Callable[[], float]


@dataclass(slots=True)
class Samples:
    """Elapsed seconds, one per repetition."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        return percentile(self.values, 95)


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); the maximum for tiny sets."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * pct / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def interleave(
    ours: Repetition,
    raw: Repetition,
    reps: int,
    *,
    warmup: int = 1,
    collect: bool = False,
    label: str = "",
) -> tuple[Samples, Samples]:
    """``reps`` timed repetitions of each side, alternating which side goes first."""
    for _ in range(warmup):
        ours()
        raw()
    mine, theirs = Samples(), Samples()
    started = time.monotonic()
    for index in range(reps):
        order = ((ours, mine), (raw, theirs))
        for run, into in order if index % 2 == 0 else reversed(order):
            if collect:
                gc.collect()
            into.values.append(run())
        if label and reps >= 10 and (index + 1) % max(1, reps // 4) == 0:
            progress(f"  {label}: {index + 1}/{reps} ({time.monotonic() - started:.0f} s)")
    return mine, theirs


def elapsed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
