"""The review queue at scale: filters, folding, the previous report, bulk accept/return with its trail."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics.models import RollupPending
from projects import selectors, services
from projects.choices import ReportStatus, ReviewState
from projects.models import Assignment, Report
from projects.signals import assignments_changed
from tests.projects.reporting_helpers import client_for, open_assignment, submit_done, unit_today, user

pytestmark = pytest.mark.django_db

QUEUE = "/en/reviews/"
BULK = "/en/reviews/bulk/"


def submit(assignment, *, status=ReportStatus.IN_PROGRESS, percent=40, username="hagiang", days_ago=0):
    report = services.report_submit(
        user=user(username),
        assignment=assignment,
        status=status,
        percent=percent,
        effective_date=timezone.localdate(),
        note="Tiến độ",
    )
    if days_ago:
        Report.objects.filter(pk=report.pk).update(submitted_at=timezone.now() - timedelta(days=days_ago))
    return report


def hagiang_today():
    """The unit that holds Hà Giang's (02) work today: Tuyên Quang, since 02 ended on 30/06/2025."""
    return unit_today("02")


def open_assignments(unit_code, count, programme="DA06"):
    """Return several assignments of a unit (today: the ones its successor carries) with no report awaiting
    review."""
    unit = unit_today(unit_code)
    candidates = Assignment.objects.filter(unit=unit, task__programme__code=programme)
    if unit.code != unit_code:
        candidates = candidates.filter(carried_from__unit__code=unit_code)
    candidates = (
        candidates.exclude(reports__review_state=ReviewState.SUBMITTED)
        .select_related("task__programme", "unit")
        .order_by("task__code")
    )
    found = list(candidates[:count])
    assert len(found) == count
    return found


def queue_ids(response):
    return [report.pk for report in response.context["reports"]]


# Filters -------------------------------------------------------------------------------------------------


def test_filters_by_unit_subtree_task_status_and_age():
    code = hagiang_today().code
    hagiang = submit_done(open_assignment("02"))
    camau = submit(open_assignment("96"), username="camau", days_ago=40)
    c06 = client_for("c06")
    assert {hagiang.pk, camau.pk} <= set(queue_ids(c06.get(QUEUE + "?per_page=1000")))

    by_unit = queue_ids(c06.get(QUEUE + f"?unit={code}&per_page=1000"))
    assert hagiang.pk in by_unit and camau.pk not in by_unit
    assert all(
        r.assignment.unit.path.startswith(hagiang_today().path)
        for r in c06.get(QUEUE + f"?unit={code}&per_page=1000").context["reports"]
    )
    task = camau.assignment.task.code
    by_task = c06.get(QUEUE + f"?task={task.lower()}&per_page=1000").context["reports"]
    assert camau.pk in {r.pk for r in by_task} and {r.assignment.task.code for r in by_task} == {task}
    done = queue_ids(c06.get(QUEUE + "?status=done&per_page=1000"))
    assert hagiang.pk in done and camau.pk not in done
    waiting = queue_ids(c06.get(QUEUE + "?age=30&per_page=1000"))
    assert camau.pk in waiting and hagiang.pk not in waiting
    assert queue_ids(c06.get(QUEUE + "?unit=NOWHERE")) == []
    programme = queue_ids(c06.get(QUEUE + "?programme=DA06&unit=96&per_page=1000"))
    assert camau.pk in programme


def test_the_programme_filter_offers_only_the_reviewers_programmes():
    form = client_for("c06").get(QUEUE).context["filter"].form
    assert [p.code for p in form.fields["programme"].queryset] == ["DA06"]
    # Another programme's code matches nothing rather than widening the queue.
    assert client_for("c06").get(QUEUE + "?programme=CDS2022").context["reports"] == []


def test_each_row_says_how_long_it_has_waited():
    code = hagiang_today().code
    report = submit(open_assignment("02"), days_ago=12)
    html = client_for("c06").get(QUEUE + f"?unit={code}").content.decode()
    card = html[html.index(f'id="report-{report.pk}"') :]
    assert "waiting 12 days" in card[:3000]
    html = client_for("c06").get(f"/reviews/?unit={code}").content.decode()
    assert "đã chờ 12 ngày" in html[html.index(f'id="report-{report.pk}"') :][:3000]


def test_a_wait_reads_in_days_or_hours():
    from projects.templatetags.review import waited

    now = timezone.now()
    assert waited(now - timedelta(days=1500, hours=3), now) == "1.500 ngày"
    assert waited(now - timedelta(hours=5), now) == "5 giờ"
    assert waited(now - timedelta(minutes=5), now) == "chưa đến một giờ"


