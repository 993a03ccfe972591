"""Error pages are ours, in the user's language, also under `make run` (local settings)."""

import pytest
from django.contrib.staticfiles import finders

from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


def test_local_settings_show_our_error_pages_unless_debug_is_asked_for():
    script = "from django.conf import settings; print('DEBUG=%s' % settings.DEBUG)"
    result = run_manage("shell", "-c", script, DJANGO_SETTINGS_MODULE="config.settings.local")
    assert "DEBUG=False" in result.stdout, result.stderr
    result = run_manage("shell", "-c", script, DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_DEBUG="1")
    assert "DEBUG=True" in result.stdout, result.stderr


@pytest.mark.parametrize(("prefix", "heading"), [("", "Không tìm thấy trang"), ("/en", "Page not found")])
def test_an_unknown_unit_shows_our_404_page(client, prefix, heading):
    response = client.get(f"{prefix}/units/ZZ/")
    body = response.content.decode()
    assert response.status_code == 404
    assert heading in body
    assert 'class="site-header"' in body
    assert "URLconf" not in body
    assert f'href="{prefix}/units/"' in body


def test_the_favicon_is_a_real_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code in (200, 301, 302)
    if response.status_code != 200:
        response = client.get(response["Location"])
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith((b"\x00\x00\x01\x00", b"<svg", b"\x89PNG"))
    assert finders.find("img/favicon.ico")
