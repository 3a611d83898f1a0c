"""What the drill asks the database directly: per-table fingerprints, row-level security, the HNSW plan."""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from psycopg import sql

SCHEMAS = ("public", "auth")
# Tables a frontend could read through Supabase's Data API: each must keep row-level security after a restore.
RLS_TABLES = ("trips", "trip_items", "idempotency_keys", "memories")
OWNER_POLICIES = {"trips": "trips_owner", "trip_items": "trip_items_owner"}
_READER_ROLE = "tripsage_drill_reader"


@dataclass(frozen=True, slots=True)
class TableFingerprint:
    rows: int
    md5: str


@dataclass(frozen=True, slots=True)
class RlsCheck:
    policies_present: bool
    rls_enabled: bool
    others_rows_seen: int
    own_rows_seen: int

    @property
    def passed(self) -> bool:
        return self.policies_present and self.rls_enabled and self.others_rows_seen == 0 and self.own_rows_seen > 0


def wait_for_database(url: str, timeout_s: float = 60.0) -> None:
    """Return once `url` accepts a query (the database itself exists, not only the server)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def table_fingerprints(url: str) -> dict[str, TableFingerprint]:
    """Row count and md5 of every row's text in a fixed order, for each table of the application schemas."""
    fingerprints = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1, 2", (list(SCHEMAS),)
        ).fetchall()
        for schema, table in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
            ).format(sql.Identifier(schema, table))
            row = conn.execute(query).fetchone()
            assert row is not None
            fingerprints[f"{schema}.{table}"] = TableFingerprint(rows=int(row[0]), md5=str(row[1]))
    return fingerprints


def rls_check(url: str, *, owner: str, other: str) -> RlsCheck:
    """As a role without BYPASSRLS acting for `other` (auth.uid()), how many of `owner`'s trips and items are visible.

    The role is made here, for the check, and dropped afterwards: roles belong to a cluster, not to a dump.
    """
    with psycopg.connect(url) as conn:
        policies: dict[str, str] = dict(
            conn.execute(
                "SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = ANY(%s)",
                (list(OWNER_POLICIES),),
            ).fetchall()
        )
        enabled = conn.execute(
            "SELECT bool_and(relrowsecurity) AND count(*) = %s FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relname = ANY(%s)",
            (len(RLS_TABLES), list(RLS_TABLES)),
        ).fetchone()
        role = sql.Identifier(_READER_ROLE)
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN NOBYPASSRLS").format(role))
        try:
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public, auth TO {}").format(role))
            conn.execute(sql.SQL("GRANT SELECT ON trips, trip_items TO {}").format(role))
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(role))
            seen = {}
            for sub in (other, owner):
                conn.execute("SELECT set_config('request.jwt.claim.sub', %s, true)", (sub,))
                row = conn.execute(
                    "SELECT (SELECT count(*) FROM trips WHERE user_id = %(owner)s)"
                    " + (SELECT count(*) FROM trip_items WHERE user_id = %(owner)s)",
                    {"owner": owner},
                ).fetchone()
                seen[sub] = int(row[0]) if row else -1
        finally:
            conn.rollback()  # the role, its grants and the settings go with the transaction
    return RlsCheck(
        policies_present=policies == OWNER_POLICIES,
        rls_enabled=bool(enabled and enabled[0]),
        others_rows_seen=seen[other],
        own_rows_seen=seen[owner],
    )


def memory_search_plan(url: str, *, user: str, ef_search: int = 100, planner_free: bool = False) -> str:
    """EXPLAIN of the query mem0 runs for a user's search, with the session settings the memory service uses.

    Unless `planner_free`, sequential scans and sorts are priced out: on a few hundred rows the planner rightly
    prefers reading the table, and what the drill must prove is that the restored HNSW index is valid and can serve
    the search's ordering (only an index scan on it yields rows ordered by distance without a sort).
    """
    with psycopg.connect(url) as conn:
        conn.execute(f"SET hnsw.ef_search = {int(ef_search)}")
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        if not planner_free:
            conn.execute("SET enable_seqscan = off")
            conn.execute("SET enable_bitmapscan = off")
            conn.execute("SET enable_sort = off")
        row = conn.execute("SELECT vector::text FROM memories WHERE payload->>'user_id' = %s LIMIT 1", (user,))
        probe = row.fetchone()
        if probe is None:
            raise RuntimeError(f"{user} has no memories to search")
        plan = conn.execute(
            "EXPLAIN SELECT id, vector <=> %s::vector AS distance, payload FROM memories "
            "WHERE payload->>'user_id' = %s ORDER BY distance LIMIT 5",
            (probe[0], user),
        ).fetchall()
    return "\n".join(line[0] for line in plan)


def hnsw_index_valid(url: str, index: str = "memories_hnsw_idx") -> bool:
    """The index exists, is an HNSW index, and is valid and ready (a failed build leaves it invalid)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT am.amname = 'hnsw' AND i.indisvalid AND i.indisready FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            "WHERE c.oid = to_regclass(%s)",
            (f"public.{index}",),
        ).fetchone()
    return bool(row and row[0])


def uses_hnsw(plan: str, index: str = "memories_hnsw_idx") -> bool:
    return f"Index Scan using {index}" in plan


def plan_summary(plan: str) -> str:
    """The plan's first scan node, e.g. `Seq Scan on memories` or `Index Scan using memories_hnsw_idx on memories`."""
    for line in plan.splitlines():
        node = line.strip().removeprefix("->").strip()
        if "Scan" in node:
            return node.split("  (")[0]
    return plan.splitlines()[0] if plan else ""
