"""The national generator and the benchmark, at a tiny scale: deterministic, consistent, and one JSON line."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from metrics import national, rollups
from projects.models import Assignment, Programme, Report

pytestmark = pytest.mark.django_db

SCALE = 0.004


def fingerprint():
    programme = Programme.objects.get(code=national.CODE)
    reports = list(
        Report.objects.filter(programme=programme)
        .order_by("pk")
        .values_list(
            "assignment__unit__code", "assignment__task__code", "status", "effective_date", "review_state"
        )
    )
    assignments = Assignment.objects.filter(task__programme=programme).count()
    return assignments, reports


def test_generation_is_deterministic_for_a_seed_and_consistent_with_the_selectors():
    national.generate(scale=SCALE, seed=7)
    first = fingerprint()
    assert first[0] > 0 and len(first[1]) > first[0]
    # Report chains computed while generating agree with a fresh count from the reports themselves.
    programme = Programme.objects.get(code=national.CODE)
    rollups.recompute_programme(programme, day=rollups.today())
    assert rollups.verify_programme(programme, rollups.today()) == []
    with transaction.atomic():
        national.remove()
    national.generate(scale=SCALE, seed=7)
    second = fingerprint()
    assert second == first
    assert national.existing(SCALE, 7)
    assert national.generate(scale=SCALE, seed=7).skipped


def test_bench_prints_a_table_and_one_json_object_last():
    out = io.StringIO()
    # "load" runs gunicorn, a separate process: it cannot see this test's uncommitted transaction, and its
    # workers block on the locks that transaction holds until gunicorn kills them (RemoteDisconnected).
    # tests/bench/test_loadbench.py covers the gunicorn server and the bounded client on committed data.
    # One timed request per page: the figures' presence is tested here, their size by `make bench`.
    call_command(
        "bench", scale=SCALE, runs=1, skip=["recompute memory", "load"], stdout=out, stderr=io.StringIO()
    )
    lines = out.getvalue().strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["scale"] == SCALE
    for name in ("generation_seconds", "recompute_seconds", "sql_aggregate_seconds", "recompute_ratio"):
        assert name in figures
    assert figures["report_to_fresh_seconds"] is None or figures["report_to_fresh_seconds"] >= 0
    # Not measured inside the test's transaction, where no commit comes: said, not waited on for a minute.
    assert figures["report_to_fresh_page_seconds"] is None
    assert any("report_to_fresh_page_seconds not measured" in line for line in lines)
    assert any(line.startswith("recompute_ratio") for line in lines)
    # Both maps: the recompute and the pages today (34 provinces) and before 01/07/2025 (63 provinces).
    for name in (
        "recompute_before_change_seconds",
        "recompute_before_change_ratio",
        "page_summary_before_change_p50_ms",
        "page_unit_province_before_change_queries",
        "any_day_before_change_max_p50_ms",
        "any_day_after_stored_max_p50_ms",
        "any_day_weekly_max_first_ms",
        "any_day_weekly_before_change_max_first_ms",
        "any_day_weekly_max_first_p50_ms",
        "any_day_weekly_before_change_max_first_p50_ms",
        "any_day_weekly_before_change_province_first_p50_ms",
    ):
        assert name in figures, name
    # Every day between two bases of a weekly history, on each map.
    assert figures["any_day_weekly_before_change"] < "2025-07-01" < figures["any_day_weekly"]
    # The history as the periodic task keeps it: what the earlier measurements flagged stale was recomputed.
    assert figures["any_day_stale_days_recomputed"] >= 0
    assert figures["pages_before_change_day"] < "2025-07-01"
    assert figures["any_day_before_change"] < "2025-07-01"
    # The national brief and the national programme's brief, each rendered as one A4 page.
    assert figures["brief_pdf_national_pages"] == 1
    assert figures["brief_pdf_programme_pages"] == 1
    assert figures["brief_pdf_national_ms"] > 0


def test_bench_refuses_a_number_of_runs_below_one():
    with pytest.raises(CommandError, match="--runs"):
        call_command("bench", scale=SCALE, runs=0, stdout=io.StringIO(), stderr=io.StringIO())
