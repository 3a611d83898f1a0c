"""The results as a Markdown table, written between markers in docs/reliability.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

START = "<!-- chaos:start -->"
END = "<!-- chaos:end -->"


def _statuses(counts: dict[str, int]) -> str:
    return ", ".join(f"{status}: {n}" for status, n in counts.items()) or "none"


def _goals(goals: dict[str, bool]) -> str:
    return "<br>".join(f"{'✅' if ok else '❌'} {name}" for name, ok in goals.items())


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| phase | goal | sent | ok | failed by status (fault window) | p99 ms (all / window) | recovery s | verdict |",
        "|---|---|---:|---:|---|---|---:|---|",
    ]
    for phase in results["phases"]:
        during = phase["during_fault"]
        recovery = (
            "-"
            if phase["phase"] == "baseline"
            else (phase["recovery_s"] if phase["recovery_s"] is not None else "never")
        )
        lines.append(
            f"| `{phase['phase']}` | {phase['goal']} | {phase['sent']} | {phase['ok']} "
            f"| {_statuses(phase['failed_by_status'])} ({_statuses(during['failed_by_status'])}) "
            f"| {phase['p99_ms']} / {during['p99_ms']} | {recovery} | {_goals(phase['goals'])} |"
        )
    last = results["phases"][-1]["durability"] if results["phases"] else {}
    lines += [
        "",
        f"Durability after every phase (final audit): {last.get('trips_acknowledged', 0)} trips, "
        f"{last.get('items_acknowledged', 0)} items and {last.get('memories_acknowledged', 0)} memories acknowledged; "
        f"lost: {last.get('trips_lost', 0)} trips, {last.get('items_lost', 0)} items, "
        f"{last.get('memories_lost', 0)} memories; trips duplicated by retried Idempotency-Keys: "
        f"{last.get('trips_duplicated', 0)}.",
        "",
        f"Run: {results.get('finished_at', '?')}, {results.get('duration_s', '?')} s in all, "
        f"{results['plan']['concurrency']} concurrent clients; all goals met: {'yes' if results['passed'] else 'no'}.",
    ]
    return "\n".join(lines)


def update_doc(doc: Path, table: str) -> None:
    text = doc.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{doc} has no {START} … {END} block to rewrite")
    before, rest = text.split(START, 1)
    doc.write_text(before + f"{START}\n{table}\n{END}" + rest.split(END, 1)[1])
