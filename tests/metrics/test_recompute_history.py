"""`recompute_rollups --history --missing` stores each history day once, so `make run` restarts quickly."""

import pytest
from django.core.management import call_command

from metrics.models import RollupDay, RollupRun

pytestmark = pytest.mark.django_db


def test_missing_history_days_are_computed_once():
    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    days = set(RollupDay.objects.filter(programme__code="DA06").values_list("day", flat=True))
    assert len(days) >= 4  # from 06/01/2022 every 180 days, and today
    runs = RollupRun.objects.count()
    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    # Only today's full recompute ran again; no history day was recomputed.
    assert RollupRun.objects.count() == runs + 1
    assert set(RollupDay.objects.filter(programme__code="DA06").values_list("day", flat=True)) == days


def test_an_observation_for_an_earlier_period_flags_the_stored_history_stale(tmp_path):
    call_command(
        "recompute_rollups", "--programme", "DA06", "--history", "--missing", "--step", "180", verbosity=0
    )
    days = RollupDay.objects.filter(programme__code="DA06")
    assert not days.filter(stale=True).exists()
    csv = tmp_path / "values.csv"
    csv.write_text("indicator,unit,period,value\nCCCD_CHIP,VN,2022-07-01,60000000\n", encoding="utf-8")
    call_command("import_observations", str(csv), verbosity=0)
    stale = set(days.filter(stale=True).values_list("day", flat=True))
    assert stale, "no stored day was flagged"
    assert all(day.isoformat() >= "2022-07-01" for day in stale)
    assert days.filter(day__lt="2022-07-01", stale=False).exists()
