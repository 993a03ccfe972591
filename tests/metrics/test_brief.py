"""The one-page brief: HTML and an A4 PDF of one page, with the API's figures, rendered without network."""

import io

import pytest
from django.core.cache import caches
from pypdf import PdfReader

from metrics import generation
from metrics.brief.pdf import LocalOnlyFetcher
from projects.models import Programme
from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db

A4 = (595.28, 841.89)  # points
BRIEFS = [
    "/brief.pdf",
    "/brief/DA06.pdf",
    "/brief/CDS2022.pdf?unit=01",
    "/brief/DA06.pdf?unit=01",
    "/en/brief.pdf",
]


def pdf_of(client, url: str) -> PdfReader:
    response = client.get(url + ("&" if "?" in url else "?") + f"as_of={CONFERENCE}")
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


@pytest.mark.parametrize("url", BRIEFS)
def test_the_brief_is_one_a4_page_portrait(client, url):
    reader = pdf_of(client, url)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A4[0], 1), round(A4[1], 1))


def test_the_national_brief_shows_the_seed_figures(client):
    text = pdf_of(client, "/brief.pdf").pages[0].extract_text()
    for figure in ("11/24", "47/89", "42/44", "59/63"):
        assert figure in text


@pytest.mark.parametrize(("url", "api", "unit"), [
    ("/brief/DA06.pdf", "/api/programmes/DA06/summary", None),
    ("/brief/CDS2022.pdf?unit=01", "/api/programmes/CDS2022/summary", "01"),
])  # fmt: skip
def test_the_pdf_holds_the_figures_the_api_gives_for_the_day(client, url, api, unit):
    params = {"as_of": CONFERENCE, **({"unit": unit} if unit else {})}
    body = client.get(api, params).json()
    text = pdf_of(client, url).pages[0].extract_text()
    assignments = body["assignments"]
    done = assignments["done_on_time"] + assignments["done_late"]
    assert f"{body['tasks']['done']}/{body['tasks']['total']}" in text
    assert f"{done}/{assignments['total']}" in text
    assert f"{assignments['overdue']}/{assignments['total']}" in text
    if unit is None:
        assert f"{body['goals']['achieved']}/{body['goals']['total']}" in text


def test_the_pdf_embeds_a_font_that_writes_vietnamese(client):
    reader = pdf_of(client, "/brief.pdf")
    fonts = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object().get("/FontDescriptor") or {}
        if not descriptor:
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVu" in name for name in fonts)
    assert "Đề án 06" in reader.pages[0].extract_text()


def test_rendering_refuses_the_network():
    fetcher = LocalOnlyFetcher()
    for url in ("http://203.0.113.7/logo.png", "https://cdn.example.com/font.woff2", "file:///etc/passwd"):
        with pytest.raises(Exception, match="refused"):
            fetcher.fetch(url)
    assert fetcher.refused == [
        "http://203.0.113.7/logo.png",
        "https://cdn.example.com/font.woff2",
        "file:///etc/passwd",
    ]


def test_a_page_that_asks_for_the_network_is_rendered_without_it():
    from weasyprint import HTML

    fetcher = LocalOnlyFetcher()
    html = '<p>Hà Giang</p><img src="http://203.0.113.7/x.png"><link rel="stylesheet" href="https://cdn.example.com/a.css">'
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert set(fetcher.refused) == {"http://203.0.113.7/x.png", "https://cdn.example.com/a.css"}


def test_the_brief_itself_asks_for_nothing_outside(client, rf):
    from metrics.brief import pdf

    fetcher = LocalOnlyFetcher()
    response = client.get("/brief/", {"as_of": CONFERENCE})
    pdf.render_pdf({**response.context_data}, fetcher=fetcher)
    assert fetcher.refused == []


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_html_brief_links_its_pdf_and_its_rows(client, prefix):
    response = client.get(f"{prefix}/brief/DA06/", {"as_of": CONFERENCE})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{prefix}/brief/DA06.pdf?as_of={CONFERENCE}" in html
    assert "/programmes/DA06/tasks/?as_of=2022-12-25&amp;status=done" in html
    assert "<svg" in html


