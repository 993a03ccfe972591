"""locust, headless, against a running site for a fixed time; the figures it writes are read back."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def run(url: str, *, readers: int, reporters: int, seconds: int, out: Path, env: dict) -> list[dict]:
    """Run ``readers`` + ``reporters`` users for ``seconds``; return locust's final statistics, one entry per
    kind of request (its JSON file, written once every user has stopped)."""
    users = readers + reporters
    prefix = out / "locust"
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        url,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--json-file",
        str(prefix),
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(command, env={**env, "LOADTEST_REPORTERS": str(reporters)}, check=True)  # noqa: S603
    return json.loads(prefix.with_name(prefix.name + ".json").read_text())


def failures(out: Path) -> list[dict]:
    """Return locust's rows of failures: each distinct error with its count (the counts that matter are
    in the statistics; these say what the errors were)."""
    path = out / "locust_failures.csv"
    if not path.exists():
        return []
    with path.open(newline="") as rows:
        return list(csv.DictReader(rows))
