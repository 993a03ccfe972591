"""Figures of days not stored, read through the one reader with the figure cache on, against brute force:
random unit trees, assignments and report histories, many days, both views, every unit, and again after
a change (the cache never answers from before it)."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import readers
from metrics.models import RollupDay
from projects import services
from projects.choices import ReviewState, View
from projects.models import Report
from tests.metrics.test_rollups_properties import (
    FIELDS,
    START,
    _brute_force,
    build_history,
    report_strategy,
    tree_strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure_cache_on(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()
    yield
    caches["default"].clear()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tree=tree_strategy,
    tasks=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(min_value=0, max_value=50)),
            st.integers(min_value=1, max_value=127),
        ),
        min_size=1,
        max_size=3,
    ),
    history=st.lists(report_strategy, max_size=12),
    days=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=3, unique=True),
)
def test_every_day_not_stored_equals_a_brute_force_count_before_and_after_a_change(
    figure_cache_on, django_capture_on_commit_callbacks, tree, tasks, history, days
):
    with transaction.atomic():
        caches["default"].clear()
        programme, units = _build(tree, tasks, history)
        as_of_days = [START + timedelta(days=offset) for offset in days]
        assert not RollupDay.objects.filter(programme=programme).exists(), "no day is stored"
        for _twice in range(2):  # counted, then read from the figure cache
            _compare(programme, units, as_of_days)
        submitted = Report.objects.filter(
            programme=programme, review_state=ReviewState.SUBMITTED, assignment__isnull=False
        ).first()
        if submitted is not None:
            with django_capture_on_commit_callbacks(execute=True):
                services.report_accept(report=submitted, user=None)
            _compare(programme, units, as_of_days)
        transaction.set_rollback(True)


def _compare(programme, units, days):
    for day in days:
        figures = readers.StoredDay(programme, day).status(units)
        for unit in units:
            for view in View:
                read = figures.get(unit.pk, {}).get(view)
                read = {name: read[name] for name in FIELDS} if read else dict.fromkeys(FIELDS, 0)
                assert read == _brute_force(programme, unit, day, view), (unit.code, day, view)


def _build(tree, tasks, history):
    return build_history(tree, tasks, history, code="HYPC", prefix="HC")
