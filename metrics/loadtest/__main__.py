"""``python -m metrics.loadtest``: prepare a database, serve it with gunicorn, load it, print the figures.

Parameters from the environment (``make loadtest`` passes its variables): READERS (16), REPORTERS (4),
DURATION seconds (60), WORKERS gunicorn processes (2), THREADS per process (1), LOADTEST_PORT (8799).
Exits 1 when any request failed: zero errors is the bar.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from metrics.loadtest import client, database, server, summary


def main() -> int:
    environ = dict(os.environ)
    readers = int(environ.get("READERS", "16"))
    reporters = int(environ.get("REPORTERS", "4"))
    seconds = int(environ.get("DURATION", "60"))
    workers = int(environ.get("WORKERS", "2"))
    threads = int(environ.get("THREADS", "1"))
    port = int(environ.get("LOADTEST_PORT", "8799"))

    env = server.production_env(environ, database_url=database.database_url(environ))
    # No broker by default: a report's rollup job runs in the request that files it, as with make run,
    # so nothing waits on a worker this run does not start. LOADTEST_BROKER_URL sends jobs to one.
    env["CELERY_BROKER_URL"] = environ.get("LOADTEST_BROKER_URL", "")
    print(f"loadtest: preparing {env['DATABASE_URL'].rsplit('@', 1)[-1]}", flush=True)
    database.prepare(env)

    out = Path(tempfile.mkdtemp(prefix="tiendo-loadtest-"))
    log = out / "gunicorn.log"
    print(
        f"loadtest: gunicorn ({workers} workers × {threads} threads, production settings) on "
        f"{server.HOST}:{port}; {readers} readers and {reporters} reporters for {seconds} s",
        flush=True,
    )
    with server.gunicorn(env, port=port, workers=workers, threads=threads, log=log) as url:
        stats = client.run(url, readers=readers, reporters=reporters, seconds=seconds, out=out, env=env)
    kinds, total = summary.rows(stats)
    print(summary.table(kinds, total))
    for failure in client.failures(out):
        print(f"error: {failure['Method']} {failure['Name']}: {failure['Error']} ×{failure['Occurrences']}")
    server_errors = [
        line for line in log.read_text().splitlines() if "Traceback" in line or "TIMEOUT" in line
    ]
    if server_errors:
        print(f"gunicorn logged {len(server_errors)} error(s): see {log}")
    print(
        summary.json_line(
            total,
            readers=readers,
            reporters=reporters,
            seconds=seconds,
            workers=workers,
            threads=threads,
            server_errors=len(server_errors),
        ),
        flush=True,
    )
    return 1 if total["errors"] or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
