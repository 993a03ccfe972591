"""Count status a second way: brute force in Python over random report histories, against the SQL."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import selectors, services
from projects.choices import ReportStatus, ReviewState, View
from projects.models import Report
from projects.status import assignment_status, counting_review_states
from tests import factories as f

pytestmark = pytest.mark.django_db

START = date(2022, 1, 1)

report_strategy = st.tuples(
    st.integers(min_value=0, max_value=60),  # effective day offset
    st.sampled_from(list(ReportStatus)),
    st.integers(min_value=-10, max_value=10),  # completed_on offset from the effective day (≤ 0 used)
    st.sampled_from(
        [ReviewState.ACCEPTED, ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.WITHDRAWN]
    ),
    st.integers(min_value=0, max_value=600),  # submitted minute of the day
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=st.lists(report_strategy, max_size=6),
    deadline_offset=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
    as_of_offsets=st.lists(st.integers(min_value=0, max_value=70), min_size=1, max_size=4),
)
def test_sql_status_and_report_chains_agree_with_brute_force(history, deadline_offset, as_of_offsets):
    # Each example runs in its own savepoint, rolled back, so examples do not see each other's rows.
    with transaction.atomic():
        _check_history(history, deadline_offset, as_of_offsets)
        transaction.set_rollback(True)


def _check_history(history, deadline_offset, as_of_offsets):
    nation = f.unit("PP")
    programme = f.programme("PROP", lead=nation)
    deadline = None if deadline_offset is None else START + timedelta(days=deadline_offset)
    task = f.task(programme, "NV01", lead=nation, deadline=deadline)
    assignment = services.assignment_create(task=task, unit=nation)
    for day_offset, status, completed_offset, review, minute in history:
        day = START + timedelta(days=day_offset)
        submitted = services.report_submit(
            user=None,
            assignment=assignment,
            status=status,
            effective_date=day,
            completed_on=day + timedelta(days=min(completed_offset, 0))
            if status == ReportStatus.DONE
            else None,
            submitted_at=datetime.combine(day, time(8), f.TZ) + timedelta(minutes=minute),
        )
        if review == ReviewState.ACCEPTED:
            services.report_accept(report=submitted, user=None)
        elif review == ReviewState.RETURNED:
            services.report_return(report=submitted, user=None, note="Trả lại.")
        elif review == ReviewState.WITHDRAWN:
            services.report_withdraw(report=submitted, user=None)

    reports = list(Report.objects.filter(assignment=assignment))
    for offset in as_of_offsets:
        as_of = START + timedelta(days=offset)
        for view in View:
            counting = [
                r
                for r in reports
                if r.effective_date <= as_of and r.review_state in counting_review_states(view)
            ]
            latest = max(counting, key=lambda r: (r.effective_date, r.submitted_at, r.pk), default=None)
            expected = assignment_status(
                report_status=latest.status if latest else None,
                completed_on=latest.completed_on if latest else None,
                deadline=deadline,
                as_of=as_of,
            )
            assert selectors.assignment_status_as_of(assignment, as_of=as_of, view=view) == expected

            # The chain columns the rollups use pick out the same report with a range filter.
            until = "verified_until" if view == View.VERIFIED else "reported_until"
            in_range = [r for r in counting if getattr(r, until) is None or getattr(r, until) > as_of]
            assert [r.pk for r in in_range] == ([latest.pk] if latest else [])
