"""The load test's helpers: its own database, the production environment on the loopback, its figures."""

import json

import pytest

from metrics.loadtest import database, server, summary
from metrics.loadtest.forms import hidden


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "postgres://tiendo:tiendo@127.0.0.1:5432/tiendo_loadtest"),
        ({"DATABASE_URL": "postgres://u:p@db:6543/tiendo"}, "postgres://u:p@db:6543/tiendo_loadtest"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "postgres://tiendo:tiendo@127.0.0.1:5432/tiendo_loadtest"),
        (
            {"LOADTEST_DATABASE_URL": "postgres://x@h/mine", "DATABASE_URL": "postgres://u@h/t"},
            "postgres://x@h/mine",
        ),
    ],
)
def test_the_load_test_never_writes_into_the_database_of_database_url(environ, url):
    assert database.database_url(environ) == url


def test_the_server_runs_the_production_settings_on_the_loopback_only():
    env = server.production_env({"PATH": "/bin"}, database_url="postgres://h/tiendo_loadtest")
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "False"
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert server.HOST == "127.0.0.1"


def _entry(name, times, failures=0, start=1000.0, end=1010.0):
    return {
        "name": name,
        "method": "GET",
        "num_requests": sum(times.values()),
        "num_failures": failures,
        "response_times": {str(ms): n for ms, n in times.items()},
        "start_time": start,
        "last_request_timestamp": end,
    }


STATS = [
    _entry("/ (summary)", {100: 30, 120: 9, 900: 1}),
    _entry("report submit", {300: 10}, failures=1, start=1002.0, end=1020.0),
]


def test_percentiles_are_locust_s_own():
    times = {str(ms): 1 for ms in range(1, 101)}
    assert (summary.percentile(times, 0.5), summary.percentile(times, 0.99)) == (51, 100)
    assert summary.percentile({}, 0.5) is None


def test_the_figures_end_with_one_json_line():
    kinds, total = summary.rows(STATS)
    assert [k["name"] for k in kinds] == ["/ (summary)", "report submit"]
    assert (kinds[0]["p50_ms"], kinds[0]["p99_ms"], kinds[0]["rps"]) == (100, 900, 2.0)
    table = summary.table(kinds, total)
    assert table.splitlines()[-1].split() == ["all", "50", "1", "100", "900", "2.5"]
    line = json.loads(summary.json_line(total, readers=16, reporters=4))
    assert line == {
        "readers": 16,
        "reporters": 4,
        "requests": 50,
        "errors": 1,
        "p50_ms": 100,
        "p99_ms": 900,
        "rps": 2.5,
    }


def test_a_form_s_hidden_values_are_read_in_either_attribute_order():
    html = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="tok">'
        '<input type="date" value="2026-12-04" name="effective_date" id="id_effective_date">'
    )
    assert hidden(html, "csrfmiddlewaretoken") == "tok"
    assert hidden(html, "effective_date") == "2026-12-04"
    with pytest.raises(ValueError, match="version"):
        hidden(html, "version")
