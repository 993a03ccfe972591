"""generate_national leaves every unit it made findable: the first search after it writes nothing."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import national
from projects.models import Unit, UnitSearchKey
from projects.unit_search import search_units

pytestmark = pytest.mark.django_db


def test_after_generating_a_search_writes_nothing():
    national.generate(scale=0.004, seed=7)
    generated = Unit.objects.filter(kind="commune").order_by("-pk").first()
    assert UnitSearchKey.objects.filter(unit=generated).exists()
    with CaptureQueriesContext(connection) as queries:
        found = search_units("ha giang", on=date(2026, 12, 3))
    assert found[0].code == "02"
    writes = [
        q["sql"][:60] for q in queries if q["sql"].lstrip().split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]
    assert writes == []
