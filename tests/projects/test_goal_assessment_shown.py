"""A goal assessment reads as one in the review card and its history: achieved or not, and the indicator
that measures the goal with its value against the target, so a reviewer sees both before accepting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from projects.choices import ReportStatus
from projects.models import Goal, Report
from tests.projects.reporting_helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def mt04_claimed_achieved():
    """MT04 (chip-based ID cards for every eligible citizen), measured by CCCD_CHIP, claimed achieved."""
    goal = Goal.objects.get(programme__code="DA06", code="MT04")
    today = timezone.localdate()
    response = client_for("bocongan").post(
        f"/goals/{goal.pk}/assess/",
        {
            "status": ReportStatus.DONE,
            "completed_on": (today - timedelta(days=2)).isoformat(),
            "effective_date": today.isoformat(),
            "note": "Đã cấp xong.",
            "evidence_url": "https://example.gov.vn/bien-ban",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.filter(goal=goal).latest("submitted_at")


def card_of(html: str, report) -> str:
    start = html.index(f'id="report-{report.pk}"')
    return html[start : html.index("</article>", start)]


def test_the_review_card_shows_an_assessment_with_the_goal_s_indicator(mt04_claimed_achieved):
    html = client_for("c06").get("/en/reviews/").content.decode()
    card = " ".join(card_of(html, mt04_claimed_achieved).split())
    assert "Assessment" in card and "Achieved" in card
    assert "Completed on" not in card
    assert "100%" not in card
    assert "CCCD_CHIP" in card
    assert "target" in card.lower()
    assert "Not reached" in card


def test_the_history_shows_the_assessment_too(mt04_claimed_achieved):
    html = client_for("c06").get(f"/reports/{mt04_claimed_achieved.pk}/history/").content.decode()
    text = " ".join(html.split())
    assert "Đánh giá" in text
    assert "Ngày hoàn thành" not in text
    assert "CCCD_CHIP" in text
