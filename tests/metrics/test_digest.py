"""The weekly digest: once a week per subscribed user, in their language, with the briefs they follow as
PDF, never to anyone who did not opt in; and sign-in leads a leader to the brief of what they follow."""

import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from pypdf import PdfReader

from metrics import digest
from metrics.subscriptions import DigestSubscription, Follow
from projects.models import Programme, Unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUNDAY = date(2022, 12, 25)  # ISO week 2022-W51


@pytest.fixture
def readers_of_the_digest():
    da06 = Programme.objects.get(code="DA06")
    users = {}
    for name, language, weekly, programme in (
        ("ba", "vi", True, None),
        ("anne", "en", True, da06),
        ("off", "vi", False, None),
        ("never", None, None, None),
    ):
        user = UserFactory(username=name, email=f"{name}@example.gov.vn")
        Follow.objects.create(user=user, programme=programme)
        if language:
            DigestSubscription.objects.create(user=user, weekly=weekly, language=language)
        users[name] = user
    return users


def test_each_subscribed_user_gets_one_digest_a_week_in_their_language(readers_of_the_digest):
    assert digest.digests_send(as_of=SUNDAY, base_url="https://tiendo.example.gov.vn") == 2
    by_user = {message.to[0].split("@")[0]: message for message in mail.outbox}
    assert set(by_user) == {"ba", "anne"}  # not "off" (opted out), not "never" (never opted in)
    assert "bản tin tuần" in by_user["ba"].subject
    assert "weekly brief" in by_user["anne"].subject
    assert "Đề án 06: tasks done" not in by_user["ba"].body  # the Vietnamese labels, not the English
    assert "Tasks done: 47/89" in by_user["anne"].body
    assert "https://tiendo.example.gov.vn/en/" in by_user["anne"].body
    for message in by_user.values():
        [(name, content, mimetype)] = message.attachments
        assert mimetype == "application/pdf" and name.endswith(".pdf")
        assert len(PdfReader(io.BytesIO(content)).pages) == 1
    assert "47/89" in PdfReader(io.BytesIO(by_user["ba"].attachments[0][1])).pages[0].extract_text()

    # The same week again (a second beat run, another day of the week): nothing more.
    assert digest.digests_send(as_of=SUNDAY - timedelta(days=2)) == 0
    assert digest.digests_send(as_of=SUNDAY) == 0
    assert len(mail.outbox) == 2
    # The next week: one each again.
    assert digest.digests_send(as_of=SUNDAY + timedelta(days=1)) == 2
    assert len(mail.outbox) == 4


def test_a_user_who_opts_out_gets_nothing_more(readers_of_the_digest, client):
    client.force_login(readers_of_the_digest["ba"])
    response = client.post("/digest/", {"language": "vi"})  # the box unticked
    assert response.status_code == 302
    assert digest.digests_send(as_of=SUNDAY) == 1
    assert [m.to for m in mail.outbox] == [["anne@example.gov.vn"]]


def test_opting_in_from_the_page(client):
    user = UserFactory(username="moi", email="moi@example.gov.vn")
    Follow.objects.create(user=user, programme=None)
    client.force_login(user)
    assert client.get("/en/digest/").status_code == 200
    client.post("/en/digest/", {"weekly": "on", "language": "en"})
    assert DigestSubscription.objects.get(user=user).weekly
    assert digest.digests_send(as_of=SUNDAY) >= 1
    assert any(m.to == ["moi@example.gov.vn"] and "weekly brief" in m.subject for m in mail.outbox)


def test_the_digest_runs_weekly_from_beat():
    [entry] = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "metrics.tasks.digests_send_weekly"
    ]
    assert entry["schedule"].day_of_week == {1}


def test_sign_in_leads_the_leader_to_the_brief_of_what_they_follow(client):
    from metrics.demo import follows_load

    follows_load(log=lambda *_: None)
    response = client.post(
        "/accounts/login/", {"username": "lanhdao", "password": "tiendo-demo"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/brief/"
    assert response.status_code == 200
    assert b"11/24" in response.content or b"/24" in response.content


def test_sign_in_without_follows_leads_to_the_summary(client):
    get_user_model().objects.create_user("nobody", password="tiendo-test-1")
    response = client.post(
        "/accounts/login/", {"username": "nobody", "password": "tiendo-test-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"


def test_a_follow_of_a_unit_leads_to_its_brief():
    user = UserFactory(username="tinh")
    hanoi = Unit.objects.valid_on(SUNDAY).get(code="01")  # 01 names two rows, before and after 01/07/2025
    follow = Follow.objects.create(user=user, programme=Programme.objects.get(code="CDS2022"), unit=hanoi)
    assert follow.get_absolute_url() == "/brief/CDS2022/?unit=01"


def test_a_user_follows_and_unfollows_a_brief_from_its_page(client):
    user = UserFactory(username="theo-doi")
    client.force_login(user)
    hanoi = Unit.objects.valid_on(SUNDAY).get(code="01")  # 01 names two rows, before and after 01/07/2025
    page = client.get("/en/brief/CDS2022/", {"unit": "01", "as_of": "2022-12-25"})
    assert "Follow this brief" in page.content.decode()
    response = client.post("/follow/", {"programme": "CDS2022", "unit": hanoi.pk})
    assert response.status_code == 302 and response["Location"] == "/brief/CDS2022/?unit=01"
    assert Follow.objects.filter(user=user, programme__code="CDS2022", unit__code="01").count() == 1
    page = client.get("/en/brief/CDS2022/", {"unit": "01", "as_of": "2022-12-25"})
    assert "Stop following this brief" in page.content.decode()
    assert client.get("/home/")["Location"] == "/brief/CDS2022/?unit=01"
    client.post("/follow/", {"programme": "CDS2022", "unit": hanoi.pk})
    assert not Follow.objects.filter(user=user).exists()
    assert client.post("/follow/", {}).status_code == 302  # the nation's brief
    assert Follow.objects.get(user=user).get_absolute_url() == "/brief/"


def test_following_needs_sign_in(client):
    before = Follow.objects.count()
    response = client.post("/follow/", {"programme": "DA06"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Follow.objects.count() == before
