"""The map of the day in a real browser: the summary draws the 34 provinces today and the 63 on
25/12/2022, each tile a link reachable by keyboard with a text alternative; screenshots of both eras
are kept under artifacts/screenshots/ for a person to look at."""

import os

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.metrics.map_helpers import apply_2025_map

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_on_today_s_map(committed_demo):
    apply_2025_map()


@pytest.mark.parametrize(
    ("as_of", "tiles", "first", "shot"),
    [("", 34, "12", "map-2026-today.png"), ("2022-12-25", 63, "10", "map-2022-12-25.png")],
)
def test_the_summary_map_is_the_map_of_its_day(
    live_server, demo_on_today_s_map, page, as_of, tiles, first, shot
):
    page.goto(f"{live_server.url}/en/" + (f"?as_of={as_of}" if as_of else ""))
    page.wait_for_load_state("networkidle")
    grid = page.locator("ol.tilemap")
    assert grid.count() == 1
    assert page.locator("ol.tilemap > li.tile").count() == tiles
    assert page.locator("ol.tilemap > li.tile:not(.q-none)").count() == tiles  # every province has figures
    assert grid.get_attribute("aria-label") == f"Map of the {tiles} provinces; each links to its page"
    # Every tile names its province and its figures in words, for a screen reader.
    labels = page.locator("ol.tilemap .visually-hidden").all_inner_texts()
    assert len(labels) == tiles and all("done" in label for label in labels)
    # The map is drawn as a map: Lai Châu (or Lào Cai) in the top row, Cà Mau in the bottom one.
    boxes = {
        code: page.locator(f'ol.tilemap a[href^="/en/units/{code}/"]').bounding_box()
        for code in (first, "01", "96")
    }
    assert boxes[first]["y"] < boxes["01"]["y"] < boxes["96"]["y"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#map-heading").scroll_into_view_if_needed()
    page.locator("section[aria-labelledby=map-heading]").screenshot(path=str(SCREENSHOTS / shot))
    # By keyboard: a tile takes focus and Enter opens its province's page, on the page's day.
    tile = page.locator("ol.tilemap a").first
    tile.focus()
    assert page.evaluate("document.activeElement.closest('ol.tilemap') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/en/units/{first}/" in page.url
    assert (f"as_of={as_of}" in page.url) == bool(as_of)
    assert page.locator("h1").inner_text()
