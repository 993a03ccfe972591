"""gunicorn with the production settings on the loopback, for as long as a ``with`` block lasts."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def production_env(base: dict, *, database_url: str) -> dict:
    """Return the environment of a production process on the loopback: no TLS there, so no redirect."""
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": base.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": database_url,
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_LOG_LEVEL": base.get("DJANGO_LOG_LEVEL", "WARNING"),
    }


def wait_until_healthy(url: str, *, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError),
            urllib.request.urlopen(f"{url}/healthz", timeout=5) as response,  # noqa: S310
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url}/healthz did not answer 200 within {timeout:.0f} s")


@contextlib.contextmanager
def gunicorn(env: dict, *, port: int, workers: int = 2, threads: int = 1, log: Path):
    """Serve the site with gunicorn on 127.0.0.1:port; yield its base URL; stop it on leaving."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "30",
        "--error-logfile",
        "-",
    ]
    url = f"http://{HOST}:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            wait_until_healthy(url, process=process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
