"""How the bot's memory store behaves as it grows: reply-path lookup, /interests, /forget.

    python -m benchmarks.memory_scale --memories 20000 --users 1000
    python -m benchmarks.memory_scale --memories 1000000 --users 50000 --data-dir /tmp/ms1m

Everything timed goes through the bot's own code: bot.db.storage.open_pool/StoreBuilder/
migrate and bot.memory.service.MemoryService.
Only the load bypasses it: rows are COPYed straight into `store` and
`store_vectors` in the layout PostgresStore writes (prefix = namespace joined with '.', the
bot's memory value as jsonb, timestamps and the default 365-day TTL, one pgvector row per
embedded field), then read back through the MemoryService to prove they are what the bot would
have written.

Two axes: the table's size (first table: users with a few memories each) and, inside that table,
one person's size (second table: people holding 20, MEMORY_MAX_PER_PERSON, 1,000 and 2,000
memories, loaded besides the others), for the reply lookup and the `/interests` pages.

Vectors are random and made with the standard library only (no numpy needed): random bytes are
turned into float32 values in ±[0.5, 1) by overwriting the sign/exponent bits with
bytes.translate, which runs at C speed. Cosine search only cares about direction, so they need no
normalising, and random directions in 1536 dimensions are as hard for exact and ANN search as
real embeddings are (harder, if anything: no clusters).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import struct
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from benchmarks import harness
from bot.db.storage import StoreBuilder, migrate, open_pool
from bot.db.vectors import Vector
from bot.memory.service import MEMORY_ROOT, ConversationKind, MemoryService, Source, namespace
from bot.settings import Settings

LIMIT = 20  # what the reply path asks for (MemoryService.relevant(..., limit=20))
PAGE = 20  # what /interests and the Home tab show per page (MemoryService.page(limit=20))
TEAMS = 10
CAP = Settings.memory_max_per_person
TTL_MINUTES = Settings.memory_ttl_days * 24 * 60  # what the bot writes with its default TTL
# Floors the per-person table is checked against.
LOOKUP_FLOOR_MS = 10.0  # lookup p95 at the cap
INTERESTS_FLOOR_MS = 50.0  # /interests p95 at 2,000 memories
INTERESTS_FLOOR_AT = 2_000
FIELDS = ("content.topic", "content.description")  # bot.db.storage.EMBEDDED_FIELDS
# The name the store's own migration would give an ANN index, so the planner sees what it would
# see if StoreBuilder asked for {"kind": "hnsw"}.
HNSW_INDEX = "store_vectors_embedding_idx"

TOPICS = [
    "Rust", "Go", "Python", "TypeScript", "Kubernetes", "Terraform", "PostgreSQL", "Kafka",
    "React", "Svelte", "GraphQL", "gRPC", "AWS Lambda", "DynamoDB", "Redis", "WebAssembly",
    "LLM agents", "pgvector", "eBPF", "Nix", "Zig", "Elixir", "Spark", "dbt", "Airflow",
    "OpenTelemetry", "Istio", "Envoy", "SQLite", "DuckDB", "ClickHouse", "Flutter",
]  # fmt: skip
CATEGORIES = ["backend", "frontend", "infrastructure", "data", "ml", "mobile", "security"]
VERBS = ["uses", "is learning", "maintains services written in", "evaluates", "teaches"]

# float32, big-endian: byte 0 = sign + 7 high exponent bits, byte 1 = low exponent bit + mantissa.
# 0x3F/0xBF then a clear high bit in byte 1 give exponent 126, i.e. a value in ±[0.5, 1).
_SIGN_EXP = bytes(0xBF if b & 1 else 0x3F for b in range(256))
_LOW_EXP = bytes(b & 0x7F for b in range(256))
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PG_EPOCH = 946_684_800  # 2000-01-01 in Unix seconds: binary timestamptz counts from there
_YEAR_S = 365 * 24 * 3600
_COPY_TRAILER = struct.pack(">h", -1)


# ----------------------------------------------------------------------------- synthetic data


def random_vectors(rng: random.Random, count: int, dims: int) -> bytes:
    """`count` float32 vectors of `dims`, big-endian (pgvector's binary order), concatenated."""
    buf = bytearray(rng.randbytes(4 * dims * count))
    buf[0::4] = buf[0::4].translate(_SIGN_EXP)
    buf[1::4] = buf[1::4].translate(_LOW_EXP)
    return bytes(buf)


def as_floats(vector: bytes) -> list[float]:
    return list(struct.unpack(f">{len(vector) // 4}f", vector))


@dataclass(frozen=True)
class User:
    index: int
    team_id: str
    user_id: str
    count: int  # memories

    @property
    def prefix(self) -> str:
        return ".".join(namespace(self.team_id, self.user_id))  # PostgresStore's prefix text


def make_users(memories: int, users: int, seed: int) -> list[User]:
    """Users with `memories / users` memories on average, between 1 and 2*avg-1 each.

    Pairs of users trade memories so the total is exact and some people have fewer than
    LIMIT (the reply path must then return all of theirs).
    """
    avg, extra = divmod(memories, users)
    if avg < 1:
        raise SystemExit("need at least one memory per user")
    counts = [avg + (1 if i < extra else 0) for i in range(users)]
    rng = random.Random(f"{seed}:counts")
    for i in range(0, users - 1, 2):
        shift = rng.randint(-(min(counts[i], counts[i + 1]) - 1), min(counts[i], counts[i + 1]) - 1)
        counts[i] += shift
        counts[i + 1] -= shift
    return [User(i, f"T{i % TEAMS:08d}", f"U{i:010d}", counts[i]) for i in range(users)]


def user_rows(user: User, dims: int, seed: int) -> tuple[list[tuple[str, dict, float]], bytes]:
    """One user's memories as (key, value, age in seconds) plus 2 vectors per memory,
    deterministic. Values have the shape bot.memory.service.Memory.value() writes."""
    rng = random.Random(f"{seed}:user:{user.index}")
    rows = []
    for _ in range(user.count):
        key = str(uuid.UUID(bytes=rng.randbytes(16), version=4))  # the bot's keys are uuid4
        topic = rng.choice(TOPICS)
        kind = rng.choice(list(ConversationKind)[:5])  # where people talk to the bot
        source = Source(
            kind,
            f"C{rng.randrange(10**8):08d}",
            f"1700000000.{rng.randrange(10**6):06d}",
            at="2025-01-01T00:00:00+00:00",
        )
        value = {
            "kind": "UserTechInterest",
            "content": {
                "topic": topic,
                "category": rng.choice(CATEGORIES),
                "interest_level": rng.randint(0, 100),
                "description": f"{rng.choice(VERBS)} {topic} at work, "
                f"mostly for {rng.choice(TOPICS)} integration ({rng.randint(1, 10)} years)",
            },
            "private": kind.is_private,
            "sources": [source.to_dict()],
        }
        # Reinforced some time within the TTL, so pages are ordered by real timestamps.
        rows.append((key, value, rng.random() * _YEAR_S))
    return rows, random_vectors(rng, 2 * user.count, dims)


def query_vector(seed: int, n: int, dims: int) -> Vector:
    # A Vector, as bot.memory.embeddings.OpenAIEmbedder returns: it goes to PostgreSQL in binary.
    return Vector(as_floats(random_vectors(random.Random(f"{seed}:query:{n}"), 1, dims)))


# ----------------------------------------------------------------------------- bulk load


def _field(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def _timestamp(unix_s: float) -> bytes:
    return _field(struct.pack(">q", round((unix_s - _PG_EPOCH) * 1_000_000)))


def copy_users(conn: psycopg.Connection, users: Sequence[User], dims: int, seed: int) -> None:
    """COPY (binary) the users' rows into store and store_vectors, in one transaction."""
    vec_header = struct.pack(">HH", dims, 0)  # pgvector binary: dim, unused, then float4s
    size = 4 * dims
    now = time.time()
    ttl = _field(struct.pack(">i", TTL_MINUTES))
    with conn.transaction(), conn.cursor() as cur:
        generated = [(u, *user_rows(u, dims, seed)) for u in users]
        with cur.copy(
            "COPY store (prefix, key, value, created_at, updated_at, expires_at, ttl_minutes) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(_COPY_HEADER)
            for user, rows, _ in generated:
                prefix = _field(user.prefix.encode())
                parts = []
                for key, value, age in rows:
                    jsonb = b"\x01" + json.dumps(value).encode()  # jsonb binary = version 1 + text
                    at = _timestamp(now - age)
                    expires = _timestamp(now - age + TTL_MINUTES * 60)
                    parts += [b"\x00\x07", prefix, _field(key.encode()), _field(jsonb), at, at]
                    parts += [expires, ttl]
                copy.write(b"".join(parts))
            copy.write(_COPY_TRAILER)
        with cur.copy(
            "COPY store_vectors (prefix, key, field_name, embedding) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(_COPY_HEADER)
            names = [_field(f.encode()) for f in FIELDS]
            for user, rows, vectors in generated:
                prefix = _field(user.prefix.encode())
                parts = []
                for i, (key, _, _) in enumerate(rows):
                    k = _field(key.encode())
                    for j, name in enumerate(names):
                        at = (2 * i + j) * size
                        vec = _field(vec_header + vectors[at : at + size])
                        parts += [b"\x00\x04", prefix, k, name, vec]
                copy.write(b"".join(parts))
            copy.write(_COPY_TRAILER)


def load(url: str, users: list[User], dims: int, seed: int) -> float:
    started = time.perf_counter()
    total = sum(u.count for u in users)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE store, store_vectors")
        batch: list[User] = []
        done = 0
        for user in users:
            batch.append(user)
            if sum(u.count for u in batch) >= 20_000:
                copy_users(conn, batch, dims, seed)
                done += sum(u.count for u in batch)
                batch = []
                rate = done / (time.perf_counter() - started)
                harness.progress(f"loaded {done:>9,}/{total:,} memories ({rate:,.0f}/s)")
        if batch:
            copy_users(conn, batch, dims, seed)
        # What autovacuum would have done by the time a table this size is in production:
        # statistics for the planner, hint bits and the visibility map.
        conn.execute("VACUUM (ANALYZE) store")
        conn.execute("VACUUM (ANALYZE) store_vectors")
    return time.perf_counter() - started


def reload_users(url: str, users: Sequence[User], dims: int, seed: int) -> None:
    """Put back users a previous /forget run deleted (only matters with --data-dir reuse)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM store WHERE prefix = ANY(%s)", ([u.prefix for u in users],))
        copy_users(conn, users, dims, seed)


# ----------------------------------------------------------------------------- measurements


@dataclass
class Result:
    index: str
    lookups_ms: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    rows_ok: int = 0
    interests_ms: list[float] = field(default_factory=list)  # /interests: the first page
    forget_ms: list[float] = field(default_factory=list)


class QueryEmbedder:
    """Stands in for the embedding model: hands the store a precomputed vector, instantly."""

    def __init__(self) -> None:
        self.vector: list[float] = []

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.vector for _ in texts]


def exact_top_keys(conn: psycopg.Connection, user: User, vector: list[float]) -> list[str]:
    """Brute force over only this user's vectors: best field per memory, closest LIMIT."""
    rows = conn.execute(
        """
        SELECT key FROM (
            SELECT key, min(embedding <=> %s::vector) AS distance
            FROM store_vectors WHERE prefix = %s GROUP BY key
        ) per_memory
        ORDER BY distance LIMIT %s
        """,
        (vector, user.prefix, LIMIT),
    ).fetchall()
    return [r[0] for r in rows]


def measure_lookups(
    service: MemoryService,
    embedder: QueryEmbedder,
    check: psycopg.Connection,
    targets: Sequence[User],
    dims: int,
    seed: int,
    result: Result,
) -> None:
    for n, user in enumerate(targets):
        embedder.vector = query_vector(seed, n, dims)
        started = time.perf_counter()
        found = service.relevant(
            user.team_id, user.user_id, f"query {n}", LIMIT, include_private=True
        )
        result.lookups_ms.append((time.perf_counter() - started) * 1000)
        expected = exact_top_keys(check, user, embedder.vector)
        wanted = min(LIMIT, user.count)
        result.recalls.append(len({m.key for m in found} & set(expected)) / wanted)
        result.rows_ok += len(found) == wanted


def measure_list_forget(
    service: MemoryService, listed: Sequence[User], forgotten: Sequence[User], result: Result
) -> None:
    for user in listed:
        started = time.perf_counter()
        got = service.page(user.team_id, user.user_id, limit=PAGE)
        result.interests_ms.append((time.perf_counter() - started) * 1000)
        assert got.total == user.count and len(got.memories) == min(PAGE, user.count), user
    for user in forgotten:
        started = time.perf_counter()
        gone = service.forget_all(user.team_id, user.user_id)
        result.forget_ms.append((time.perf_counter() - started) * 1000)
        assert gone == user.count, (user, gone)


@dataclass
class PersonResult:
    person: User
    lookups_ms: list[float] = field(default_factory=list)
    recall_min: float = 1.0
    first_page_ms: list[float] = field(default_factory=list)
    later_page_ms: list[float] = field(default_factory=list)
    later_page: str = "-"  # which page was timed as the later one, "n of m"


def make_people(counts: Sequence[int], users: int) -> list[User]:
    """One person per count, besides the table's users (their indexes follow them)."""
    return [
        User(users + i, f"T{i % TEAMS:08d}", f"UP{count:09d}", count)
        for i, count in enumerate(counts)
    ]


def measure_person(
    service: MemoryService,
    embedder: QueryEmbedder,
    check: psycopg.Connection,
    person: User,
    args: argparse.Namespace,
) -> PersonResult:
    """The reply lookup and /interests for one person, as often as asked, after a warm-up."""
    result = PersonResult(person)
    scope, user = person.team_id, person.user_id
    for n in range(-5, args.person_queries):  # the first 5 warm the cache and are not kept
        embedder.vector = query_vector(args.seed, 10**6 + n, args.dims)
        started = time.perf_counter()
        found = service.relevant(scope, user, f"query {n}", LIMIT, include_private=True)
        elapsed = (time.perf_counter() - started) * 1000
        if n < 0:
            continue
        result.lookups_ms.append(elapsed)
        expected = set(exact_top_keys(check, person, embedder.vector))
        recall = len({m.key for m in found} & expected) / min(LIMIT, person.count)
        result.recall_min = min(result.recall_min, recall)

    # Walk every page once (untimed) for the cursor of the last one: a keyset page costs the
    # same at any depth, where OFFSET grew with it.
    cursors: list[str] = []
    page = service.page(scope, user, limit=PAGE)
    seen = len(page.memories)
    while page.next_cursor:
        cursors.append(page.next_cursor)
        page = service.page(scope, user, limit=PAGE, cursor=page.next_cursor)
        seen += len(page.memories)
    assert seen == person.count == page.total, (person, seen, page.total)
    for n in range(-5, args.person_pages):
        started = time.perf_counter()
        service.page(scope, user, limit=PAGE)
        first = (time.perf_counter() - started) * 1000
        if cursors:
            started = time.perf_counter()
            service.page(scope, user, limit=PAGE, cursor=cursors[-1])
            later = (time.perf_counter() - started) * 1000
        if n >= 0:
            result.first_page_ms.append(first)
            if cursors:
                result.later_page_ms.append(later)
    if cursors:
        result.later_page = f"{len(cursors) + 1} of {len(cursors) + 1}"
    return result


def person_rows(results: Sequence[PersonResult], table_rows: int) -> list[dict[str, str]]:
    def p50_p95(values: list[float]) -> str:
        if not values:
            return "-"
        return "{:.2f} / {:.2f}".format(*harness.percentiles(values, (50, 95)))

    return [
        {
            "person's memories": f"{r.person.count:,}"
            + (" (cap)" if r.person.count == CAP else ""),
            "in a table of": f"{table_rows:,}",
            "lookup k=20 p50/p95 ms": p50_p95(r.lookups_ms),
            "recall min": f"{r.recall_min:.3f}",
            "/interests 1st page p50/p95 ms": p50_p95(r.first_page_ms),
            "later page p50/p95 ms": p50_p95(r.later_page_ms),
            "later page": r.later_page,
        }
        for r in results
    ]


def check_people(results: Sequence[PersonResult], floors: harness.Floors) -> None:
    for r in results:
        if r.person.count == CAP:
            p95 = harness.percentile(r.lookups_ms, 95)
            floors.check(
                p95 < LOOKUP_FLOOR_MS,
                f"lookup at the cap ({CAP} memories): p95 {p95:.2f} ms < {LOOKUP_FLOOR_MS:.0f} ms",
            )
        if r.person.count == INTERESTS_FLOOR_AT:
            for name, values in (("first", r.first_page_ms), ("later", r.later_page_ms)):
                p95 = harness.percentile(values, 95)
                floors.check(
                    p95 < INTERESTS_FLOOR_MS,
                    f"/interests at {INTERESTS_FLOOR_AT:,} memories, {name} page: p95 "
                    f"{p95:.2f} ms < {INTERESTS_FLOOR_MS:.0f} ms",
                )


def search_sql(service: MemoryService, user: User) -> tuple[str, list]:
    """The exact SQL and parameters PostgresStore runs for MemoryService.relevant().

    Recorded from a real call rather than rebuilt, so what the store adds by itself (the
    expanded LIMIT, the namespace OR LIKE condition, the expiry condition) is in it.
    """
    from langgraph.store.postgres import PostgresStore

    prepare = PostgresStore._prepare_batch_search_queries
    seen: list[tuple[str, list]] = []

    def recording(store, ops):
        queries, requests = prepare(store, ops)
        seen.extend(queries)  # the store then fills the query vector into these param lists
        return queries, requests

    # On the class: MemoryService builds its store itself. This process only, for one call.
    PostgresStore._prepare_batch_search_queries = recording
    try:
        service.relevant(user.team_id, user.user_id, "explain", LIMIT, include_private=True)
    finally:
        PostgresStore._prepare_batch_search_queries = prepare
    ((sql, params),) = seen
    return sql, params


def explain(url: str, sql: str, params: list) -> str:
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall()
    plan = "\n".join(r[0] for r in rows)
    # 1536 floats of query vector per line would bury the plan.
    return re.sub(r"'\[[-0-9.e,]+\]'::vector", "'[query vector]'::vector", plan)


def uses_hnsw(plan: str) -> bool:
    return HNSW_INDEX in plan


@contextmanager
def bot_stack(url: str, dims: int) -> Iterator[tuple[MemoryService, QueryEmbedder]]:
    """The bot's own pool, store and MemoryService, with an instant embedder."""
    embedder = QueryEmbedder()
    pool = open_pool(url)
    try:
        pool.wait(timeout=60)
        migrate(pool, dims)  # idempotent; creates the tables on a fresh database
        service = MemoryService(
            StoreBuilder(embedder, dims), pool, ttl_minutes=Settings().memory_ttl_minutes
        )
        yield service, embedder
    finally:
        pool.close()


def with_settings(url: str, **settings: str) -> str:
    """The same database, with session settings applied to every connection (-c options)."""
    if not settings:
        return url
    options = " ".join(f"-c {k}={v}" for k, v in settings.items())
    return make_conninfo(url, options=options)


# ----------------------------------------------------------------------------- reporting


def table_sizes(conn: psycopg.Connection) -> dict[str, int]:
    sizes = {}
    for name in ("store", "store_vectors"):
        sizes[name] = conn.execute("SELECT pg_total_relation_size(%s)", (name,)).fetchone()[0]
    row = conn.execute("SELECT to_regclass(%s)", (HNSW_INDEX,)).fetchone()
    if row[0] is not None:
        sizes["hnsw"] = conn.execute("SELECT pg_relation_size(%s)", (HNSW_INDEX,)).fetchone()[0]
    return sizes


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def progress(row: dict[str, str]) -> None:
    harness.progress(", ".join(f"{k}: {v}" for k, v in row.items()))


def print_table(rows: list[dict[str, str]]) -> None:
    print(harness.table(list(rows[0]), [list(r.values()) for r in rows]))


def summary(args, result: Result, load_s: float, sizes: dict[str, int], lookups: int) -> dict:
    ms = result.lookups_ms

    def fmt(values: list[float], p: int = 50) -> str:
        return f"{harness.percentile(values, p):.2f}" if values else "-"

    size_text = f"{mib(sizes['store'])} + {mib(sizes['store_vectors'])}"
    if "hnsw" in sizes:
        size_text += f" (hnsw {mib(sizes['hnsw'])})"
    return {
        "memories": f"{args.memories:,}",
        "users": f"{args.users:,}",
        "dims": str(args.dims),
        "index / search": result.index,
        "lookup p50 ms": fmt(ms),
        "p95": fmt(ms, 95),
        "p99": fmt(ms, 99),
        "recall mean": f"{statistics.fmean(result.recalls):.3f}",
        "recall min": f"{min(result.recalls):.3f}",
        "rows ok": f"{result.rows_ok}/{lookups}",
        "/interests p50/p95 ms": f"{fmt(result.interests_ms)} / {fmt(result.interests_ms, 95)}",
        "forget p50/p95 ms": f"{fmt(result.forget_ms)} / {fmt(result.forget_ms, 95)}",
        "load s": "reused" if load_s != load_s else f"{load_s:.0f}",  # NaN: --data-dir reuse
        "store + store_vectors": size_text,
    }


# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--memories", type=int, default=20_000)
    p.add_argument("--users", type=int, default=1_000)
    p.add_argument("--dims", type=int, default=1536)
    p.add_argument("--queries", type=int, default=200, help="timed reply-path lookups")
    p.add_argument("--lists", type=int, default=100, help="timed /interests (first page) calls")
    p.add_argument("--forgets", type=int, default=20, help="users deleted by /forget")
    p.add_argument(
        "--people",
        type=lambda text: sorted({int(n) for n in text.split(",")}),
        default=sorted({20, CAP, 1_000, INTERESTS_FLOOR_AT}),
        help="memories of each person on the per-person axis, comma-separated "
        f"(default 20,{CAP},1000,{INTERESTS_FLOOR_AT}); loaded besides --memories",
    )
    p.add_argument("--person-queries", type=int, default=100, help="timed lookups per person")
    p.add_argument("--person-pages", type=int, default=50, help="timed /interests per person")
    p.add_argument("--index", choices=["flat", "hnsw", "both"], default="flat")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--database-url", help="use this database (its store tables get TRUNCATEd)")
    p.add_argument(
        "--data-dir",
        type=Path,
        help="embedded server directory to keep; a rerun with the same sizes skips the load",
    )
    args = p.parse_args(argv)
    if args.forgets + 1 >= args.users:
        p.error("--forgets must leave users to look up")
    return args


def run(args: argparse.Namespace, floors: harness.Floors) -> None:
    """Print the tables and check the floors."""
    users = make_users(args.memories, args.users, args.seed)
    people = make_people(args.people, args.users)
    # /forget takes the last users; lookups and lists never touch them, so nothing is measured
    # on a namespace that was just emptied.
    forgotten = users[-args.forgets :] if args.forgets else []
    live = users[: len(users) - len(forgotten)]
    rng = random.Random(f"{args.seed}:sample")
    lookups = [rng.choice(live) for _ in range(args.queries)]
    warmup = [rng.choice(live) for _ in range(min(20, args.queries))]
    listed = [rng.choice(live) for _ in range(args.lists)]

    url = args.database_url or harness.embedded_database(args.dims, args.data_dir).url
    fingerprint = {"memories": args.memories, "users": args.users, "dims": args.dims,
                   "seed": args.seed, "fields": list(FIELDS), "people": args.people,
                   "layout": 2}  # fmt: skip
    with bot_stack(url, args.dims):
        pass  # migrate() runs inside: the tables exist from here on
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS memory_scale_meta (params jsonb)")
        loaded = conn.execute("SELECT params FROM memory_scale_meta").fetchone()
        # An ANN index left by an interrupted run would change the flat numbers.
        conn.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX}")
        settings = {
            s: conn.execute(f"SHOW {s}").fetchone()[0]
            for s in ("server_version", "shared_buffers", "work_mem", "jit")
        }
        settings["pgvector"] = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()[0]

    table_rows = args.memories + sum(args.people)
    print("server: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    if loaded and loaded[0] == fingerprint:
        load_s = float("nan")
        print("data already loaded (--data-dir reuse); restoring the /forget users")
        if forgotten:
            reload_users(url, forgotten, args.dims, args.seed)
    else:
        load_s = load(url, users + people, args.dims, args.seed)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM memory_scale_meta")
            conn.execute("INSERT INTO memory_scale_meta VALUES (%s)", (json.dumps(fingerprint),))
        rate = table_rows / load_s
        print(f"load: {load_s:.1f} s ({rate:,.0f} memories/s, {2 * rate:,.0f} vectors/s)")

    with bot_stack(url, args.dims) as (service, embedder):
        sanity_check(service, embedder, users[0], args.dims, args.seed)

    rows = []
    plans: dict[str, str] = {}
    check = psycopg.connect(url, autocommit=True)
    if args.index in ("flat", "both"):
        result = Result("flat (exact)")
        with bot_stack(url, args.dims) as (service, embedder):
            measure_lookups(service, embedder, check, warmup, args.dims, args.seed, Result(""))
            measure_lookups(service, embedder, check, lookups, args.dims, args.seed, result)
            measure_list_forget(service, listed, forgotten, result)
            plans["flat"] = explain(url, *search_sql(service, lookups[0]))
        with psycopg.connect(url, autocommit=True) as conn:
            rows.append(summary(args, result, load_s, table_sizes(conn), len(lookups)))
        progress(rows[-1])

    # The per-person axis is measured as the bot is configured: exact search, no ANN index.
    with bot_stack(url, args.dims) as (service, embedder):
        per_person = [measure_person(service, embedder, check, p, args) for p in people]
        if people:
            biggest = people[-1]
            plans[f"flat, one person with {biggest.count:,} memories"] = explain(
                url, *search_sql(service, biggest)
            )
    for row in person_rows(per_person, table_rows):
        progress(row)

    if args.index in ("hnsw", "both"):
        rows += run_hnsw(args, url, check, warmup, lookups, load_s, plans)
    check.close()

    print()
    print_table(rows)
    check_people(per_person, floors)
    if per_person:
        print(f"\n## One person's memories inside the {table_rows:,}-row table\n")
        print_table(person_rows(per_person, table_rows))
        print()
        floors.print()
    for name, plan in plans.items():
        print(f"\n## EXPLAIN (ANALYZE, BUFFERS) of the store's search SQL, {name}\n")
        print(plan)


def run_hnsw(args, url, check, warmup, lookups, load_s, plans) -> list[dict[str, str]]:
    """Build the ANN index the store would build for kind=hnsw; see what the planner and
    pgvector's iterative scans make of a one-person namespace filter."""
    rows = []
    with psycopg.connect(url, autocommit=True) as conn:
        # Enough memory to build the graph in RAM; one worker, as the machine has 2 cores.
        conn.execute("SET maintenance_work_mem = '8GB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        conn.execute(
            f"CREATE INDEX {HNSW_INDEX} ON store_vectors USING hnsw (embedding vector_cosine_ops)"
        )
        build_s = time.perf_counter() - started
        conn.execute("ANALYZE store_vectors")
        sizes = table_sizes(conn)
    print(f"hnsw build: {build_s:.1f} s (m=16, ef_construction=64, pgvector defaults)")
    try:
        variants: list[tuple[str, dict[str, str]]] = [("hnsw, planner's choice", {})]
        # enable_sort=off is the only way to make the planner prefer the ANN index's ordered
        # scan here: it shows what an HNSW-backed search returns when it is used.
        for mode in ("off", "relaxed_order", "strict_order"):
            variants.append(
                (
                    f"hnsw forced, iterative_scan={mode}",
                    {"enable_sort": "off", "hnsw.iterative_scan": mode},
                )  # fmt: skip
            )
        for label, settings in variants:
            variant_url = with_settings(url, **settings)
            result = Result(label)
            with bot_stack(variant_url, args.dims) as (service, embedder):
                measure_lookups(service, embedder, check, warmup, args.dims, args.seed, Result(""))
                measure_lookups(service, embedder, check, lookups, args.dims, args.seed, result)
                plan = explain(variant_url, *search_sql(service, lookups[0]))
            plans[label] = plan
            label += " [uses ANN index]" if uses_hnsw(plan) else " [B-tree, exact]"
            result.index = label
            rows.append(summary(args, result, load_s, sizes, len(lookups)))
            progress(rows[-1])
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX}")
    return rows


def sanity_check(
    service: MemoryService, embedder: QueryEmbedder, user: User, dims: int, seed: int
) -> None:
    """Read a loaded user back through the bot's code: same keys, parsed values, scores."""
    rows, _ = user_rows(user, dims, seed)
    listed = service.list_all(user.team_id, user.user_id)
    assert {m.key for m in listed} == {k for k, _, _ in rows}, "list_all misses COPYed rows"
    by_key = {k: v["content"] for k, v, _ in rows}
    for memory in listed:
        content = by_key[memory.key]
        assert (memory.topic, memory.category, memory.interest_level, memory.description) == (
            content["topic"], content["category"], content["interest_level"],
            content["description"],
        )  # fmt: skip
    embedder.vector = query_vector(0, -1, dims)
    found = service.relevant(user.team_id, user.user_id, "anything", LIMIT, include_private=True)
    assert len(found) == min(LIMIT, user.count) and all(m.score is not None for m in found)
    assert found == sorted(found, key=lambda m: -(m.score or 0)), "scores not descending"
    print(
        f"sanity: {user.count} memories of {MEMORY_ROOT}/{user.team_id}/{user.user_id} read back "
        f"through MemoryService (list_all, relevant with scores {found[-1].score:.3f}.."
        f"{found[0].score:.3f})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = (
        f"memory_scale: {args.memories:,} memories of {args.users:,} users, plus "
        f"{len(args.people)} people holding {', '.join(f'{n:,}' for n in args.people)} "
        f"({args.memories + sum(args.people):,} rows), {args.dims} dims"
    )
    with harness.session(title) as floors:
        run(args, floors)
    return floors.exit_code


if __name__ == "__main__":
    sys.exit(main())
