"""A reporter's /reports/: each overdue count names its basis, and the cards add up to the list's counts."""

import re

import pytest
from django.utils import timezone

from projects.choices import AssignmentStatus
from projects.selectors import reporter_assignments
from tests.projects.reporting_helpers import client_for, user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["hagiang", "bocongan"])
def test_overdue_counts_name_their_basis_and_agree(username):
    html = client_for(username).get("/en/reports/").content.decode()
    texts = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'data-figure="overdue">(.*?)</(?:p|small)>', html, re.S)]
    assert texts, "no overdue counts shown"
    pattern = re.compile(r"(\d+) overdue by verified reports · (\d+) counting reports awaiting review")
    *cards, heading = [tuple(map(int, pattern.search(" ".join(t.split())).groups())) for t in texts]
    scoped = reporter_assignments(user(username), as_of=timezone.localdate())
    verified = scoped.filter(verified_status=AssignmentStatus.OVERDUE).count()
    reported = scoped.filter(reported_status=AssignmentStatus.OVERDUE).count()
    assert heading == (verified, reported)
    assert sum(c[0] for c in cards) == verified
    assert sum(c[1] for c in cards) == reported
