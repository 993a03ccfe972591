"""Suite-wide fixtures: the demo loaded once into the test database, and no silent skips in CI."""

import os

import pytest
from django.core.management import call_command

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo once; tests run inside transactions that roll back, so they all see it fresh.

    Tests that use ``transactional_db`` (worker processes, live servers) run after the others, and
    the flush after each of them empties the tables: such tests load what they need themselves
    (the ``committed_demo`` fixture).
    """
    with django_db_blocker.unblock():
        call_command("loaddemo", "--force", verbosity=0)


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language. A request under /en/ leaves English active in the thread,
    and reverse() would then build /en/ addresses for the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path_factory):
    """Evidence and import files go to a temporary directory, never into the working tree."""
    settings.TIENDO_PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private")
    return settings.TIENDO_PRIVATE_MEDIA_ROOT


@pytest.fixture
def committed_demo(transactional_db):
    """The demo, committed, for tests whose other processes must see it (loaded once, then restored)."""
    from tests.demo_snapshot import load_committed_demo

    load_committed_demo()


@pytest.fixture
def redis_url():
    """A real Redis, or a skip that CI turns into a failure."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {url}")
    return url


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_SERVICES=1 (CI), a skipped test is a failure: nothing may be skipped there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if REQUIRE_SERVICES and skipped:
        reporter.write_line(f"REQUIRE_SERVICES=1 but {skipped} test(s) skipped: failing the run.", red=True)
        session.exitstatus = 1
