"""The load test's figures: requests, errors and p50/p99 per kind of request, and one JSON line."""

from __future__ import annotations

import json
from collections import Counter


def percentile(response_times: dict, share: float) -> int | None:
    """Return the response time (ms) under which ``share`` of the requests were answered, as locust
    computes it from its histogram of rounded times."""
    times = Counter({int(ms): count for ms, count in response_times.items()})
    total = sum(times.values())
    if not total:
        return None
    within = int(total * share)
    processed = 0
    for ms in sorted(times, reverse=True):
        processed += times[ms]
        if total - processed <= within:
            return ms
    return min(times)


def _span(entries: list[dict]) -> float:
    start = min(e["start_time"] for e in entries)
    return max(e["last_request_timestamp"] or start for e in entries) - start


def _row(name: str, entries: list[dict], seconds: float) -> dict:
    times = sum((Counter({int(ms): n for ms, n in e["response_times"].items()}) for e in entries), Counter())
    requests = sum(e["num_requests"] for e in entries)
    return {
        "name": name,
        "requests": requests,
        "errors": sum(e["num_failures"] for e in entries),
        "p50_ms": percentile(times, 0.50),
        "p99_ms": percentile(times, 0.99),
        "rps": round(requests / seconds, 1) if seconds > 0 else 0.0,
    }


def rows(stats: list[dict]) -> tuple[list[dict], dict]:
    """Return (one row per kind of request, the row of all requests) from locust's final statistics."""
    if not stats:
        raise ValueError("locust made no request")
    # Rates are over the whole run, so that the kinds add up to the total.
    seconds = _span(stats)
    kinds = [_row(e["name"], [e], seconds) for e in sorted(stats, key=lambda e: e["name"])]
    return kinds, _row("all", stats, seconds)


def table(kinds: list[dict], total: dict) -> str:
    """Return the figures as a plain table, all requests last."""
    lines = [f"{'request':<22} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7}"]
    for row in [*kinds, total]:
        lines.append(
            f"{row['name']:<22} {row['requests']:>9} {row['errors']:>7} "
            f"{row['p50_ms'] or 0:>8} {row['p99_ms'] or 0:>8} {row['rps']:>7}"
        )
    return "\n".join(lines)


def json_line(total: dict, **run) -> str:
    """Return the run's one JSON line: its parameters and the figures of all requests."""
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
