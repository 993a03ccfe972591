"""Cached pages: a crowd reads one render, a change shows at once, and no reader gets another's page."""

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from metrics import generation, page_cache, rollups
from projects import services
from projects.choices import ReportStatus, ReviewState, UnitKind
from projects.models import Assignment, Programme, Report, Task, Unit

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/programmes/DA06/",
    "/programmes/DA06/tasks/",
    "/units/01/?programme=DA06",
    "/api/programmes/DA06/summary",
    "/api/units/VN/summary?programme=DA06",
]
HEADER = re.compile(r"<!--tiendo:header-->.*?<!--/tiendo:header-->", re.S)


@pytest.fixture(params=["locmem", "redis"])
def page_cache_on(request, settings):
    """The page cache on Django's local-memory cache and on a real Redis."""
    if request.param == "redis":
        location = request.getfixturevalue("redis_url")
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


@pytest.fixture
def da06():
    programme = Programme.objects.get(code="DA06")
    rollups.recompute_programme(programme, day=rollups.today())
    return programme


def body(response) -> str:
    """A page without its per-reader header."""
    return HEADER.sub("", response.content.decode())


def fresh(client, url) -> str:
    """The page rendered now, from nothing cached."""
    caches["default"].clear()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    return body(response)


def test_a_page_is_rendered_once_then_served_from_the_cache(client, page_cache_on, da06):
    for url in PAGES:
        first = client.get(url)
        second = client.get(url)
        assert (first.status_code, second.status_code) == (200, 200), url
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit"), url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"]


def test_a_cached_page_costs_one_query(client, page_cache_on, da06):
    client.get("/programmes/DA06/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/programmes/DA06/")["X-Page-Cache"] == "hit"
    assert len(queries) == 1, [q["sql"] for q in queries]


def _accept(programme):
    report = (
        Report.objects.filter(
            programme=programme, review_state=ReviewState.SUBMITTED, assignment__isnull=False
        )
        .order_by("-effective_date", "pk")
        .first()
    )
    services.report_accept(report=report, user=None)


def _return(programme):
    report = (
        Report.objects.filter(
            programme=programme, review_state=ReviewState.SUBMITTED, assignment__isnull=False
        )
        .order_by("-effective_date", "pk")
        .first()
    )
    services.report_return(report=report, user=None, note="Thiếu minh chứng.")


def _withdraw(programme):
    assignment = Assignment.objects.filter(
        task__programme=programme, verified_report__status=ReportStatus.DONE
    ).first()
    services.report_withdraw(report=assignment.verified_report, user=None)


def _move_unit(programme):
    moved = Unit.objects.filter(kind=UnitKind.PROVINCE, assignments__task__programme=programme).last()
    services.unit_move(unit=moved, parent=Unit.objects.get(code="BCA"))


CHANGES = {"accept": _accept, "return": _return, "withdraw": _withdraw, "unit moved": _move_unit}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_cached_page_changes_as_soon_as_a_report_it_shows_changes(
    client, page_cache_on, da06, change, django_capture_on_commit_callbacks
):
    before = {}
    for url in PAGES:
        before[url] = body(client.get(url))
        assert client.get(url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[change](da06)
    for url in PAGES:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", f"{url} was served from before the change"
        assert body(response) == fresh(client, url), url
    # The figures themselves moved: the change is visible, not merely re-rendered.
    assert body(client.get("/api/programmes/DA06/summary")) != before["/api/programmes/DA06/summary"]


def test_an_edit_of_master_data_shows_at_once(
    client, page_cache_on, da06, django_capture_on_commit_callbacks
):
    url = "/programmes/DA06/tasks/"
    client.get(url)
    task = Task.objects.filter(programme=da06).order_by("code").first()
    task.title = "Nhiệm vụ đổi tên trong trang quản trị"
    with django_capture_on_commit_callbacks(execute=True):
        task.save()  # as the admin does
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Nhiệm vụ đổi tên trong trang quản trị" in response.content.decode()


def test_a_change_to_another_programme_keeps_this_programme_s_pages(
    client, page_cache_on, da06, django_capture_on_commit_callbacks
):
    generation._flush()  # the fixture's recompute of DA06, whose commit a test never reaches
    client.get("/programmes/DA06/")
    with django_capture_on_commit_callbacks(execute=True):
        _accept(Programme.objects.get(code="CDS2022"))
    assert client.get("/programmes/DA06/")["X-Page-Cache"] == "hit"
    assert client.get("/")["X-Page-Cache"] == "miss", "the summary shows every programme"


def _signed_in(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _csrf_tokens(response) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())


def test_readers_never_get_each_other_s_header(page_cache_on, da06):
    url = "/programmes/DA06/"
    hanoi_name = "Nguyễn Thị Phương Thảo"
    get_user_model().objects.filter(username="hanoi").update(first_name=hanoi_name, last_name="")
    hanoi, c06, anonymous = _signed_in("hanoi"), _signed_in("c06"), Client()
    first = hanoi.get(url)
    assert first["X-Page-Cache"] == "miss"
    assert hanoi_name in first.content.decode()
    [hanoi_token] = _csrf_tokens(first)

    seen_by_c06 = c06.get(url)
    assert seen_by_c06["X-Page-Cache"] == "hit"
    html = seen_by_c06.content.decode()
    assert hanoi_name not in html
    assert hanoi_token not in html
    assert len(_csrf_tokens(seen_by_c06)) == 1, "c06's own sign-out form"
    assert "/reviews/" in html and "/reports/" not in HEADER.search(html).group(0).replace("/reviews/", "")
    # c06's token is good for c06: signing out with it works (a token of another reader's would be 403).
    token = _csrf_tokens(seen_by_c06)[0]
    assert c06.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code in (200, 302)
    assert "_auth_user_id" not in c06.session

    seen_anonymously = anonymous.get(url)
    assert seen_anonymously["X-Page-Cache"] == "hit"
    html = seen_anonymously.content.decode()
    assert hanoi_name not in html and not _csrf_tokens(seen_anonymously)
    assert "/accounts/login/" in html
    assert body(seen_anonymously) == body(first) == body(seen_by_c06)


def test_languages_and_days_never_share_a_page(client, page_cache_on, da06):
    vietnamese = client.get("/programmes/DA06/")
    english = client.get("/en/programmes/DA06/")
    assert english["X-Page-Cache"] == "miss"
    assert english["Content-Language"] == "en" and vietnamese["Content-Language"] == "vi"
    assert client.get("/programmes/DA06/?as_of=2022-12-25")["X-Page-Cache"] == "miss"
    assert client.get("/programmes/DA06/?as_of=2022-12-26")["X-Page-Cache"] == "miss"
    assert client.get("/en/programmes/DA06/")["X-Page-Cache"] == "hit"


def test_today_is_part_of_the_key(rf, page_cache_on, da06, monkeypatch):
    """A page without as_of shows today: at midnight it is another page."""
    from django.urls import resolve

    request = rf.get("/programmes/DA06/")
    request.resolver_match = resolve("/programmes/DA06/")
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: date(2026, 12, 3))
    today = page_cache.page_key(request)
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: date(2026, 12, 4))
    assert page_cache.page_key(request) != today


