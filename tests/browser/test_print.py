"""Print and pictures: pages print on A4 without navigation or forms and with whole charts, and every chart
downloads as PNG and SVG, and its data as CSV, from keyboard-reachable buttons."""

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFERENCE = "2022-12-25"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "print"


def draw_every_chart(page) -> int:
    """Scroll each chart into view, as a reader would, and wait until it is drawn: charts are drawn lazily
    (static/js/charts.js), when they come near the viewport. Return how many the page has."""
    charts = page.locator(".chart[data-figure]")
    count = charts.count()
    for index in range(count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_class(re.compile(r"\bis-drawn\b"), timeout=10_000)
    page.evaluate("window.scrollTo(0, 0)")
    assert page.locator(".chart.is-drawn").count() == count
    return count


def printed(page, url: str, name: str) -> PdfReader:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    # page.pdf() need not fire beforeprint, so the charts are drawn as a reader scrolling down draws them.
    assert draw_every_chart(page) >= 1
    page.emulate_media(media="print")
    page.wait_for_timeout(300)  # charts refit to the paper's width on the media change
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    return PdfReader(io.BytesIO(pdf))


@pytest.mark.parametrize(("path", "most"), [("/", 2), ("/programmes/DA06/", 2), ("/en/", 2)])
def test_a_page_prints_on_few_a4_pages_without_navigation_or_forms(
    live_server, committed_demo, page, path, most
):
    reader = printed(
        page, f"{live_server.url}{path}?as_of={CONFERENCE}", path.strip("/").replace("/", "-") or "home"
    )
    assert 1 <= len(reader.pages) <= most
    text = "".join(p.extract_text() for p in reader.pages)
    # No navigation, no date form, no data-table toggles, no download buttons on paper.
    for absent in ("Bỏ qua", "Skip to content", "Bảng số liệu", "Table behind this chart", "PNG", "CSV"):
        assert absent not in text
    # Charts are whole: each chart's plot area lies within its printed container.
    page.emulate_media(media="print")
    for chart in page.locator(".chart.is-drawn").all():
        box, svg = chart.bounding_box(), chart.locator("svg.main-svg").first.bounding_box()
        assert svg["width"] <= box["width"] + 1 and svg["height"] <= box["height"] + 1
    page.emulate_media(media="screen")


def test_the_brief_prints_on_one_page_from_the_browser_too(live_server, committed_demo, page):
    page.goto(f"{live_server.url}/brief/?as_of={CONFERENCE}")
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert len(reader.pages) == 1


def test_every_chart_downloads_as_png_svg_and_csv_by_keyboard(live_server, committed_demo, page):
    page.goto(f"{live_server.url}/programmes/DA06/?as_of={CONFERENCE}")
    page.wait_for_load_state("networkidle")
    tools = page.locator(".chart-tools")
    # A chart, and its buttons, appear when it comes into view.
    page.locator(".chart[data-figure]").first.scroll_into_view_if_needed()
    tools.first.wait_for(state="visible")
    assert tools.count() == page.locator(".chart[data-figure]").count() >= 2
    first = tools.first
    for kind, suffix in (("png", ".png"), ("svg", ".svg"), ("csv", ".csv")):
        button = first.locator(f'button[data-download="{kind}"]')
        button.focus()
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        download = info.value
        assert download.suggested_filename.endswith(suffix)
        assert CONFERENCE in download.suggested_filename
        body = Path(download.path()).read_bytes()
        if kind == "png":
            assert body.startswith(b"\x89PNG")
        elif kind == "svg":
            assert b"<svg" in body[:400]
        else:
            lines = body.decode("utf-8-sig").splitlines()
            assert lines[0] == "series,x,y"
            assert len(lines) > 2


def test_the_brief_page_has_no_serious_accessibility_violation(live_server, committed_demo, browser):
    axe = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail(f"axe-core is missing at {axe}: run `npm ci` (make test does)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    for path in ("/brief/", "/en/brief/DA06/", "/brief/CDS2022/?unit=01&"):
        separator = "" if path.endswith("&") else "?"
        page.goto(f"{live_server.url}{path}{separator}as_of={CONFERENCE}")
        page.add_script_tag(path=str(axe))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{path}: {serious}"
    context.close()
