"""The benchmarks. Each measures ours and its raw baseline in the same run, interleaved."""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlcipher3
from argon2.low_level import Type, hash_secret_raw

from fieldapp.domain import Evidence, ObservationStatus, Role
from fieldapp.inputs import ObservationInput
from fieldapp.store.store import Store, VisitCursor, fts_query
from fieldapp.vault import KdfParams, Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS, KeyFile, normalise_passphrase
from tests.bench.coordinator_bench import order_keys as coordinator_order
from tests.bench.datasets import (
    PASSPHRASE,
    DatasetCache,
    build_edge_vault,
    build_fts_vault,
    build_visit_vault,
    bulk_visits,
    catalogue_version,
    copy_folder,
    fts_matches,
    full_check_limit_pages,
    kdf_tag,
    raw_observation_rows,
    vault_dek,
)
from tests.bench.measure import elapsed, interleave, progress
from tests.bench.rawdb import (
    RAW_FTS_QUERY,
    RAW_OBSERVATION_INSERT,
    RAW_OBSERVATIONS_DDL,
    open_raw,
    remove_database,
)
from tests.bench.results import Result
from tests.bench.visit_flow import order_keys as flow_order

PAGE = 100
DEEP_FRACTION = 0.9
KDF_ALLOWANCE_S = 0.150
LIST_LIMIT_S = 0.100
# Words of the demo notes and site names; search_visits is measured on the demo vault.
VISIT_QUERIES = (
    "werkgever paspoorten",
    "loonstroken contant",
    "matrassen loods",
    "schuld loon",
    "telefoon familie",
    "Kwekerij Westland",
    "bang woord",
    "Venlo Logistics",
)

# Hand-written equivalents of the visit list, on a raw connection to the same database file.
RAW_VISIT_COLUMNS = """
    SELECT v.uuid, v.started_at, v.status, v.type, s.name, s.place, s.municipality, s.sector,
           (SELECT count(*) FROM persons p WHERE p.visit_uuid = v.uuid AND p.deleted = 0),
           (SELECT count(*) FROM observations o
             WHERE o.visit_uuid = v.uuid AND o.deleted = 0 AND o.status = 'observed')
    FROM visits v JOIN sites s ON s.uuid = v.site_uuid
"""
RAW_FIRST_PAGE = (
    RAW_VISIT_COLUMNS + " WHERE v.deleted = 0 ORDER BY v.started_at DESC, v.uuid DESC LIMIT 100"
)
RAW_PAGE_AFTER = (
    RAW_VISIT_COLUMNS + " WHERE v.deleted = 0 AND (v.started_at, v.uuid) < (?, ?)"
    " ORDER BY v.started_at DESC, v.uuid DESC LIMIT 100"
)
RAW_COUNT = "SELECT count(*) FROM visits WHERE deleted = 0"
RAW_VISIT_SEARCH = (
    "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rank LIMIT 200"
)


def count_label(count: int) -> str:
    """1M, 100k, 2k, 300."""
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    return f"{count // 1000}k" if count >= 1000 else str(count)


@dataclass(frozen=True, slots=True)
class Sizes:
    name: str
    kdf: KdfParams
    visits: int
    unlock_reps: int
    toggle_reps: int
    bulk_rows: int
    bulk_reps: int
    fts_notes: int
    fts_reps: int
    page_reps: int
    # The coordinator's workspace (tests/bench/coordinator_bench.py): observations in its
    # vault (the default run measures 1M when that vault is cached) and fresh processes.
    coordinator_observations: int = 100_000
    coordinator_reps: int = 5


SIZES = {
    # The smoke test's size: seconds, and the cheapest KDF the format accepts.
    "tiny": Sizes("tiny", FAST_FOR_TESTS, 300, 3, 10, 500, 2, 2_000, 10, 5, 2_000, 2),
    "quick": Sizes("quick", KdfParams(), 2_000, 5, 50, 10_000, 3, 20_000, 40, 20, 20_000, 3),
    "default": Sizes("default", KdfParams(), 100_000, 9, 200, 100_000, 3, 100_000, 200, 50),
    "full": Sizes(
        "full", KdfParams(), 100_000, 9, 200, 100_000, 3, 1_000_000, 200, 50, 1_000_000, 5
    ),
}


