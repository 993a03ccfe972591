"""Signing in and out: where each user lands, the warning before a lockout, and our own signed-out page."""

import pytest
from django.conf import settings
from django.test import Client

from projects.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(username: str, *, next_url: str | None = None, prefix: str = "", password: str = DEMO_PASSWORD):
    client = Client()
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client, client.post(f"{prefix}/accounts/login/", data)


@pytest.mark.parametrize(
    ("username", "landing"),
    [("hagiang", "/reports/"), ("bocongan", "/reports/"), ("c06", "/reviews/"), ("vpcp", "/reviews/"),
     ("lanhdao", "/home/"), ("admin", "/")],  # lanhdao follows briefs (metrics.demo): /home/ leads to one
)
def test_each_user_lands_on_the_page_of_their_role(username, landing):
    _client, response = sign_in(username)
    assert response.status_code == 302
    assert response["Location"] == landing


def test_landing_keeps_the_language():
    _client, response = sign_in("hagiang", prefix="/en")
    assert response["Location"] == "/en/reports/"


def test_next_wins_over_the_role_landing():
    _client, response = sign_in("hagiang", next_url="/units/01/")
    assert response["Location"] == "/units/01/"


def test_a_foreign_next_is_ignored():
    _client, response = sign_in("c06", next_url="https://example.com/")
    assert response["Location"] == "/reviews/"


def test_a_wrong_password_says_how_many_attempts_remain():
    client = Client()
    response = client.post("/en/accounts/login/", {"username": "hanoi", "password": "wrong"})
    assert response.status_code == 200
    remaining = settings.AXES_FAILURE_LIMIT - 1
    assert f"{remaining} more failed attempts" in response.content.decode()
    for _ in range(remaining - 1):
        response = client.post("/en/accounts/login/", {"username": "hanoi", "password": "wrong"})
    assert "1 more failed attempt " in response.content.decode()
    response = client.post("/accounts/login/", {"username": "hanoi", "password": "wrong"})
    assert "Quá nhiều lần đăng nhập sai" in response.content.decode()


def test_a_wrong_password_warns_in_vietnamese():
    response = Client().post("/accounts/login/", {"username": "camau", "password": "wrong"})
    assert "Còn 4 lần thử" in response.content.decode()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_signing_out_lands_on_our_page_with_a_link_to_our_sign_in(prefix):
    client, _response = sign_in("hagiang")
    response = client.post(f"{prefix}/accounts/logout/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "quality time" not in body
    assert "Django" not in body
    assert f'href="{prefix}/accounts/login/"' in body
    assert "/admin/login/" not in body
    assert 'class="site-header"' in body


def test_the_signed_out_page_does_not_send_the_next_sign_in_back_to_sign_out():
    client, _response = sign_in("hagiang")
    body = client.post("/accounts/logout/").content.decode()
    assert "next=/accounts/logout/" not in body and "next=%2Faccounts%2Flogout%2F" not in body
