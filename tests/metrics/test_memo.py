"""Reads shared within a request: once per GET request, never across requests or around a write."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from metrics import memo


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_outside_a_request_every_call_reads_afresh():
    calls, compute = _counting()
    assert memo.once("k", compute) == 1
    assert memo.once("k", compute) == 2
    assert len(calls) == 2


@pytest.mark.parametrize("method", ["get", "head"])
def test_within_a_read_request_each_key_is_read_once(method):
    calls, compute = _counting()
    seen = []

    def view(request):
        seen.extend([memo.once("k", compute), memo.once("k", compute), memo.once("other", compute)])
        return HttpResponse()

    memo.RequestMemoMiddleware(view)(getattr(RequestFactory(), method)("/"))
    assert seen == [1, 1, 2]
    assert len(calls) == 2
    # The next request starts empty: figures read before a write elsewhere are not served again.
    memo.RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert seen[3:] == [3, 3, 4]


def test_a_request_that_may_write_keeps_nothing():
    calls, compute = _counting()

    def view(request):
        return HttpResponse(f"{memo.once('k', compute)} {memo.once('k', compute)}")

    response = memo.RequestMemoMiddleware(view)(RequestFactory().post("/"))
    assert response.content == b"1 2"
    assert len(calls) == 2


def test_the_memo_is_dropped_when_the_view_fails():
    calls, compute = _counting()

    def view(request):
        memo.once("k", compute)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        memo.RequestMemoMiddleware(view)(RequestFactory().get("/"))
    memo.once("k", compute)
    assert len(calls) == 2


@pytest.mark.django_db
def test_stored_days_read_within_a_request_are_not_read_again(django_assert_num_queries):
    """A page that reads several programmes' stored days first (the summary) reads none of them again
    when it asks for one (its panels): one query for all, none after."""
    from datetime import date

    from metrics import readers
    from projects.models import Unit
    from tests import factories as f

    nation = Unit.objects.filter(parent__isnull=True).first() or f.unit("VN")
    first, second = f.programme("P1", lead=nation), f.programme("P2", lead=nation)
    day = date(2025, 1, 1)
    seen = {}

    def view(request):
        with django_assert_num_queries(1):
            seen["both"] = readers.stored_days([first, second], day)
            seen["one"] = readers.stored_day(second, day)
            seen["again"] = readers.stored_days([second, first], day)
        return HttpResponse()

    memo.RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert seen["one"] is seen["both"][1]
    assert seen["again"] == [seen["both"][1], seen["both"][0]]
    assert not memo.known(("stored_day", first.pk, day))  # outside a request nothing is kept