def test_the_change_is_counted_from_the_day_chosen(client):
    from datetime import date, timedelta

    from django.core.management import call_command

    month = client.get("/brief/DA06/", {"as_of": CONFERENCE}).context_data
    meeting = client.get(
        "/brief/DA06/", {"as_of": CONFERENCE, "compare": "date", "since": "2022-06-30"}
    ).context_data
    quarter = client.get("/brief/DA06/", {"as_of": CONFERENCE, "compare": "quarter"}).context_data
    # No day stored near: exactly a month or a quarter before.
    assert str(month["before"]) == "2022-11-25"
    assert str(quarter["before"]) == "2022-09-25"
    assert str(meeting["before"]) == "2022-06-30"
    tasks = {h.key: h for h in meeting["headlines"]}["tasks"]
    assert tasks.done == 47
    assert tasks.change == 47 - tasks.before_done
    # A day stored within a week of a month before is read instead of counting afresh; a chosen day stays exact.
    call_command("recompute_rollups", "--programme", "DA06", "--day", "2022-11-21", verbosity=0)
    month = client.get("/brief/DA06/", {"as_of": CONFERENCE}).context_data
    assert month["before"] == date(2022, 11, 21)
    assert date(2022, 11, 25) - month["before"] <= timedelta(days=7)
    html = client.get("/brief/DA06/", {"as_of": CONFERENCE}).content.decode()
    assert "21/11/2022" in html
    meeting = client.get(
        "/brief/DA06/", {"as_of": CONFERENCE, "compare": "date", "since": "2022-11-24"}
    ).context_data
    assert meeting["before"] == date(2022, 11, 24)


def test_unknown_programme_or_unit_is_404(client):
    assert client.get("/brief/NOPE/").status_code == 404
    assert client.get("/brief/DA06/", {"unit": "ZZ"}).status_code == 404


@pytest.fixture
def pdf_cache_on(settings):
    """A real cache behind the page cache (the test settings' dummy cache keeps nothing)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "brief"}
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_the_pdf_is_rendered_once_then_kept_until_the_data_changes(
    client, pdf_cache_on, django_capture_on_commit_callbacks
):
    url = f"/brief.pdf?as_of={CONFERENCE}"
    first, second = client.get(url), client.get(url)
    assert (first["X-Brief-Cache"], second["X-Brief-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]
    # Another language, programme or day is another PDF.
    for other in (f"/en/brief.pdf?as_of={CONFERENCE}", f"/brief/DA06.pdf?as_of={CONFERENCE}", "/brief.pdf"):
        assert client.get(other)["X-Brief-Cache"] == "miss", other
    # A write bumps the data's generation: the next reader gets a fresh render.
    with django_capture_on_commit_callbacks(execute=True):
        generation.bump([Programme.objects.get(code="DA06").pk])
    assert client.get(url)["X-Brief-Cache"] == "miss"
    assert client.get(url)["X-Brief-Cache"] == "hit"


def test_without_a_cache_every_pdf_is_rendered(client):
    response = client.get(f"/brief.pdf?as_of={CONFERENCE}")
    assert response.status_code == 200 and not response.has_header("X-Brief-Cache")


def test_a_large_programmes_headline_figures_stay_inside_their_boxes(client):
    """At scale 1 a figure reads 292.747/492.351: at the full size it ran into the next box."""
    from weasyprint.formatting_structure import boxes

    from metrics.brief import pdf
    from metrics.brief.figures import Headline

    context = {**client.get("/brief/DA06/", {"as_of": CONFERENCE}).context_data}
    context["headlines"] = [
        Headline(key, key, 292_747, 492_351, 298_231, 292_747, 492_351, "basis", "/")
        for key in ("a", "b", "c", "d")
    ]
    document = pdf.render_document(context)
    assert len(document.pages) == 1

    def overflowing(box, cell=None):
        if getattr(box, "element", None) is not None and "brief-figure" in box.element.get("class", ""):
            cell = box
        if cell is not None and isinstance(box, boxes.TextBox):
            right = cell.content_box_x() + cell.width
            if box.position_x + box.width > right + 0.5:
                yield box.text
        for child in getattr(box, "children", []):
            yield from overflowing(child, cell)

    assert list(overflowing(document.pages[0]._page_box)) == []
