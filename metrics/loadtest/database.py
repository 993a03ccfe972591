"""A database of the load test's own, ready to serve: migrated, the demo loaded, the rollups stored.

The load test writes reports, so it never uses the database of ``DATABASE_URL`` itself: it uses
``LOADTEST_DATABASE_URL`` when set, else a database named ``tiendo_loadtest`` on the same PostgreSQL
server as ``DATABASE_URL`` (by default the local one CI starts, tiendo/tiendo@127.0.0.1:5432).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

NAME = "tiendo_loadtest"
DEFAULT_SERVER = "postgres://tiendo:tiendo@127.0.0.1:5432/tiendo"
ROOT = Path(__file__).resolve().parents[2]


def database_url(environ) -> str:
    """Return the URL of the load test's database, never that of ``DATABASE_URL`` itself."""
    if url := environ.get("LOADTEST_DATABASE_URL"):
        return url
    server = environ.get("DATABASE_URL") or DEFAULT_SERVER
    if not server.startswith(("postgres://", "postgresql://")):
        server = DEFAULT_SERVER
    return urlunsplit(urlsplit(server)._replace(path=f"/{NAME}"))


def create(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` when it does not exist; return whether it was created."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        dbname="postgres",
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def manage(*args: str, env: dict) -> None:
    """Run a management command in a process of its own, as an operator would."""
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)  # noqa: S603


def prepare(env: dict) -> None:
    """Migrate, load the demo (with its users, who report), store the rollups and collect static files."""
    url = env["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")) and create(url):
        print(f"loadtest: created the database {urlsplit(url).path.lstrip('/')}", flush=True)
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("loaddemo", "--force", env=env)
    manage("recompute_rollups", "--history", "--missing", "--step", "30", "-v", "0", env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