@dataclass
class Context:
    sizes: Sizes
    work: Path
    cache: DatasetCache
    builds: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def visits_label(self) -> str:
        return count_label(self.sizes.visits)


# -- query plans ---------------------------------------------------------------------------------


def query_plans(conn: sqlcipher3.Connection, call: Callable[[], object]) -> list[dict[str, Any]]:
    """EXPLAIN QUERY PLAN of every statement ``call`` runs on ``conn`` (traced, values inlined)."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head not in {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"}:
            continue
        rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        depth: dict[int, int] = {0: 0}
        lines = []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        plans.append({"sql": " ".join(sql.split())[:300], "plan": lines})
    return plans


def show_plans(title: str, plans: list[dict[str, Any]]) -> None:
    progress(f"query plan: {title}")
    for plan in plans:
        progress(f"    {plan['sql'][:140]}")
        for line in plan["plan"]:
            progress(f"      {line}")


# -- 1. unlock -----------------------------------------------------------------------------------


def bench_unlock(folder: Path, key: str, operation: str, reps: int) -> Result:
    """Vault.unlock vs Argon2id with the same parameters + raw-key open + first query."""
    key_file = KeyFile.read(folder / "vault.key")
    kdf = key_file.kdf
    dek = bytes(vault_dek(folder))
    secret = normalise_passphrase(PASSPHRASE)
    kdf_seconds: list[float] = []

    def ours() -> float:
        started = time.perf_counter()
        vault = Vault.unlock(folder, PASSPHRASE)
        took = time.perf_counter() - started
        vault.lock()
        return took

    def raw() -> float:
        started = time.perf_counter()
        hash_secret_raw(
            secret,
            key_file.salt,
            time_cost=kdf.time_cost,
            memory_cost=kdf.memory_kib,
            parallelism=kdf.parallelism,
            hash_len=32,
            type=Type.ID,
        )
        derived = time.perf_counter()
        conn = open_raw(folder / "vault.db", dek)
        took = time.perf_counter() - started
        conn.close()
        kdf_seconds.append(derived - started)
        return took

    progress(f"{operation}: {reps} reps each")
    mine, theirs = interleave(ours, raw, reps, label=key)
    kdf_measured = kdf_seconds[1:]  # without the warm-up; same order as the samples
    kdf_median = statistics.median(kdf_measured)
    paired = [total - kdf for total, kdf in zip(mine.values, kdf_measured, strict=True)]
    return Result(
        key=key,
        operation=operation,
        ours=mine,
        raw=theirs,
        target="≤ KDF + 150 ms",
        limit_seconds=kdf_median + KDF_ALLOWANCE_S,
        details={
            "kdf": kdf_tag(kdf),
            "kdf_median_s": kdf_median,
            # Each unlock minus the KDF of the raw run next to it: robust to a noisy machine.
            "ours_minus_kdf_paired_median_s": statistics.median(paired),
        },
    )


def unlock_breakdown(folder: Path) -> dict[str, float]:
    """What Vault.unlock does beyond the KDF, timed once each on a raw connection."""
    dek = bytes(vault_dek(folder))
    conn = open_raw(folder / "vault.db", dek)
    try:
        timings = {}
        for name, sql in (
            ("cipher_integrity_check_s", "PRAGMA cipher_integrity_check"),
            ("quick_check_s", "PRAGMA quick_check"),
        ):
            timings[name] = elapsed(lambda sql=sql: conn.execute(sql).fetchall())
        timings["db_bytes"] = (folder / "vault.db").stat().st_size
        return timings
    finally:
        conn.close()


# -- 2. one observation committed ------------------------------------------------------------


def bench_toggle(ctx: Context, store: Store) -> Result:
    """Store.set_observation flipping one indicator of an existing person vs a raw single-row
    INSERT + COMMIT in a separate database with the same pragmas."""
    conn = store.conn
    middle = max(0, store.count_visits() // 2)
    visit_uuid, person_uuid = conn.execute(
        "SELECT p.visit_uuid, p.uuid FROM persons p JOIN visits v ON v.uuid = p.visit_uuid"
        " WHERE p.deleted = 0 ORDER BY v.started_at LIMIT 1 OFFSET ?",
        (middle,),
    ).fetchall()[0]
    existing = conn.execute(
        "SELECT indicator_id FROM observations WHERE person_uuid = ? AND deleted = 0 LIMIT 1",
        (person_uuid,),
    ).fetchall()
    indicator = existing[0][0] if existing else "BENCH-TOGGLE"
    statuses = itertools.cycle((ObservationStatus.OBSERVED, ObservationStatus.NOT_OBSERVED))

    def toggle() -> None:
        observation = ObservationInput(indicator, next(statuses), evidence=Evidence.SEEN)
        store.set_observation(visit_uuid, person_uuid, observation)

    ctx.diagnostics["plans_set_observation"] = query_plans(conn, toggle)

    raw_path = ctx.work / "raw-toggle.db"
    remove_database(raw_path)
    raw = open_raw(raw_path, os.urandom(32))
    raw.execute(
        "CREATE TABLE obs (uuid TEXT PRIMARY KEY, visit_uuid TEXT NOT NULL, person_uuid TEXT,"
        " indicator_id TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT"
    )
    raw_statuses = itertools.cycle(("observed", "not_observed"))

    def ours() -> float:
        return elapsed(toggle)

    def raw_insert() -> float:
        values = (
            str(uuid.uuid4()),
            visit_uuid,
            person_uuid,
            indicator,
            next(raw_statuses),
            "2026-03-02T09:00:00Z",
        )
        started = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO obs VALUES (?, ?, ?, ?, ?, ?)", values)
        raw.execute("COMMIT")
        return time.perf_counter() - started

    reps = ctx.sizes.toggle_reps
    progress(f"toggle one indicator: {reps} reps each")
    try:
        mine, theirs = interleave(ours, raw_insert, reps, warmup=5, label="toggle")
    finally:
        raw.close()
        remove_database(raw_path)
    return Result(
        key="toggle",
        operation=f"toggle one indicator, committed ({ctx.visits_label}-visit vault)",
        ours=mine,
        raw=theirs,
        target="≤ 5×",
        max_ratio=5.0,
    )


# -- 3. 100k observations in one transaction ---------------------------------------------------


def bench_bulk(ctx: Context) -> Result:
    """Store.record_visits of N observations (100 per visit, one person each) in one transaction
    into a fresh vault, vs executemany of the same rows into a fresh raw table of the same shape."""
    rows = ctx.sizes.bulk_rows
    visits = bulk_visits(rows)
    count = sum(len(visit.observations) for visit in visits)
    device = str(uuid.uuid4())
    numbers = itertools.count()
    version = catalogue_version()

    def ours() -> float:
        folder = ctx.work / f"bulk-{next(numbers)}"
        vault = Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)
        try:
            store = Store(vault)
            return elapsed(lambda: store.record_visits(visits, version))
        finally:
            vault.lock()
            shutil.rmtree(folder, ignore_errors=True)

    def raw() -> float:
        path = ctx.work / f"bulk-raw-{next(numbers)}.db"
        values = raw_observation_rows(visits, device)
        conn = open_raw(path, os.urandom(32))
        try:
            conn.executescript(RAW_OBSERVATIONS_DDL)
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(RAW_OBSERVATION_INSERT, values)
            conn.execute("COMMIT")
            return time.perf_counter() - started
        finally:
            conn.close()
            remove_database(path)

    reps = ctx.sizes.bulk_reps
    progress(f"bulk insert of {count} observations: {reps} reps each (store side is slow)")
    mine, theirs = interleave(
        ours, raw, reps, warmup=1 if count <= 20_000 else 0, collect=True, label="bulk"
    )
    label = count_label(count)
    return Result(
        key="bulk",
        operation=f"{label} observations, one transaction (record_visits)",
        ours=mine,
        raw=theirs,
        # No target in docs/PERFORMANCE.md for the store's own bulk path (the sync rows have one).
        target="(ratio reported; no target set)",
        kind="rate",
        rows_per_rep=count,
        details={
            "visits": len(visits),
            "also_written_by_store": "1 site + 1 visit + 1 person per 100 observations,"
            " 1 audit entry per record, search-index lookups",
        },
    )


# -- 4. full-text search -------------------------------------------------------------------------


def bench_search(ctx: Context) -> list[Result]:
    notes = ctx.sizes.fts_notes
    source, manifest = ctx.cache.get(
        "search", str(notes), lambda folder: build_fts_vault(folder, notes)
    )
    ctx.builds["search_vault"] = manifest
    work = copy_folder(source, ctx.work / "search")
    queries: list[str] = manifest["queries"]
    vault = Vault.unlock(work / "vault", PASSPHRASE)
    raw = open_raw(work / "raw-fts.db", bytes.fromhex(manifest["raw_key"]))
    try:
        store = Store(vault)
        hits = [
            {
                "query": query,
                "plain_matches": fts_matches(raw, "t", query),
                "prefix_matches": fts_matches(raw, "t", fts_query(query) or ""),
                "store_results": len(store.search_notes(query, 50)),
            }
            for query in queries
        ]
        ctx.diagnostics["search_queries"] = hits
        ctx.diagnostics["plans_search_notes"] = query_plans(
            vault.conn, lambda: store.search_notes(queries[0], 50)
        )

        def cycling(run: Callable[[str], object]) -> Callable[[], float]:
            sequence = itertools.cycle(queries)
            return lambda: elapsed(lambda: run(next(sequence)))

        def ours_call(query: str) -> object:
            return store.search_notes(query, 50)

        def raw_plain(query: str) -> object:
            return raw.execute(RAW_FTS_QUERY, (query,)).fetchall()

        def raw_prefix(query: str) -> object:
            return raw.execute(RAW_FTS_QUERY, (fts_query(query),)).fetchall()

        reps = ctx.sizes.fts_reps
        label = count_label(notes)
        progress(f"full-text search over {label} notes: {reps} queries each, twice")
        mine, theirs = interleave(
            cycling(ours_call), cycling(raw_plain), reps, warmup=len(queries), label="search"
        )
        mine_again, prefixed = interleave(
            cycling(ours_call), cycling(raw_prefix), reps, warmup=0, label="search (prefix)"
        )
    finally:
        raw.close()
        vault.lock()
    return [
        Result(
            key="search",
            operation=f"search_notes over {label} notes, 2 words, top 50",
            ours=mine,
            raw=theirs,
            target="≤ 1.5×",
            max_ratio=1.5,
            details={"raw_query": "w1 w2 (plain terms)", "notes": notes},
        ),
        Result(
            key="search_prefix",
            operation="  same, raw with the store's prefix query (info)",
            ours=mine_again,
            raw=prefixed,
            target="- (diagnostic)",
            details={"raw_query": '"w1"* "w2"* (what fts_query builds)'},
        ),
    ]


# -- 5. the visit list ---------------------------------------------------------------------------


def bench_visit_list(ctx: Context, store: Store, db_path: Path, dek: bytes) -> list[Result]:
    conn = store.conn
    raw = open_raw(db_path, dek)
    try:
        total = raw.execute(RAW_COUNT).fetchall()[0][0]
        depth = int(total * DEEP_FRACTION)
        started_at, after_uuid = raw.execute(
            "SELECT started_at, uuid FROM visits WHERE deleted = 0"
            " ORDER BY started_at DESC, uuid DESC LIMIT 1 OFFSET ?",
            (max(0, depth - 1),),
        ).fetchall()[0]
        cursor = VisitCursor(started_at, after_uuid)

        # Same rows on both sides, or the comparison means nothing.
        same_first = [s.uuid for s in store.list_visits(PAGE)] == [
            r[0] for r in raw.execute(RAW_FIRST_PAGE)
        ]
        same_deep = [s.uuid for s in store.list_visits(PAGE, cursor)] == [
            r[0] for r in raw.execute(RAW_PAGE_AFTER, (started_at, after_uuid))
        ]
        ctx.diagnostics["visit_list_same_rows"] = {"first": same_first, "deep": same_deep}
        if not (same_first and same_deep):
            progress("WARNING: list_visits and the raw query return different rows")
        ctx.diagnostics["plans_visit_list"] = {
            "first_page": query_plans(conn, lambda: store.list_visits(PAGE)),
            "deep_page": query_plans(conn, lambda: store.list_visits(PAGE, cursor)),
            "count": query_plans(conn, store.count_visits),
            "search_visits": query_plans(conn, lambda: store.search_visits(VISIT_QUERIES[0])),
        }
        ctx.diagnostics["search_visits_results"] = {
            query: len(store.search_visits(query)) for query in VISIT_QUERIES
        }

        def pair(
            ours_call: Callable[[], object], raw_call: Callable[[], object]
        ) -> tuple[Callable[[], float], Callable[[], float]]:
            return (lambda: elapsed(ours_call)), (lambda: elapsed(raw_call))

        cases: list[tuple[str, str, Callable[[], object], Callable[[], object]]] = [
            (
                "list_first",
                f"list_visits first page of 100 ({ctx.visits_label} visits)",
                lambda: store.list_visits(PAGE),
                lambda: raw.execute(RAW_FIRST_PAGE).fetchall(),
            ),
            (
                "list_deep",
                f"list_visits page at {depth} (keyset cursor)",
                lambda: store.list_visits(PAGE, cursor),
                lambda: raw.execute(RAW_PAGE_AFTER, (started_at, after_uuid)).fetchall(),
            ),
            (
                "count",
                "count_visits",
                store.count_visits,
                lambda: raw.execute(RAW_COUNT).fetchall(),
            ),
        ]
        reps = ctx.sizes.page_reps
        results = []
        for key, operation, ours_call, raw_call in cases:
            progress(f"{operation}: {reps} reps each")
            mine, theirs = interleave(*pair(ours_call, raw_call), reps, warmup=2, label=key)
            results.append(
                Result(
                    key=key,
                    operation=operation,
                    ours=mine,
                    raw=theirs,
                    target="≤ 100 ms",
                    limit_seconds=LIST_LIMIT_S,
                )
            )

        searches = itertools.cycle(VISIT_QUERIES)
        raw_searches = itertools.cycle(VISIT_QUERIES)
        progress(f"search_visits: {reps} queries each")
        mine, theirs = interleave(
            lambda: elapsed(lambda: store.search_visits(next(searches))),
            lambda: elapsed(
                lambda: raw.execute(RAW_VISIT_SEARCH, (next(raw_searches),)).fetchall()
            ),
            reps,
            warmup=len(VISIT_QUERIES),
            label="search_visits",
        )
        results.append(
            Result(
                key="search_visits",
                operation=f"search_visits, 2 words ({ctx.visits_label}-visit vault) (info)",
                ours=mine,
                raw=theirs,
                target="- (raw: FTS5 top 200)",
            )
        )
        return results
    finally:
        raw.close()


# -- all of them ---------------------------------------------------------------------------------

ORDER = (
    "unlock_empty",
    "unlock_edge",
    "unlock_big",
    "toggle",
    "bulk",
    "search",
    "search_prefix",
    "list_first",
    "list_deep",
    "count",
    "search_visits",
    "assess",
    "referral",
    "ui_start",
    "ui_unlock",
    "ui_list_open",
    "ui_list_sort",
    "ui_list_end",
    "ui_toggle",
    "sync_export",
    "sync_import",
    "reply_write",
    "reply_import",
    "reply_holdings",
    "reply_holdings_waiting",
    "reply_plan_purge",
    "reply_forget_at_open",
    *coordinator_order(),
    *flow_order(),
)


def bench_assess(ctx: Context) -> Result:
    """assess() of one person with 100 observations vs a bare loop over the same observations
    that only looks each indicator up and tallies its adult-labour grade per dimension."""
    from fieldapp.assessment import Case, CaseObservation, assess
    from fieldapp.catalogue import load_catalogue

    catalogue = load_catalogue()
    ids = list(catalogue.indicators)[:100]
    statuses = (
        ObservationStatus.OBSERVED,
        ObservationStatus.OBSERVED,
        ObservationStatus.NOT_OBSERVED,
        ObservationStatus.UNKNOWN,
    )
    observations = tuple(
        CaseObservation(indicator, statuses[index % 4], Evidence.SEEN, visit_level=index % 7 == 0)
        for index, indicator in enumerate(ids)
    )
    # Four forms in context (the heaviest common case: both age groups, both readings each).
    case = Case(
        observations,
        age=None,
        nationality="BG",
        reporter_agency="NLA",
        sector="agriculture",
        suspected_forms=("sexual", "criminal", "organ_removal"),
    )

    def bare_loop() -> dict[tuple[str, str], int]:
        tally: dict[tuple[str, str], int] = {}
        for observation in observations:
            if observation.status is not ObservationStatus.OBSERVED:
                continue
            item = catalogue.indicators[observation.indicator_id]
            grade = item.grades["adult_labour"].grade
            if grade:
                tally[item.dimension, grade] = tally.get((item.dimension, grade), 0) + 1
        return tally

    reps = max(20, ctx.sizes.toggle_reps)
    progress(f"assess a 100-observation person: {reps} reps each")
    mine, theirs = interleave(
        lambda: elapsed(lambda: assess(case, catalogue)),
        lambda: elapsed(bare_loop),
        reps,
        warmup=3,
        label="assess",
    )
    return Result(
        key="assess",
        operation="assess one person, 100 observations (4 forms, unknown age)",
        ours=mine,
        raw=theirs,
        target="(ratio reported; no target set)",
    )


def bench_referral(ctx: Context) -> Result:
    """A typical 3-page referral rendered and encrypted (AES-256, R=6) vs a bare 3-page
    platypus document with as many paragraphs (Helvetica, no tables, no encryption)."""
    import dataclasses
    import io

    from pypdf import PdfReader
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from fieldapp.referral.protect import encrypt_pdf, generate_password
    from fieldapp.referral.render import render_pdf
    from tests.support.referral import full_document

    full = full_document()
    typical = dataclasses.replace(
        full,
        persons=full.persons[:2],
        attachments=full.attachments[:1],
        signals=tuple(dataclasses.replace(g, signals=g.signals[:3]) for g in full.signals[:3]),
    )
    pages = len(PdfReader(io.BytesIO(render_pdf(typical))).pages)
    styles = getSampleStyleSheet()
    paragraphs = 150

    def bare(words: int) -> bytes:
        buffer = io.BytesIO()
        text = " ".join(["Lorem ipsum dolor sit amet"] * words)
        SimpleDocTemplate(buffer).build(
            [Paragraph(text, styles["Normal"]) for _ in range(paragraphs)]
        )
        return buffer.getvalue()

    words = 1
    while len(PdfReader(io.BytesIO(bare(words))).pages) < pages:
        words += 1
    password = generate_password()
    reps = max(10, ctx.sizes.toggle_reps // 10)
    progress(f"referral PDF ({pages} pages): {reps} reps each")
    mine, theirs = interleave(
        lambda: elapsed(lambda: encrypt_pdf(render_pdf(typical), password)),
        lambda: elapsed(lambda: bare(words)),
        reps,
        warmup=2,
        label="referral",
    )
    return Result(
        key="referral",
        operation=f"referral PDF, {pages} pages, incl. AES-256 encryption",
        ours=mine,
        raw=theirs,
        target="≤ 5×",
        max_ratio=5.0,
    )


GROUPS = (
    "unlock",
    "toggle",
    "bulk",
    "search",
    "list",
    "assess",
    "referral",
    "ui",
    "sync",
    "coordinator",
    "flow",
)


def run_all(ctx: Context, only: set[str] | None = None) -> list[Result]:
    """Every benchmark in ``only`` (default all) of GROUPS; results in table order."""
    wanted = only or set(GROUPS)
    sizes = ctx.sizes
    results: list[Result] = []

    needs_visits = wanted & {"unlock", "toggle", "list", "ui"}
    if needs_visits:
        spec = f"{sizes.visits}-{kdf_tag(sizes.kdf)}"
        source, manifest = ctx.cache.get(
            "visits", spec, lambda folder: build_visit_vault(folder, sizes.visits, sizes.kdf)
        )
        ctx.builds["visit_vault"] = manifest
        progress(f"copying the {ctx.visits_label}-visit vault to the work folder")
        big = copy_folder(source / "vault", ctx.work / "visits")

        if "unlock" in wanted:
            empty = ctx.work / "empty"
            Vault.create(empty, PASSPHRASE, Role.FIELD, sizes.kdf).lock()
            limit = full_check_limit_pages()
            edge_source, edge_manifest = ctx.cache.get(
                "unlock-edge",
                f"{limit}-{kdf_tag(sizes.kdf)}",
                lambda folder: build_edge_vault(folder, limit, sizes.kdf),
            )
            ctx.builds["edge_vault"] = edge_manifest
            edge = copy_folder(edge_source / "vault", ctx.work / "edge")
            edge_mib = edge_manifest["db_bytes"] / 1024 / 1024
            for key, folder, operation in (
                ("unlock_empty", empty, "unlock, empty vault"),
                (
                    "unlock_edge",
                    edge,
                    f"unlock, {edge_mib:.0f} MiB vault (largest fully checked at unlock)",
                ),
                ("unlock_big", big, f"unlock, {ctx.visits_label}-visit vault"),
            ):
                results.append(bench_unlock(folder, key, operation, sizes.unlock_reps))
                ctx.diagnostics[f"{key}_page_checks"] = unlock_breakdown(folder)

        if wanted & {"toggle", "list"}:
            vault = Vault.unlock(big, PASSPHRASE)
            try:
                store = Store(vault)
                if "list" in wanted:  # read-only: before the toggles change the vault
                    results.extend(
                        bench_visit_list(ctx, store, big / "vault.db", bytes(vault.key_buffer))
                    )
                if "toggle" in wanted:
                    results.append(bench_toggle(ctx, store))
            finally:
                vault.lock()

        if "ui" in wanted:
            from tests.bench.ui_cases import bench_desktop, bench_start

            reps = max(5, sizes.unlock_reps)
            results.append(bench_start(big, reps))
            results.extend(bench_desktop(big, ctx.visits_label, reps))

    if "bulk" in wanted:
        results.append(bench_bulk(ctx))
    if "assess" in wanted:
        results.append(bench_assess(ctx))
    if "referral" in wanted:
        results.append(bench_referral(ctx))
    if "search" in wanted:
        results.extend(bench_search(ctx))
    if "sync" in wanted:
        from tests.bench.reply_bench import bench_reply
        from tests.bench.sync_bench import bench_sync

        results.extend(bench_sync(ctx))
        results.extend(bench_reply(ctx))
    if "coordinator" in wanted:
        from tests.bench.coordinator_bench import bench_coordinator

        results.extend(bench_coordinator(ctx))
    if "flow" in wanted:
        from tests.bench.visit_flow import bench_flow

        results.extend(bench_flow(ctx.work))

    position = {key: index for index, key in enumerate(ORDER)}
    return sorted(results, key=lambda result: position[result.key])
