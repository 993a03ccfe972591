"""The load bench's pieces: gunicorn with the production settings, the trivial view, the bounded client."""

import pytest
from django.test import Client

from metrics import loadbench

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_trivial_view_is_off_unless_the_bench_asks(client):
    assert Client().get(loadbench.TRIVIAL_PATH).status_code == 404


def test_gunicorn_serves_the_trivial_view_and_a_page_to_the_bounded_client(committed_demo):
    with loadbench.server(workers=1, cache_url="dummycache://") as port:
        status, body = loadbench.get("127.0.0.1", port, loadbench.TRIVIAL_PATH)
        assert (status, body) == (200, b"ok")
        trivial = loadbench.drive(port, loadbench.TRIVIAL_PATH, seconds=0.5, concurrency=2)
        page = loadbench.drive(port, "/api/programmes/DA06/summary", seconds=0.5, concurrency=2)
    assert trivial.requests > 0 and trivial.errors == 0
    assert page.requests > 0 and page.errors == 0
    assert page.p50 <= page.p99
    assert trivial.per_second == trivial.requests / trivial.seconds
