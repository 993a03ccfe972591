"""The admin's lockout section (django-axes) reads in Vietnamese like the rest of the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def test_the_lockout_section_is_translated(admin_client):
    Client().post("/accounts/login/", {"username": "camau", "password": "wrong"})
    index = admin_client.get("/admin/").content.decode()
    assert "Khóa đăng nhập" in index
    assert "Access attempts" not in index and ">Axes<" not in index
    changelist = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "Tên đăng nhập" in changelist
    assert "Attempt Time" not in changelist and "Failed Logins" not in changelist
    english = admin_client.get("/en/admin/").content.decode()
    assert "Sign-in lockouts" in english
