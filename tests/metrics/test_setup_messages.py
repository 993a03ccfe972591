"""What `make run` says on a second start: that it kept the data, and what it computed."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from projects.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_loading_the_demo_again_says_it_kept_the_data():
    before = Report.objects.count()
    out = io.StringIO()
    call_command("loaddemo", "--force", stdout=out)
    text = out.getvalue()
    assert Report.objects.count() == before
    assert "0 new reports" in text
    assert "1326 reports" not in text
    assert f"already loaded: its data is kept ({before:,} reports)" in text


def test_history_says_which_days_it_computes_and_which_it_kept():
    out, err = io.StringIO(), io.StringIO()
    call_command("recompute_rollups", "--history", "--missing", "--step", "365", "--programme", "DA06",
                 stdout=out, stderr=err)
    assert "computing" in out.getvalue()
    assert "History of DA06" in err.getvalue()  # the progress bar
    out = io.StringIO()
    call_command("recompute_rollups", "--history", "--missing", "--step", "365", "--programme", "DA06",
                 stdout=out, stderr=io.StringIO())
    assert "already stored, kept" in out.getvalue()
