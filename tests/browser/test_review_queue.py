"""In a real browser: a reviewer filters the queue, ticks several reports by keyboard and accepts them at once."""

import os

import pytest

from projects.choices import ReviewState
from projects.models import Assignment
from tests.browser.test_reporting import shot
from tests.projects.reporting_helpers import submit_done, unit_today, user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


def pending_reports(unit_code, count):
    """Submit a done report on several assignments of a unit (today: the ones its successor carries)."""
    unit = unit_today(unit_code)
    assignments = Assignment.objects.filter(unit=unit, task__programme__code="DA06")
    if unit.code != unit_code:
        assignments = assignments.filter(carried_from__unit__code=unit_code)
    assignments = (
        assignments.exclude(reports__review_state=ReviewState.SUBMITTED)
        .select_related("task__programme", "unit")
        .order_by("task__code")[:count]
    )
    return [submit_done(a) for a in assignments]


def test_select_by_keyboard_and_accept_at_once(committed_demo, live_server, page, sign_in):
    reports = pending_reports("02", 3)
    code = unit_today("02").code  # Hà Giang ended on 30/06/2025: Tuyên Quang holds its work today
    other = pending_reports("96", 1)[0]
    sign_in(page, "c06", next_path="/en/reviews/")
    page.goto(f"{live_server.url}/en/reviews/?unit={code}&per_page=100")
    cards = page.locator("article.review-card")
    assert cards.count() >= 3
    assert page.locator(f"#report-{other.pk}").count() == 0  # filtered out: another province

    # Tick the first two reports from the keyboard: Tab reaches each checkbox, Space ticks it.
    page.locator(f"#select-{reports[0].pk}").focus()
    page.keyboard.press("Space")
    assert page.locator(f"#select-{reports[0].pk}").is_checked()
    page.locator(f"#select-{reports[1].pk}").focus()
    page.keyboard.press("Space")
    assert page.locator("#selected-count").inner_text() == "2 ticked"
    # "Select all on this page" is a checkbox too, and Space on it again unticks everything.
    select_all = page.get_by_label("Select all on this page")
    select_all.focus()
    page.keyboard.press("Space")
    assert all(box.is_checked() for box in page.locator("input.select-report").all())
    page.keyboard.press("Space")
    assert not any(box.is_checked() for box in page.locator("input.select-report").all())
    for report in reports:
        page.locator(f"#select-{report.pk}").focus()
        page.keyboard.press("Space")
    shot(page, "en-reviews-selection")

    # Tab from the note to the button, then Enter.
    page.locator("#bulk-note").focus()
    page.keyboard.type("Đã đối chiếu văn bản")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Accept ticked"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert f"/en/reviews/?unit={code}&per_page=100" in page.url
    assert "3 reports accepted" in page.locator(".messages").inner_text()
    c06 = user("c06")
    for report in reports:
        report.refresh_from_db()
        assert (report.review_state, report.reviewed_by, report.review_note) == (
            ReviewState.ACCEPTED,
            c06,
            "Đã đối chiếu văn bản",
        )
        assert page.locator(f"#report-{report.pk}").count() == 0
    other.refresh_from_db()
    assert other.review_state == ReviewState.SUBMITTED


# The width a select needs to show a text whole: the text in the select's own font, plus its padding,
# border and drop-down arrow (about 2rem in Chromium).
SELECT_FITS = """(select) => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const widest = Math.max(...Array.from(select.options).map((o) => context.measureText(o.text).width));
  return {needed: widest + 2 * parseFloat(style.fontSize), width: select.getBoundingClientRect().width};
}"""


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_bulk_grid_shows_whole_statuses_and_marks_the_wrong_field(
    committed_demo, live_server, browser, sign_in, prefix
):
    # Its own page: the refused grid answers 400, which the shared page fixture counts as a console error.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, "hagiang", next_path="/reports/bulk/")
    page.goto(f"{live_server.url}{prefix}/reports/bulk/")
    status = page.locator("#id_form-0-status")
    fits = status.evaluate(SELECT_FITS)
    assert fits["width"] >= fits["needed"], fits
    # Done at 50 %: only the percent is wrong.
    status.select_option("done")
    page.locator("#id_form-0-percent").fill("50")
    page.locator("#id_form-0-completed_on").fill(page.evaluate("new Date().toISOString().slice(0, 10)"))
    page.locator("form.bulk-form button[type=submit]").click()
    page.wait_for_load_state()
    invalid = page.locator('[aria-invalid="true"]')
    assert [invalid.nth(i).get_attribute("id") for i in range(invalid.count())] == ["id_form-0-percent"]
    assert page.locator("td.has-error").count() == 1
    shot(page, f"{prefix.strip('/') or 'vi'}-bulk-grid-error")
    context.close()
