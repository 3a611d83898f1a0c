"""Search latency of one user's memories at scale (default 10k), through the real app, mem0 and pgvector.

    uv run --all-packages python services/memory/benchmarks/search_latency.py --memories 10000 --others 10000

Starts its own embedded Postgres (pgvector) and sandbox embedder unless --database-url / --sandbox-url are given,
migrates, binds the table, seeds rows in mem0's layout straight into the table (embedding 10k texts through the API
would measure the embedder, not the search), then times GET /v1/memories/search. The seeded vectors are real MiniLM
embeddings of generated sentences (`--synthetic` uses random unit vectors instead: faster, less realistic).
Prints p50/p95/p99 and the query plan of the vector search, so a missing index shows up as a Seq Scan.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from fastapi.testclient import TestClient

from tripsage_core.auth import mint_token
from tripsage_core.settings import DEVELOPMENT_JWT_SECRET
from tripsage_db.migrations import MigrationRunner
from tripsage_memory.app import create_app
from tripsage_memory.config import MemorySettings
from tripsage_testing import EmbeddedPostgres, free_port
from tripsage_testing.sandbox import running_sandbox

REPO = Path(__file__).resolve().parents[3]
SUBJECTS = [
    "aisle seats",
    "window seats",
    "vegetarian food",
    "boutique hotels",
    "late checkout",
    "museums",
    "train travel",
    "hiking",
    "spicy food",
    "quiet rooms",
    "direct flights",
    "jazz bars",
    "beaches",
]
VERBS = ["I like", "I avoid", "I always book", "My partner prefers", "We never choose", "I am curious about"]
QUERIES = ["What can I eat on this trip?", "Where should we sleep?", "How do I like to fly?", "Evening plans?"]


def _sentences(count: int, rng: random.Random) -> list[str]:
    return [f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} ({n})." for n in range(count)]


def _embed(base_url: str, texts: list[str], dims: int, synthetic: bool, rng: random.Random) -> list[list[float]]:
    if synthetic:
        import numpy as np  # only here: 100k random unit vectors in pure Python take minutes

        vectors = np.random.default_rng(rng.randrange(2**32)).standard_normal((len(texts), dims))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return [list(map(float, row)) for row in vectors]
    out: list[list[float]] = []
    with httpx.Client(base_url=base_url, timeout=120, trust_env=False) as client:
        for start in range(0, len(texts), 1000):
            response = client.post(
                "/v1/embeddings",
                json={"model": "all-MiniLM-L6-v2", "input": texts[start : start + 1000]},
                headers={"authorization": "Bearer bench"},
            )
            response.raise_for_status()
            out.extend(item["embedding"] for item in sorted(response.json()["data"], key=lambda d: d["index"]))
    return out


def _seed(database_url: str, user: str, texts: list[str], vectors: list[list[float]]) -> None:
    start = datetime.now(UTC) - timedelta(days=365)
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        with cur.copy("COPY memories (id, vector, payload) FROM STDIN") as copy:
            for n, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
                created = (start + timedelta(minutes=n)).isoformat()
                payload = {
                    "data": text,
                    "hash": hashlib.md5(text.encode(), usedforsecurity=False).hexdigest(),
                    "user_id": user,
                    "role": "user",
                    "created_at": created,
                    "updated_at": created,
                    "text_lemmatized": text,
                }
                copy.write_row((uuid.uuid4(), "[" + ",".join(f"{x:.6f}" for x in vector) + "]", json.dumps(payload)))
        conn.execute("ANALYZE memories")


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with (
        tempfile.TemporaryDirectory(prefix="memory-bench-") as root,
        EmbeddedPostgres(Path(root) / "data", free_port(), durable=False) as server,
    ):
        yield server.dsn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=10_000, help="memories of the measured user")
    parser.add_argument("--others", type=int, default=10_000, help="memories of other users in the same table")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--database-url", help="a migrated-or-empty database (default: embedded Postgres)")
    parser.add_argument("--sandbox-url", help="a running sandbox (default: start one)")
    parser.add_argument("--synthetic", action="store_true", help="random unit vectors instead of MiniLM embeddings")
    parser.add_argument(
        "--synthetic-others", action="store_true", help="random unit vectors for the other users only (for 100k rows)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not secrets

    with ExitStack() as stack:
        database_url = stack.enter_context(_database(args.database_url))
        sandbox_url = args.sandbox_url or stack.enter_context(running_sandbox(Path(tempfile.mkdtemp()))).url
        MigrationRunner(database_url, REPO / "deploy" / "migrations").up()
        settings = MemorySettings(
            environment="development",
            database_url=database_url,
            provider_base_url=sandbox_url,
            access_log=False,
            log_level="WARNING",
        )
        client = stack.enter_context(TestClient(create_app(settings)))  # binds the table (dimension, HNSW index)
        user = f"bench-{uuid.uuid4().hex[:8]}"
        for owner, count in ((user, args.memories), (None, args.others)):
            texts = _sentences(count, rng)
            synthetic = args.synthetic or (owner is None and args.synthetic_others)
            vectors = _embed(sandbox_url, texts, settings.dims, synthetic, rng)
            _seed(database_url, owner or f"other-{rng.randrange(100)}", texts, vectors)

        headers = {"authorization": f"Bearer {mint_token(sub=user, secret=DEVELOPMENT_JWT_SECRET)}"}
        for query in QUERIES:  # warm-up: model, connection pools, index pages
            client.get("/v1/memories/search", params={"q": query}, headers=headers).raise_for_status()
        timings = []
        for n in range(args.queries):
            started = time.perf_counter()
            response = client.get("/v1/memories/search", params={"q": QUERIES[n % len(QUERIES)]}, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            assert response.json()["results"], "the measured user has memories; an empty result is a bug"

        quantiles = statistics.quantiles(timings, n=100)
        print(f"memories={args.memories} others={args.others} queries={args.queries} synthetic={args.synthetic}")
        print(f"search latency ms: p50={quantiles[49]:.1f} p95={quantiles[94]:.1f} p99={quantiles[98]:.1f}")
        with psycopg.connect(database_url) as conn:
            vector = "[" + ",".join(["0.05"] * settings.dims) + "]"
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
            plan = conn.execute(
                "EXPLAIN ANALYZE SELECT id FROM memories WHERE payload->>'user_id' = %s "
                "ORDER BY vector <=> %s::vector LIMIT 60",
                (user, vector),
            ).fetchall()
        print("\n".join(re.sub(r"'\[[^]]*\]'", "'[…]'", row[0]) for row in plan))
        if args.json:
            embed_ms, vector_ms = _split_timings(sandbox_url, database_url, user, settings.dims, args.queries)
            args.json.write_text(
                json.dumps(
                    {
                        "memories": args.memories,
                        "others": args.others,
                        "queries": args.queries,
                        "request_ms": {
                            "p50": round(quantiles[49], 2),
                            "p95": round(quantiles[94], 2),
                            "p99": round(quantiles[98], 2),
                        },
                        "embedding_ms": embed_ms,
                        "vector_search_ms": vector_ms,
                        "index_used": any("hnsw" in row[0].lower() or "Index Scan" in row[0] for row in plan),
                    },
                    indent=2,
                )
            )


def _split_timings(
    sandbox_url: str, database_url: str, user: str, dims: int, count: int
) -> tuple[dict[str, float], dict[str, float]]:
    """The two halves of a search, apart: embedding the query, and the pgvector query for this user."""
    embed, search = [], []
    with (
        httpx.Client(base_url=sandbox_url, timeout=30, trust_env=False) as client,
        psycopg.connect(database_url) as conn,
    ):
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        for n in range(count):
            started = time.perf_counter()
            answer = client.post(
                "/v1/embeddings",
                json={"model": "all-MiniLM-L6-v2", "input": QUERIES[n % len(QUERIES)]},
                headers={"authorization": "Bearer bench"},
            )
            embed.append((time.perf_counter() - started) * 1000)
            vector = "[" + ",".join(str(x) for x in answer.json()["data"][0]["embedding"][:dims]) + "]"
            started = time.perf_counter()
            conn.execute(
                "SELECT id FROM memories WHERE payload->>'user_id' = %s ORDER BY vector <=> %s::vector LIMIT 10",
                (user, vector),
            ).fetchall()
            search.append((time.perf_counter() - started) * 1000)

    def summary(values: list[float]) -> dict[str, float]:
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        return {"p50": round(q[49], 3), "p99": round(q[98], 3)}

    return summary(embed), summary(search)


if __name__ == "__main__":
    main()
