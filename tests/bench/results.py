"""One row of the table: both sides' samples, the ratio and whether the target is met."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tests.bench.measure import Samples


@dataclass(slots=True)
class Result:
    """``kind`` is "time" (lower is better; ratio = ours / raw time), "rate" (rows per second,
    higher is better; ratio = ours / raw rate) or "memory" (samples in MB, lower is better).
    Exactly one of the target fields is set, or none for an informational row. A row whose
    code is not there to measure says why in ``unavailable`` (no samples, no ratio)."""

    key: str
    operation: str
    ours: Samples
    raw: Samples
    target: str
    kind: str = "time"
    rows_per_rep: int = 0
    max_ratio: float | None = None
    min_ratio: float | None = None
    limit_seconds: float | None = None
    limit_mb: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    unavailable: str | None = None

    @property
    def ratio(self) -> float:
        if self.unavailable is not None:
            return math.nan
        if self.kind == "rate":  # (rows / ours time) / (rows / raw time)
            return self.raw.median / self.ours.median
        return self.ours.median / self.raw.median

    @property
    def met(self) -> bool | None:
        if self.unavailable is not None:
            return None
        if self.limit_mb is not None:
            return self.ours.median <= self.limit_mb
        if self.max_ratio is not None:
            return self.ratio <= self.max_ratio
        if self.min_ratio is not None:
            return self.ratio >= self.min_ratio
        if self.limit_seconds is not None:
            return self.ours.median <= self.limit_seconds
        return None

    def rate(self, seconds: float) -> float:
        return self.rows_per_rep / seconds

    def to_json(self) -> dict[str, Any]:
        if self.unavailable is not None:
            return {
                "key": self.key,
                "operation": self.operation,
                "kind": self.kind,
                "unavailable": self.unavailable,
                "target": self.target,
                "met": None,
                "details": self.details,
            }
        document: dict[str, Any] = {
            "key": self.key,
            "operation": self.operation,
            "kind": self.kind,
            "ours": _side(self.ours),
            "raw": _side(self.raw),
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "details": self.details,
        }
        if self.kind == "rate":
            document["rows_per_rep"] = self.rows_per_rep
            document["ours"]["median_rows_per_s"] = self.rate(self.ours.median)
            document["ours"]["p95_rows_per_s"] = self.rate(self.ours.p95)
            document["raw"]["median_rows_per_s"] = self.rate(self.raw.median)
        if self.limit_seconds is not None:
            document["limit_seconds"] = self.limit_seconds
        if self.limit_mb is not None:
            document["limit_mb"] = self.limit_mb
        return document


def _side(samples: Samples) -> dict[str, Any]:
    return {"median_s": samples.median, "p95_s": samples.p95, "samples_s": samples.values}


def format_seconds(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def format_rate(rate: float) -> str:
    return f"{rate / 1000:.1f}k rows/s" if rate >= 1000 else f"{rate:.0f} rows/s"


def format_ratio(ratio: float) -> str:
    if not math.isfinite(ratio):
        return "n/a"
    return f"{ratio:.2f}×" if ratio < 100 else f"{ratio:.0f}×"


HEADERS = ("operation", "ours median", "ours p95", "raw median", "ratio ours/raw", "target", "met")


def table_rows(results: list[Result]) -> list[tuple[str, ...]]:
    rows = []
    for result in results:
        if result.unavailable is not None:
            rows.append((result.operation, "not available", "-", "-", "n/a", result.target, "-"))
            continue
        if result.kind == "memory":
            ours_median = f"{result.ours.median:.0f} MB"
            ours_p95 = f"{result.ours.p95:.0f} MB"
            raw_median = f"{result.raw.median:.0f} MB"
        elif result.kind == "rate":
            ours_median = format_rate(result.rate(result.ours.median))
            ours_p95 = format_rate(result.rate(result.ours.p95))
            raw_median = format_rate(result.rate(result.raw.median))
        else:
            ours_median = format_seconds(result.ours.median)
            ours_p95 = format_seconds(result.ours.p95)
            raw_median = format_seconds(result.raw.median)
        met = {True: "yes", False: "NO", None: "-"}[result.met]
        if result.limit_seconds is not None and result.target.startswith("≤ KDF"):
            met += f" (limit {format_seconds(result.limit_seconds)})"
        rows.append(
            (
                result.operation,
                ours_median,
                ours_p95,
                raw_median,
                format_ratio(result.ratio),
                result.target,
                met,
            )
        )
    return rows


def format_table(results: list[Result]) -> str:
    """A Markdown table (readable as plain text, pasteable into an issue)."""
    rows = [HEADERS, *table_rows(results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]
    numeric = {1, 2, 3, 4}

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(width) if column in numeric else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join(
        "-" * (width + 1) + ":" if column in numeric else "-" * (width + 2)
        for column, width in enumerate(widths)
    )
    return "\n".join([line(HEADERS), rule + "|", *(line(row) for row in rows[1:])])
