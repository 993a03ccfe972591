"""What a new user saw in a real browser: headings clear of the navigation, dates written day first in an
English-language browser, and signing in and out through our own pages."""

import pytest

from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/", "/programmes/", "/programmes/DA06/goals/", "/units/", "/indicators/CCCD_CHIP/", "/en/units/ZZ/"]


def test_headings_clear_the_navigation_and_dates_read_day_first(live_server, committed_demo, browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path in PAGES:
        page.goto(f"{live_server.url}{path}?as_of={CONFERENCE}")
        nav = page.locator(".main-nav").bounding_box()
        heading = page.locator("main h1").first.bounding_box()
        assert heading["y"] - (nav["y"] + nav["height"]) >= 16, path
    # The date field writes the day first, whatever the browser's language, and takes a day typed so.
    page.goto(f"{live_server.url}/en/programmes/DA06/tasks/?status=done&as_of={CONFERENCE}")
    assert page.input_value("#as-of-date") == "25/12/2022"
    page.fill("#as-of-date", "30/06/2022")
    page.locator("form.as-of button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "as_of=2022-06-30" in page.url and "status=done" in page.url
    assert page.input_value("#as-of-date") == "30/06/2022"
    context.close()


def test_sign_in_lands_by_role_and_sign_out_on_our_page(live_server, committed_demo, page, sign_in):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "hagiang")
    page.fill("input[name=password]", "wrong")
    page.click("form.stacked-form button[type=submit]")
    assert "4" in page.locator(".error").inner_text()
    page.fill("input[name=username]", "hagiang")
    page.fill("input[name=password]", "tiendo-demo")
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/reports/")
    page.locator(".account button[type=submit]").click()
    page.wait_for_load_state()
    assert "quality time" not in page.content()
    page.get_by_role("link", name="Đăng nhập lại").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/login/")
