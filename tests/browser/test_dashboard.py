"""The dashboard in a real browser (Debian's Chromium through Playwright): pages load with no console error,
every chart is drawn, numbers lead to their rows, the language switch, the as-of picker and exports work,
the pages read on a phone and by keyboard, and axe-core finds no serious accessibility violation."""

import csv
import io
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFERENCE = "2022-12-25"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

PAGES = [
    "/",
    "/programmes/",
    "/programmes/DA06/",
    "/programmes/DA06/goals/",
    "/programmes/DA06/tasks/",
    "/programmes/CDS2022/tasks/NV045/",
    "/programmes/DA06/assignments/",
    "/units/",
    "/units/01/",
    "/indicators/",
    "/indicators/KET_NOI_CSDLDC/",
    "/api/docs",
]
MAIN_PAGES = [
    "/",
    "/programmes/DA06/",
    "/programmes/DA06/tasks/",
    "/units/01/",
    "/indicators/KET_NOI_CSDLDC/",
]


def at(live_server, path: str, prefix: str = "") -> str:
    return f"{live_server.url}{prefix}{path}?as_of={CONFERENCE}"


def row_count(page) -> int:
    return int(page.locator("[data-row-count]").first.get_attribute("data-row-count"))


def assert_charts_drawn(page, path):
    charts = page.locator(".chart[data-figure]")
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()  # charts are drawn when they come into view
        chart.locator("svg.main-svg").first.wait_for(state="attached", timeout=10_000)
        assert chart.locator("svg.main-svg").count() >= 1, f"{path}: chart {index} not drawn"


def test_every_page_loads_without_console_errors_and_draws_its_charts(live_server, committed_demo, page):
    """Under the strict policy too: style-src 'self' with no 'unsafe-inline' (plotly.js injects no style)."""
    response = page.goto(at(live_server, "/"))
    policy = response.headers["content-security-policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    drawn = 0
    for prefix in ("", "/en"):
        for path in PAGES:
            response = page.goto(at(live_server, path, prefix))
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            assert_charts_drawn(page, path)
            drawn += page.locator(".chart svg.main-svg").count()
            assert page.locator("html").get_attribute("lang") == ("en" if prefix else "vi")
            # Navigation says where you are.
            assert page.locator('.main-nav [aria-current="page"]').count() <= 1
    assert drawn >= 10  # the page fixture fails the test on any console error


def test_numbers_lead_to_their_rows_and_exports_hold_exactly_those(live_server, committed_demo, page):
    """Each headline card leads to a table of as many rows; a filtered table downloads exactly its rows."""
    page.goto(at(live_server, "/"))
    cards = page.locator("a.figure-link")
    assert cards.count() >= 4
    for index in range(4):
        page.goto(at(live_server, "/"))
        card = page.locator("a.figure-link").nth(index)
        expected = int(card.get_attribute("data-count"))
        card.click()
        page.wait_for_load_state("domcontentloaded")
        assert row_count(page) == expected, page.url
        body_rows = page.locator("table.data-table tbody tr")
        assert body_rows.count() == min(expected, 50)
    # A filtered table downloads exactly its rows.
    page.goto(at(live_server, "/programmes/CDS2022/assignments/"))
    page.select_option("#id_kind", "province")
    page.select_option("#id_done", "no")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    shown = row_count(page)
    assert 0 < shown < 100
    with page.expect_download() as download:
        page.locator("a.export", has_text="CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) - 1 == shown
    with page.expect_download() as download:
        page.locator("a.export", has_text="XLSX").click()
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.active.max_row - 1 == shown


def test_language_switch_as_of_picker_phone_and_keyboard(live_server, committed_demo, page, browser):
    """The language switch and the date picker keep the page and its filters; pages fit a 390px phone;
    the keyboard reaches everything."""
    page.goto(at(live_server, "/programmes/DA06/tasks/") + "&status=done")
    assert row_count(page) == 47
    page.locator('.language a[hreflang="en"]').click()
    page.wait_for_load_state("domcontentloaded")
    assert "/en/programmes/DA06/tasks/" in page.url
    assert "status=done" in page.url and f"as_of={CONFERENCE}" in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert row_count(page) == 47
    # An earlier date: fewer tasks were done, the filter is kept.
    page.fill("#as-of-date", "2022-06-30")
    page.locator("form.as-of button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "as_of=2022-06-30" in page.url and "status=done" in page.url
    assert row_count(page) < 47
    page.locator('.language a[hreflang="vi"]').click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "as_of=2022-06-30" in page.url
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        for path in MAIN_PAGES:
            page.goto(at(live_server, path))
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide on a 390px phone"
        # Keyboard only: the skip link comes first, then the map's tiles are reachable and lead somewhere.
        page.goto(at(live_server, "/"))
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        tile = page.locator(".tilemap a").first
        tile.focus()
        target = tile.get_attribute("href")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(target)
    finally:
        context.close()
    assert errors == []


def test_axe_finds_no_serious_accessibility_violation(live_server, committed_demo, browser):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` (make test does)")
    # axe is injected as an inline script, which the site's own policy rightly refuses: this context
    # alone lets the test's script in.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    for prefix in ("", "/en"):
        for path in MAIN_PAGES:
            page.goto(at(live_server, path, prefix))
            page.wait_for_load_state("networkidle")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            serious = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not serious, f"{prefix}{path}: {serious}"
    context.close()
