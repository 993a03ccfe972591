"""Sign-in lockout behind the TLS proxy: keyed on the real client's address, never aimable at others."""

import pytest

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.5"
OFFICIAL = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.TIENDO_TRUSTED_PROXIES = [PROXY]


def _sign_in(client, password, *, via_proxy_for=None, remote=PROXY):
    headers = {"REMOTE_ADDR": remote}
    if via_proxy_for:
        headers["HTTP_X_FORWARDED_FOR"] = via_proxy_for
    return client.post("/en/accounts/login/", {"username": "hanoi", "password": password}, **headers)


def test_five_wrong_passwords_from_one_client_do_not_lock_the_user_out_for_others(client, behind_proxy):
    from django.test import Client

    for _ in range(5):
        _sign_in(client, "wrong", via_proxy_for=ATTACKER)
    attacker = _sign_in(client, "tiendo-demo", via_proxy_for=ATTACKER)
    assert attacker.status_code == 429
    official = _sign_in(Client(), "tiendo-demo", via_proxy_for=OFFICIAL)
    assert official.status_code == 302


def test_the_lockout_is_per_user_and_address_not_per_address(client, behind_proxy):
    from django.test import Client

    for _ in range(5):
        _sign_in(client, "wrong", via_proxy_for=ATTACKER)
    other_user = Client().post(
        "/en/accounts/login/",
        {"username": "hagiang", "password": "tiendo-demo"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=ATTACKER,
    )
    assert other_user.status_code == 302


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(behind_proxy, rf):
    from projects.client_ip import client_ip

    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)) == ATTACKER
    # A client that talks to the site directly cannot choose its address by sending the header.
    assert client_ip(rf.get("/", REMOTE_ADDR=OFFICIAL, HTTP_X_FORWARDED_FOR=ATTACKER)) == OFFICIAL
    # The address the trusted proxy saw is the right-most untrusted one; what the client put before it is not.
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}")) == ATTACKER
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="garbage\x00")) == PROXY


def test_without_a_configured_proxy_the_header_is_ignored(settings, rf):
    from projects.client_ip import client_ip

    settings.TIENDO_TRUSTED_PROXIES = []
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)) == PROXY


def test_the_settings_use_the_proxy_aware_address():
    from django.conf import settings

    assert settings.AXES_CLIENT_IP_CALLABLE == "projects.client_ip.client_ip"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