# Folding and the previous report -------------------------------------------------------------------------


def test_older_reports_awaiting_review_fold_under_the_newest():
    code = hagiang_today().code
    assignment = open_assignment("02")
    older = submit(assignment, percent=20, days_ago=3)
    assignment.refresh_from_db()
    newest = submit(assignment, percent=60)
    reports = client_for("c06").get(QUEUE + f"?unit={code}&per_page=1000").context["reports"]
    rows = {r.pk: r for r in reports}
    assert newest.pk in rows and older.pk not in rows
    assert [r.pk for r in rows[newest.pk].folded] == [older.pk]
    html = client_for("c06").get(QUEUE + f"?unit={code}").content.decode()
    assert "1 older report awaiting review, superseded by this one" in html
    # Each folded report may still be ticked and reviewed on its own.
    assert f'value="{older.pk}" form="bulk-review"' in html


def test_the_units_previous_reviewed_report_stands_beside_the_new_one():
    code = hagiang_today().code
    assignment = open_assignment("02")
    first = submit(assignment, percent=30)
    services.report_return(report=first, user=user("c06"), note="Thiếu biên bản")
    assignment.refresh_from_db()
    second = submit(assignment, percent=50)
    rows = {r.pk: r for r in client_for("c06").get(QUEUE + f"?unit={code}&per_page=1000").context["reports"]}
    assert rows[second.pk].previous.pk == first.pk
    html = client_for("c06").get(QUEUE + f"?unit={code}&per_page=1000").content.decode()
    card = html[html.index(f'id="report-{second.pk}"') :]
    assert "Previous reviewed report" in card and "Thiếu biên bản" in card[: card.index("</article>")]


# Bulk review ---------------------------------------------------------------------------------------------


