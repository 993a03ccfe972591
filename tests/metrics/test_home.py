"""The national summary at / (Vietnamese) and /en/ (English), and the health check."""

import re

import pytest
from django.utils.html import strip_tags

pytestmark = pytest.mark.django_db

CONFERENCE = "2022-12-25"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_headline_figures_as_of_the_conference(client, prefix):
    response = client.get(f"{prefix}/", {"as_of": CONFERENCE})
    assert response.status_code == 200
    text = text_of(response)
    for figure in ("11/24", "47/89", "42/44", "59/63", "227/227"):
        assert figure in text, figure


def test_vietnamese_by_default_with_vietnamese_numbers(client):
    response = client.get("/", {"as_of": CONFERENCE})
    assert response["Content-Language"] == "vi"
    text = text_of(response)
    assert "Tổng quan toàn quốc" in text
    assert "76.000.000" in text
    assert "25/12/2022" in text


def test_english_under_en_with_english_numbers(client):
    response = client.get("/en/", {"as_of": CONFERENCE})
    assert response["Content-Language"] == "en"
    text = text_of(response)
    assert "National summary" in text
    assert "76,000,000" in text


def test_a_malformed_date_is_a_clear_400(client):
    response = client.get("/", {"as_of": "25/13/2022"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in text_of(response)
    response = client.get("/en/", {"as_of": "2099-01-01"})
    assert response.status_code == 400


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_reports_a_broker_that_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from config.celery_app import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 503
    assert response.json()["broker"] == "failing"
