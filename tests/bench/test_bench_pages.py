"""The bench's page measurement counts what a page really runs, whatever DEBUG is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.bench_pages import _client, measure_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_measured_query_count_equals_a_direct_count(settings, debug):
    settings.DEBUG = debug
    client = _client()
    url = "/programmes/DA06/?as_of=2022-12-25"
    client.get(url)
    with CaptureQueriesContext(connection) as direct:
        client.get(url)
    expected = len(direct)  # now: the next request empties the log the capture reads
    queries, p50, status = measure_page(client, url, runs=2)
    assert status == 200
    assert queries == expected > 0
    assert p50 > 0
