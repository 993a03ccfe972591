"""In a real browser: a reporter submits a report with a file, the reviewer accepts it, the figures change."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from projects import selectors
from projects.models import Programme, Report
from tests.projects.reporting_helpers import PDF, PNG, open_assignment, unit_today

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("TIENDO_SHOTS", "")


def shot(page, name):
    """Keep a screenshot of a page when TIENDO_SHOTS names a directory (to look at the pages)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def verified_done(unit_code="02", programme="DA06"):
    # Hà Giang's work is Tuyên Quang's since 01/07/2025: the unit that holds it today.
    counts = selectors.assignment_status_counts(
        programme=Programme.objects.get(code=programme),
        as_of=timezone.localdate(),
        unit=unit_today(unit_code),
    )
    return counts["done_on_time"] + counts["done_late"]


def card_figure(page, figure):
    code = unit_today("02").code
    return int(page.locator(f'[data-unit="{code}"][data-programme="DA06"] [data-figure="{figure}"]').inner_text())


def test_reporter_submits_with_a_file_reviewer_accepts_figures_change(
    committed_demo, live_server, browser, page, sign_in, tmp_path
):
    assignment = open_assignment("02")
    before = verified_done()

    # The reporter signs in and sees where Hà Giang stands.
    sign_in(page, "hagiang", next_path="/en/reports/")
    assert page.url.endswith("/en/reports/")
    assert card_figure(page, "verified-done") == before
    reported_before = card_figure(page, "reported-done")
    shot(page, "en-reports")

    # The report form, with a PDF as evidence.
    page.goto(f"{live_server.url}/en/reports/new/?assignment={assignment.pk}")
    evidence = tmp_path / "bien-ban-nghiem-thu.pdf"
    evidence.write_bytes(PDF)
    today = timezone.localdate().isoformat()
    page.get_by_label("Status").select_option("done")
    page.get_by_label("Percent complete").fill("100")
    page.get_by_label("Completed on").fill(today)
    page.get_by_label("Effective date").fill(today)
    page.get_by_label("Note").fill("Đã hoàn thành, kèm biên bản nghiệm thu.")
    page.get_by_label("Evidence file").set_input_files(str(evidence))
    shot(page, "en-report-form")
    page.get_by_role("button", name="Submit report").click()
    page.wait_for_load_state()
    assert "/history/" in page.url
    report = Report.objects.filter(assignment=assignment).order_by("-pk").first()
    assert report.note == "Đã hoàn thành, kèm biên bản nghiệm thu."
    assert report.evidence_file
    # Reported, not yet verified.
    page.goto(f"{live_server.url}/en/reports/")
    assert card_figure(page, "verified-done") == before
    assert card_figure(page, "reported-done") == reported_before + 1
    assert verified_done() == before

    province_page = f"{live_server.url}/en/units/{unit_today('02').code}/?programme=DA06"
    page.goto(province_page)
    province_before = int(
        page.locator(".figure-card a.figure-link[data-count]").first.get_attribute("data-count")
    )

    # The reviewer accepts it from the queue, with the evidence at hand.
    reviewer = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    review_page = reviewer.new_page()
    console_errors = []
    review_page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(review_page, "c06", next_path="/en/reviews/")
    card = review_page.locator(f"#report-{report.pk}")
    assert card.get_by_role("link", name="Evidence file", exact=True).count() == 1
    shot(review_page, "en-reviews")
    card.get_by_role("button", name="Accept").click()
    review_page.wait_for_load_state()
    assert review_page.locator(f"#report-{report.pk}").count() == 0
    reviewer.close()
    assert console_errors == []

    report.refresh_from_db()
    assert report.review_state == "accepted"
    assert verified_done() == before + 1
    page.goto(f"{live_server.url}/en/reports/")
    assert card_figure(page, "verified-done") == before + 1
    # And on the province's own page of the dashboard.
    page.goto(province_page)
    assert int(page.locator(".figure-card a.figure-link[data-count]").first.get_attribute("data-count")) == (
        province_before + 1
    )


def test_pages_in_both_languages(committed_demo, live_server, browser, page, sign_in):
    """Every reporting page opens without a console error, in Vietnamese and in English."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects import services
    from tests.projects.reporting_helpers import user

    assignment = open_assignment("02")
    report = services.report_submit(
        user=user("hagiang"),
        assignment=assignment,
        status="in_progress",
        percent=60,
        effective_date=timezone.localdate(),
        note="Đang triển khai; ảnh chụp màn hình kèm theo.",
        evidence_file=SimpleUploadedFile("anh.png", PNG),
    )
    sign_in(page, "hagiang", next_path="/reports/")
    for prefix, language in (("", "vi"), ("/en", "en")):
        for path, name in (
            ("/reports/", "reports"),
            (f"/reports/new/?assignment={assignment.pk}", "report-form"),
            ("/reports/bulk/", "reports-bulk"),
            ("/imports/", "imports"),
            (f"/assignments/{assignment.pk}/history/", "assignment-history"),
            (f"/reports/{report.pk}/history/", "report-history"),
        ):
            response = page.goto(f"{live_server.url}{prefix}{path}")
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            shot(page, f"{language}-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/")
    shot(page, "vi-reports-phone")
    page.context.clear_cookies()
    sign_in(page, "c06", next_path="/reviews/")
    page.set_viewport_size({"width": 1280, "height": 900})
    for prefix, language in (("", "vi"), ("/en", "en")):
        page.goto(f"{live_server.url}{prefix}/reviews/")
        assert page.locator(f"#report-{report.pk} img").count() == 1
        shot(page, f"{language}-reviews")


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def test_reporting_pages_have_no_serious_accessibility_violation(
    committed_demo, live_server, browser, sign_in
):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` (make test does)")
    from projects.models import Goal
    from tests.projects.reporting_helpers import submit_done

    assignment = open_assignment("02")
    pending = submit_done(assignment)  # its trail offers the withdrawal form
    goal = Goal.objects.get(programme__code="DA06", code="MT01")
    # axe is injected as an inline script, which the site's policy refuses: only this context lets it in.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    pages = {
        "hagiang": [
            "/reports/",
            f"/reports/new/?assignment={assignment.pk}",
            "/reports/bulk/",
            "/imports/",
            f"/assignments/{assignment.pk}/history/",
            f"/reports/{pending.pk}/history/",
        ],
        "bocongan": ["/reports/", f"/goals/{goal.pk}/assess/"],
        "c06": ["/reviews/"],
    }
    problems = []
    for username, paths in pages.items():
        context.clear_cookies()
        sign_in(page, username)
        for prefix in ("", "/en"):
            for path in paths:
                page.goto(f"{live_server.url}{prefix}{path}")
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                problems += [
                    f"{prefix}{path}: {v['id']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
                    for v in result["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
    context.close()
    assert not problems, problems
