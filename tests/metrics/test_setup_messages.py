"""What `make run` says on a second start: that it kept the data, and what it computed."""

import io
import re

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
    # Every programme's line, and the years after the conference, say that nothing was added.
    new_reports = re.findall(r"([\d,]+) new reports", text)
    assert len(new_reports) == 3 and set(new_reports) == {"0"}, text
    assert "1326 reports" not in text
    assert "assignments carried: 0" in text
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


def test_loading_the_demo_speaks_one_language():
    """In Vietnamese, no line of the summary falls back to English words."""
    out = io.StringIO()
    with translation.override("vi"):
        call_command("loaddemo", "--force", stdout=out)
    text = out.getvalue()
    for english in ("units:", "tasks", "assignments", "new reports", "indicators", "observations", "follows"):
        assert english not in text, (english, text)
    assert "báo cáo mới" in text and "phân công được chuyển tiếp: 0" in text
