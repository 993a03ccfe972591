"""Load against a real server: gunicorn with the production settings, driven by a bounded client.

Reusable pieces: ``server()`` starts gunicorn on a free port with the production settings (and the
trivial view of ``config.urls`` switched on) and stops it; ``drive()`` sends requests to one address from
a number of threads for a fixed time and returns requests per second and latency percentiles. The
trivial view answers through the whole middleware stack without touching the database or a template,
so a page's requests per second divided by the trivial view's, in the same run on the same machine, says
how much of the server's capacity the page's own work takes.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

TRIVIAL_PATH = "/bench/trivial"
BENCH_SECRET = "bench-only-secret-key-not-for-production-0123456789abcdefghij"  # noqa: S105


@dataclass(frozen=True)
class Load:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None

    @property
    def p99(self) -> float | None:
        return self.percentile(0.99)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(host: str, port: int, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host, "Accept-Encoding": "identity"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def server(*, workers: int = 2, cache_url: str | None = None, env: dict | None = None) -> Iterator[int]:
    """Run gunicorn with the production settings on a free port; yield the port, stop it after.

    ``cache_url`` sets DJANGO_CACHE_URL (``dummy://`` turns the page cache off); the database is this
    process's own.
    """
    port = free_port()
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or BENCH_SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_LOG_LEVEL": "WARNING",
        "TIENDO_BENCH_TRIVIAL": "1",
        "DATABASE_URL": _database_url(database),  # this process's own (under tests, the test database)
        **({"DJANGO_CACHE_URL": cache_url} if cache_url is not None else {}),
        **(env or {}),
    }
    base = Path(settings.BASE_DIR)
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(base / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=environment,
        check=True,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "config.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"],
        env=environment,
        cwd=base,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if get("127.0.0.1", port, TRIVIAL_PATH, timeout=5)[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _database_url(database: dict) -> str:
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user, password = quote(database.get("USER") or ""), quote(database.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}/{database['NAME']}"


def drive(port: int, path: str, *, seconds: float = 10.0, concurrency: int = 8) -> Load:
    """Request ``path`` from ``concurrency`` threads, each one request after another, for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        mine, failed = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status, _body = get("127.0.0.1", port, path)
            except OSError:
                status = 0
            if status == 200:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return Load(requests=len(latencies), errors=errors[0], seconds=elapsed, latencies_ms=latencies)