def test_bulk_accept_leaves_each_report_the_trail_of_one_by_one():
    code = hagiang_today().code
    reports = [submit_done(a) for a in open_assignments("02", 3)]
    c06 = user("c06")
    response = client_for("c06").post(
        BULK + f"?unit={code}",
        {"action": "accept", "review_note": "Đã đối chiếu", "reports": [r.pk for r in reports]},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/reviews/?unit={code}")
    for report in reports:
        report.refresh_from_db()
        assert report.review_state == ReviewState.ACCEPTED
        assert report.reviewed_by == c06 and report.reviewed_at is not None
        assert report.review_note == "Đã đối chiếu"
        trail = list(report.history.order_by("history_date").values_list("review_state", "history_user_id"))
        assert trail[-1] == (ReviewState.ACCEPTED, c06.pk)
        report.assignment.refresh_from_db()
        assert report.assignment.verified_report_id == report.pk


def test_bulk_return_needs_a_reason_and_keeps_it_on_each():
    reports = [submit_done(a) for a in open_assignments("02", 2)]
    ids = [r.pk for r in reports]
    response = client_for("c06").post(BULK, {"action": "return", "review_note": " ", "reports": ids})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why the report is returned." in html
    # The selection is kept ticked.
    assert all(f'value="{pk}" form="bulk-review" id="select-{pk}" checked' in html for pk in ids)
    assert set(Report.objects.filter(pk__in=ids).values_list("review_state", flat=True)) == {"submitted"}
    client_for("c06").post(BULK, {"action": "return", "review_note": "Thiếu minh chứng", "reports": ids})
    assert set(Report.objects.filter(pk__in=ids).values_list("review_state", "review_note")) == {
        (ReviewState.RETURNED, "Thiếu minh chứng")
    }


def test_a_refused_report_is_named_and_nothing_is_reviewed():
    reports = [submit_done(a) for a in open_assignments("02", 3)]
    # Reviewed meanwhile by a colleague.
    services.report_accept(report=reports[1], user=user("c06"))
    response = client_for("c06").post(
        BULK, {"action": "accept", "review_note": "", "reports": [r.pk for r in reports]}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was reviewed" in html and f'href="#report-{reports[1].pk}"' in html
    for report in (reports[0], reports[2]):
        report.refresh_from_db()
        assert report.review_state == ReviewState.SUBMITTED and report.reviewed_by is None


def test_a_reviewer_of_another_programme_cannot_bulk_accept():
    report = submit_done(open_assignment("02"))
    response = client_for("vpcp").post(BULK, {"action": "accept", "review_note": "", "reports": [report.pk]})
    assert response.status_code == 409
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED
    # And a reporter has no queue at all.
    assert client_for("hagiang").post(BULK, {"action": "accept", "reports": [report.pk]}).status_code == 403


def test_the_service_refuses_all_when_one_was_reviewed():
    reports = [submit_done(a) for a in open_assignments("02", 2)]
    services.report_return(report=reports[0], user=user("c06"), note="Sai")
    with pytest.raises(services.ReviewRefused) as refused:
        services.reports_review(reports=reports, user=user("c06"), accept=True)
    assert list(refused.value.refused) == [reports[0].pk]
    reports[1].refresh_from_db()
    assert reports[1].review_state == ReviewState.SUBMITTED


def test_a_bulk_review_tells_the_read_side_once(django_capture_on_commit_callbacks):
    reports = [submit_done(a) for a in open_assignments("02", 3)]
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    assignments_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.reports_review(reports=reports, user=user("c06"), accept=True)
    finally:
        assignments_changed.disconnect(listen)
    assert len(heard) == 1
    assert heard[0]["unit_paths"] == {r.assignment.unit.path for r in reports}
    # One pending mark per path, and the flush cleared them: the rollups are fresh.
    assert not RollupPending.objects.exists()


# Summary and query counts --------------------------------------------------------------------------------


def test_queue_size_and_oldest_wait_on_the_queue_and_on_the_home_page():
    submit(open_assignment("02"), days_ago=9)
    summary = selectors.review_queue_summary(user("c06"))
    assert summary["count"] >= 1
    for path in ("/en/reviews/", "/en/"):
        html = client_for("c06").get(path).content.decode()
        assert f"<strong>{summary['count']}</strong> reports await review" in html, path
        assert "the oldest has waited" in html
    assert "reports await review" not in client_for("hagiang").get("/en/").content.decode()


def test_the_queue_page_reads_the_same_number_of_queries_at_two_sizes():
    def queries():
        client = client_for("c06")
        client.get(QUEUE + "?per_page=100")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE + "?per_page=100")
        assert response.status_code == 200
        return len(captured), len(response.context["reports"])

    small, small_rows = queries()
    assignments = open_assignments("02", 4) + open_assignments("96", 3)
    for assignment in assignments:
        submit(assignment, username="camau" if assignment.unit.code == "96" else "hagiang", days_ago=2)
        assignment.refresh_from_db()
        submit(assignment, username="camau" if assignment.unit.code == "96" else "hagiang")
    large, large_rows = queries()
    assert large_rows >= small_rows + 7
    assert large == small
    assert small <= 12


def test_a_bulk_review_across_provinces_leaves_every_rollup_equal_to_a_fresh_count(
    django_capture_on_commit_callbacks,
):
    from metrics import rollups
    from projects.models import Programme

    da06 = Programme.objects.get(code="DA06")
    today = timezone.localdate()
    rollups.recompute_programme(da06, day=today)
    reports = [submit_done(a) for a in open_assignments("02", 2)]
    reports += [submit_done(a, username="camau") for a in open_assignments("96", 2)]
    reports += [submit_done(a, username="hanoi") for a in open_assignments("01", 2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_review(reports=reports, user=user("c06"), accept=True)
    assert not RollupPending.objects.exists()
    assert rollups.verify_programme(da06, today) == []


def test_returning_a_folded_report_without_a_reason_shows_it_with_the_error():
    code = hagiang_today().code
    assignment = open_assignment("02")
    older = submit(assignment, percent=20, days_ago=3)
    assignment.refresh_from_db()
    submit(assignment, percent=60)
    response = client_for("c06").post(
        f"/en/reviews/{older.pk}/?unit={code}", {"action": "return", "review_note": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="report-{older.pk}"' in html and "Say why the report is returned." in html


def test_the_capped_count_and_any_page_within_it_come_from_one_read():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.review_views import CappedPaginator

    many = CappedPaginator(list(range(500)), 25)
    assert (many.count, many.capped, many.num_pages) == (201, True, 9)
    assert list(many.page(2).object_list) == list(range(25, 50))
    assert list(many.page(9).object_list) == [200]
    few = CappedPaginator(list(range(30)), 25)
    assert (few.count, few.capped, list(few.page(2).object_list)) == (30, False, list(range(25, 30)))
    # On a queryset: the count and the page are one query.
    ids = Report.objects.order_by("pk").values_list("pk", flat=True)
    with CaptureQueriesContext(connection) as captured:
        paginator = CappedPaginator(ids, 25)
        count, rows = paginator.count, list(paginator.get_page(2).object_list)
    assert len(captured) == 1
    assert count == min(201, ids.count()) and rows == list(ids[25:50])
