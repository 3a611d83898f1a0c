"""The results as a Markdown table against the goals, kept in docs/benchmarks.md between markers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def _fig(stat: Any, unit: str = "") -> str:
    if not isinstance(stat, dict) or "median" not in stat:
        return "—" if stat is None else f"{stat}{unit}"
    return f"{stat['median']:g}{unit} ({stat['min']:g}-{stat['max']:g})"


def _verdict(value: float | None, goal: float, *, at_most: bool) -> str:
    if value is None:
        return "not measured"
    met = value <= goal if at_most else value >= goal
    return "met" if met else f"missed by {abs(value - goal):.3g}"


def _latency_verdict(added_ms: float | None, goal_ms: float) -> str:
    # A hop cannot make a request faster: below zero the direct run was the unluckier one (a busy machine).
    if added_ms is not None and added_ms < 0:
        return "not measurable: direct slower (machine busy)"
    return _verdict(added_ms, goal_ms, at_most=True)


def _median(stat: Any) -> float | None:
    return float(stat["median"]) if isinstance(stat, dict) and "median" in stat else None


def _errors(item: dict[str, Any]) -> str:
    errors = _median(item.get("errors"))
    return f"; INVALID: {errors:g} requests failed" if errors else ""


def _goal(
    label: str,
    item: dict[str, Any],
    key: str,
    goal: float,
    *,
    unit: str = "",
    at_most: bool = True,
    errors: bool = False,
) -> tuple[str, str, str, str]:
    """A figure against its goal, written once for both the goal column and the verdict."""
    verdict = _verdict(_median(item[key]), goal, at_most=at_most) + (_errors(item) if errors else "")
    return label, _fig(item[key], unit), f"{'≤' if at_most else '≥'} {goal}{unit}", verdict


def _all_errors(results: dict[str, Any]) -> float:
    items = ("1_gateway_hop", "2_cached_search", "3_cold_search")
    starved = float(results["7_starved"]["errors"])
    return sum(_median(results[item].get("errors")) or 0.0 for item in items) + starved


def goal_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The goals of issue 20, ratios first: what forwarding costs against answering."""
    hop, cached, stop = results["1_gateway_hop"], results["2_cached_search"], results["8_stop"]["ctrl_c_to_exit_s"]
    errors = _all_errors(results)
    return [
        _goal(
            "gateway CPU per forwarded request ÷ time service CPU per answered request", hop, "gateway_to_time_cpu", 1.0
        ),
        _goal("through-gateway ÷ direct throughput, 32 connections", hop, "throughput_ratio", 0.65, at_most=False),
        _goal(
            "cached flight search CPU per request (gateway + flights + Redis) ÷ the gateway hop's (gateway + time)",
            cached,
            "cpu_ratio_to_gateway_hop",
            2,
        ),
        _goal("gateway CPU per forwarded request", hop, "gateway_cpu_us_per_request", 250, unit=" µs"),
        (
            "added p90 at 1 connection",
            _fig(hop["added_p90_ms"], " ms"),
            "≤ 0.5 ms",
            _latency_verdict(_median(hop["added_p90_ms"]), 0.5),
        ),
        (
            "non-2xx in any figure, also with one core saturated by a CPU burner",
            f"{errors:g} ({results['7_starved']['errors']:g} while starved)",
            "0",
            _verdict(errors, 0.0, at_most=True),
        ),
        (
            "`make run`: Ctrl-C to every process exited",
            "—" if stop is None else f"{stop} s",
            "≤ 5 s",
            _verdict(stop, 5.0, at_most=True),
        ),
    ]


def markdown(results: dict[str, Any]) -> str:
    hop, cached, cold = results["1_gateway_hop"], results["2_cached_search"], results["3_cold_search"]
    brief, memory, footprint = results["4_brief_fanout"], results["5_memory_search"], results["6_footprint"]
    rows = [
        *goal_rows(results),
        (
            "1 direct / gateway p90 at 1 connection",
            f"{_fig(hop['direct_p90_ms'], ' ms')} / {_fig(hop['gateway_p90_ms'], ' ms')}",
            "",
            _errors(hop).removeprefix("; "),
        ),
        (
            "1 direct / gateway req/s at 32 connections",
            f"{_fig(hop['direct_rps_c32'])} / {_fig(hop['gateway_rps_c32'])}",
            "",
            "",
        ),
        (
            "1 CPU per request at 32 connections: gateway / time service (direct, through)",
            f"{_fig(hop['gateway_cpu_us_per_request'], ' µs')} / {_fig(hop['time_cpu_us_per_request_direct'], ' µs')}, "
            f"{_fig(hop['time_cpu_us_per_request_through'], ' µs')}",
            "",
            "",
        ),
        _goal("2 cached search p99, 32 connections", cached, "p99_ms", 20, unit=" ms", errors=True),
        _goal("2 cached search req/s ÷ gateway hop req/s", cached, "ratio_to_gateway_hop", 0.5, at_most=False),
        _goal(
            "3 cold search overhead p50 (latency - sandbox delay)", cold, "overhead_p50_ms", 5, unit=" ms", errors=True
        ),
        _goal("4 brief - slowest section, p50", brief, "overhead_ms", 5, unit=" ms"),
    ]
    if "error" in memory:
        rows.append(("5 memory search", "failed: see results.json", "", ""))
    else:
        vector = memory["vector_search_ms"]["p50"]
        rows += [
            (
                f"5 memory search request p50 / p99 ({memory['memories']} of one user, {memory['others']} others)",
                f"{memory['request_ms']['p50']} / {memory['request_ms']['p99']} ms",
                "",
                "",
            ),
            ("5 memory: embedding the query p50", f"{memory['embedding_ms']['p50']} ms", "", ""),
            ("5 memory: vector search p50", f"{vector} ms", "≤ 10 ms", _verdict(vector, 10.0, at_most=True)),
        ]
    for name, figures in footprint.items():
        loaded, ready = figures.get("rss_loaded_mib"), figures.get("start_to_ready_s")
        rows.append(
            (
                f"6 {name}: RSS idle / loaded",
                f"{figures.get('rss_idle_mib')} / {loaded} MiB",
                "≤ 150 MiB",
                _verdict(loaded, 150.0, at_most=True),
            )
        )
        rows.append((f"6 {name}: start to ready", f"{ready} s", "≤ 3 s", _verdict(ready, 3.0, at_most=True)))
    machine = results["machine"]
    head = [
        f"Run {results['finished_at']} on {machine['cpus']} CPUs, {machine['memory_gib']} GiB "
        f"({machine['platform']}); {results['plan']['runs']} runs of {results['plan']['seconds']} s each, "
        f"median (min-max); sandbox delay {results['sandbox_delay_ms']} ms.",
        "",
        "| figure | measured | goal | verdict |",
        "|---|---|---|---|",
    ]
    return "\n".join(head + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows])


def update_doc(doc: Path, table: str) -> None:
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = f"{START}\n{table}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## The whole stack (`make bench`, issue 10)\n\n" + block + "\n"
    doc.write_text(text)
