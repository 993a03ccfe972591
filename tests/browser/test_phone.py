"""Light on a phone: charts below the fold are drawn when they scroll into view, plotly.js is fetched only
then, and the status breakdown is an SVG from the server that needs no script at all."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 412, "height": 823}
SCRIPTS = (
    "performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script').map(e => e.name)"
)


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def scripts(page) -> list[str]:
    return sorted(name.rsplit("/", 1)[-1].split(".", 1)[0] for name in page.evaluate(SCRIPTS))


def scroll_to_the_end(page) -> None:
    height = page.evaluate("document.body.scrollHeight")
    for _ in range(0, height, 400):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    ("path", "charts"),
    [("/", 2), ("/programmes/DA06/", 2), ("/units/01/", 1), ("/programmes/CDS2022/tasks/NV045/", 0)],
)
def test_charts_are_drawn_as_they_scroll_into_view(live_server, committed_demo, phone, path, charts):
    phone.goto(f"{live_server.url}{path}?as_of=2022-12-25")
    phone.wait_for_load_state("networkidle")
    assert phone.locator(".chart[data-figure]").count() == charts
    assert phone.locator(".chart.is-drawn").count() == 0, "nothing below the fold is drawn on load"
    assert scripts(phone) == ["charts"], "plotly.js is not even fetched on load"
    scroll_to_the_end(phone)
    drawn = phone.locator(".chart.is-drawn")
    if charts:
        drawn.nth(charts - 1).wait_for(state="attached")
    assert drawn.count() == charts
    assert scripts(phone) == (["charts", "plotly-basic"] if charts else ["charts"])


def test_the_status_breakdown_is_drawn_by_the_server(live_server, committed_demo, phone):
    phone.goto(f"{live_server.url}/programmes/DA06/?as_of=2022-12-25")
    bars = phone.locator("svg.status-bars")
    assert bars.count() == 1
    # One bar per view, one segment per status present, with what it counts.
    assert bars.locator("rect[data-status]").count() >= 2
    assert (
        "Hoàn thành đúng hạn: " in bars.locator("rect[data-status=done_on_time] title").first.text_content()
    )
