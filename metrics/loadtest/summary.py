"""The load test's figures: requests, errors and p50/p99 per kind of request, and one JSON line."""

from __future__ import annotations

import json


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def rows(stats: list[dict]) -> tuple[list[dict], dict]:
    """Return (one row per kind of request, the aggregate row) from locust's statistics."""
    parsed = [
        {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "p50_ms": _number(row["50%"]),
            "p99_ms": _number(row["99%"]),
            "rps": round(float(row["Requests/s"]), 1),
        }
        for row in stats
    ]
    total = next((row for row in parsed if row["name"] == "Aggregated"), None)
    if total is None:
        raise ValueError("locust wrote no aggregate row")
    return [row for row in parsed if row["name"] != "Aggregated"], total


def table(kinds: list[dict], total: dict) -> str:
    """Return the figures as a plain table, the aggregate last."""
    lines = [f"{'request':<22} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7}"]
    for row in [*kinds, {**total, "name": "all"}]:
        lines.append(
            f"{row['name']:<22} {row['requests']:>9} {row['errors']:>7} "
            f"{row['p50_ms'] or 0:>8.0f} {row['p99_ms'] or 0:>8.0f} {row['rps']:>7}"
        )
    return "\n".join(lines)


def json_line(total: dict, **run) -> str:
    """Return the run's one JSON line: its parameters and the aggregate figures."""
    return json.dumps(
        {
            **run,
            "requests": total["requests"],
            "errors": total["errors"],
            "p50_ms": total["p50_ms"],
            "p99_ms": total["p99_ms"],
            "rps": total["rps"],
        }
    )
