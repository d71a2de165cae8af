"""``make bench``: FieldApp against raw baselines measured in the same run (docs/PERFORMANCE.md).

Prints one table to stdout (operation, ours median and p95, raw median, ratio ours/raw, target,
whether it is met); progress, build times and query plans go to stderr, everything to ``--json``.

    python -m tests.bench.run              # 100k visits, 100k notes (datasets cached)
    python -m tests.bench.run --quick      # small sizes, a smoke run in a minute or two
    python -m tests.bench.run --full       # full-text search over 1M notes, as the issue asks
    python -m tests.bench.run --only search,list --json bench.json

Built vaults are cached in ``.venv/bench-cache`` keyed by a hash of the ``fieldapp`` sources,
so a change to the code that writes them rebuilds them; benchmarks always run on a fresh copy
in a work folder on the same disk (not /tmp, which may be a RAM disk where fsync is free).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlcipher3

from tests.bench.cases import GROUPS, SIZES, Context, Sizes, run_all, show_plans
from tests.bench.datasets import DatasetCache
from tests.bench.measure import progress
from tests.bench.results import Result, format_seconds, format_table

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = ROOT / ".venv" / "bench-cache"


@dataclass
class Report:
    sizes: Sizes
    results: list[Result]
    builds: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.sizes.name,
            "sizes": asdict(self.sizes),
            "machine": machine(),
            "seconds": self.seconds,
            "results": [result.to_json() for result in self.results],
            "builds": self.builds,
            "diagnostics": self.diagnostics,
        }


def machine() -> dict[str, Any]:
    conn = sqlcipher3.connect(":memory:")
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        conn.close()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite,
        "sqlcipher": cipher,
    }


def run_benchmarks(
    sizes: Sizes,
    work: Path,
    cache_root: Path | None,
    *,
    rebuild: bool = False,
    only: set[str] | None = None,
) -> Report:
    """Run the benchmarks in ``work`` (created; the caller removes it)."""
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    ctx = Context(sizes=sizes, work=work, cache=DatasetCache(cache_root, work, rebuild))
    results = run_all(ctx, only)
    return Report(
        sizes=sizes,
        results=results,
        builds=ctx.builds,
        diagnostics=ctx.diagnostics,
        seconds=time.monotonic() - started,
    )


def summarise(report: Report) -> None:
    """Build times, the unlock breakdown and the query plans, on stderr."""
    for name, manifest in report.builds.items():
        origin = "from cache" if manifest.get("from_cache") else "this run"
        size = manifest.get("db_bytes", 0) / 1024 / 1024
        progress(f"{name}: built in {manifest['build_seconds']:.1f} s ({origin}), {size:.0f} MiB")
    for result in report.results:
        if "ours_minus_kdf_paired_median_s" in result.details:
            checks = report.diagnostics.get(f"{result.key}_page_checks", {})
            progress(
                f"{result.operation}: KDF {format_seconds(result.details['kdf_median_s'])},"
                " unlock minus the KDF next to it (median of pairs)"
                f" {format_seconds(result.details['ours_minus_kdf_paired_median_s'])};"
                " a full page check would take"
                f" {format_seconds(checks.get('cipher_integrity_check_s', 0))}"
                f" + {format_seconds(checks.get('quick_check_s', 0))}"
                f" (cipher_integrity_check + quick_check) on"
                f" {checks.get('db_bytes', 0) / 1024 / 1024:.0f} MiB"
            )
    for key in ("plans_set_observation", "plans_search_notes"):
        if key in report.diagnostics:
            show_plans(key.removeprefix("plans_"), report.diagnostics[key])
    for name, plans in report.diagnostics.get("plans_visit_list", {}).items():
        show_plans(name, plans)
    progress(
        "ratio = ours / raw (time rows: lower is better; rows/s rows: higher is better);"
        " p95 of a rate row is the rate at the p95 time"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.run", description=__doc__, allow_abbrev=False
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    size.add_argument("--full", action="store_true", help="full-text search over 1M notes")
    size.add_argument("--size", choices=sorted(SIZES), help="a named size (tiny: tests only)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write all figures here")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(GROUPS)}")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-cache", action="store_true", help="build every dataset this run")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached datasets")
    parser.add_argument(
        "--work-dir", type=Path, help="a folder on the disk to measure (default: the cache folder)"
    )
    parser.add_argument("--keep-work", action="store_true", help="leave the work folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = args.size or ("quick" if args.quick else "full" if args.full else "default")
    sizes = SIZES[name]
    only = None
    if args.only:
        only = {part.strip() for part in args.only.split(",") if part.strip()}
        unknown = only - set(GROUPS)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    cache_root = None if args.no_cache else args.cache_dir.resolve()
    base = (args.work_dir or args.cache_dir).resolve()
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=base))
    progress(f"size {name}: {asdict(sizes)}")
    progress(f"work folder {work}; dataset cache {cache_root or 'off'}")
    try:
        report = run_benchmarks(sizes, work, cache_root, rebuild=args.rebuild, only=only)
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    summarise(report)
    progress(f"done in {report.seconds:.0f} s")
    print(format_table(report.results), flush=True)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        progress(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