def test_a_closed_site_never_answers_an_anonymous_reader_from_the_cache(page_cache_on, da06, settings):
    settings.TIENDO_PUBLIC = False
    url = "/programmes/DA06/"
    assert _signed_in("lanhdao").get(url).status_code == 200
    assert _signed_in("c06").get(url)["X-Page-Cache"] == "hit"
    assert Client().get(url).status_code == 302
    assert Client().get("/api/programmes/DA06/summary").status_code == 401


def test_a_bump_waits_for_the_commit(page_cache_on, da06, django_capture_on_commit_callbacks):
    before = generation.current()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        generation.bump([da06.pk])
        generation.bump([da06.pk])
        assert generation.current() == before, "nothing visible before the commit"
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert len(queries) == 1, "one statement per transaction"
    assert generation.current()["DA06"] == before.get("DA06", 0) + 1


# Figures counted on demand (a day not stored) are counted once per generation -----------------------------


def test_a_day_not_stored_is_counted_once_for_every_page_that_shows_it(client, page_cache_on, da06):
    from metrics.models import RollupDay

    day = "2023-03-07"
    assert not RollupDay.objects.filter(programme=da06, day=day).exists()
    client.get(f"/programmes/DA06/?as_of={day}")
    # Another page and the API read the same day's figures from the cache: no report chain is read again.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/programmes/DA06/summary?as_of={day}").status_code == 200
    assert not [q for q in queries if "projects_report" in q["sql"]], "counted again"


def test_figures_counted_on_demand_change_with_a_backdated_report(
    client, page_cache_on, da06, settings, django_capture_on_commit_callbacks
):
    day = "2023-03-07"
    url = f"/api/programmes/DA06/summary?as_of={day}"
    before = client.get(url).json()
    # An assignment counting on the day and not yet reported on by then (the demo runs on to today, so its
    # latest verified report may be a later one).
    assignment = (
        Assignment.objects.valid_on(date(2023, 3, 1))
        .filter(task__programme=da06, task__deadline__gt=day)
        .exclude(reports__effective_date__lte=day)
        .order_by("pk")
        .first()
    )
    assert assignment is not None
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_submit(
            assignment=assignment,
            user=None,
            status=ReportStatus.DONE,
            percent=100,
            completed_on=date(2023, 3, 1),
            effective_date=date(2023, 3, 1),
            expected_version=assignment.version,
        )
        services.report_accept(report=report, user=None)
    after = client.get(url).json()
    assert after["assignments"]["done_on_time"] == before["assignments"]["done_on_time"] + 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert client.get(url).json()["assignments"] == after["assignments"], "the same as counted afresh"


def test_today_missing_is_stored_once_by_the_first_reader(client, page_cache_on, da06):
    from metrics.models import RollupDay

    RollupDay.objects.filter(programme=da06, day=rollups.today()).delete()
    client.get("/programmes/DA06/")
    assert RollupDay.objects.filter(programme=da06, day=rollups.today(), max_depth=None).exists()


def test_query_counts_with_the_caches_on_are_pinned_and_equal_at_two_scales(
    client, page_cache_on, django_capture_on_commit_callbacks
):
    """On a day not stored, with the page and figure caches as in production: every page renders within
    20 queries, a page served from the cache costs one, and both stay the same on a larger data set."""
    from tests.metrics.dashboard_helpers import API, enlarge
    from tests.metrics.dashboard_helpers import PAGES as ALL_PAGES

    urls = [f"{url}{'&' if '?' in url else '?'}as_of=2023-03-07" for url in ALL_PAGES + API]

    def counts():
        caches["default"].clear()
        for url in urls:  # warm what each process keeps (templates, translations), then empty the cache
            client.get(url)
        caches["default"].clear()
        rendered, served = {}, {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            rendered[url] = len(queries)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            served[url] = len(queries)
        return rendered, served

    rendered, served = counts()
    assert max(rendered.values()) <= 20, rendered
    assert set(served.values()) == {1}, served
    with django_capture_on_commit_callbacks(execute=True):
        assert enlarge(extra_provinces=40, communes_each=3) > 1000
    assert counts() == (rendered, served)
