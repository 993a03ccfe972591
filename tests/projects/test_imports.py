"""Imports of reports and observations: every row checked, all written or none, twice adds nothing."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from metrics.imports import ObservationImporter
from metrics.models import Observation
from projects import imports
from projects.choices import ReviewState
from projects.imports import ReportImporter, UnitResolver, fold
from projects.models import ImportJob, Report, Unit
from projects.selectors import unit_for_code
from tests.projects.reporting_helpers import client_for, csv_bytes, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Reasons are checked in English; the pages give them in the reader's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


HEADER = ["programme", "task", "unit", "status", "percent", "completed_on", "effective_date", "note"]
TASK = "NV14"  # a Đề án 06 task given to all 63 provinces
DAY = "2024-03-01"


def row(unit, status="in_progress", percent="40", completed_on="", effective_date=DAY, note="", task=TASK):
    return ["DA06", task, unit, status, percent, completed_on, effective_date, note]


def run_reports(rows, *, header=HEADER, name="reports.csv", **options):
    return ReportImporter(**options).run(csv_bytes([header, *rows]), name)


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Unit names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("TP. Hồ Chí Minh", "79"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("TP HCM", None),
        ("Thừa Thiên - Huế", "46"),
        ("Thừa Thiên Huế", "46"),
        ("Ha Noi", "01"),
        ("HÀ NỘI", "01"),
        ("Tỉnh Hà Giang", "02"),
        ("tinh ha giang", "02"),
        ("96", "96"),
        ("Cà Mau", "96"),
        ("Bộ Công an", "BCA"),
    ],
)
def test_units_resolve_the_way_officials_write_them(written, code):
    resolver = UnitResolver()
    provinces_and_ministries = {u.pk for u in Unit.objects.filter(kind__in=["province", "ministry"])}
    # On the map of 2022, the period of these names.
    day = date(2022, 6, 1)
    if code is None:
        with pytest.raises(imports.RowInvalid):
            resolver.resolve("unit", written, allowed=lambda u: u.pk in provinces_and_ministries, on=day)
    else:
        unit = resolver.resolve("unit", written, allowed=lambda u: u.pk in provinces_and_ministries, on=day)
        assert unit.code == code


def test_an_ambiguous_name_is_an_error_naming_the_candidates():
    # "Phường Ngọc Hà" is a ward of Hà Nội and one of Hà Giang.
    with pytest.raises(imports.RowInvalid) as raised:
        UnitResolver().resolve("unit", "Phường Ngọc Hà")
    assert "00016" in raised.value.reason and "00692" in raised.value.reason


def test_fold_removes_case_diacritics_and_punctuation():
    assert fold("TP. Hồ Chí Minh") == "tp ho chi minh"
    assert fold("Thừa Thiên - Huế") == "thua thien hue"
    assert fold("Đắk Lắk") == "dak lak"


# Reports ---------------------------------------------------------------------------------------------


def test_a_good_file_with_official_unit_names_is_written():
    rows = [
        row("TP. Hồ Chí Minh", note="một"),
        row("Thừa Thiên - Huế", status="done", percent="", completed_on="2024-02-20", note="hai"),
        row("Ha Noi", status="not_started", percent="0", note="ba"),
        row("96", status="Đang thực hiện", percent="55%", note="bốn"),
        row("Tỉnh Hà Giang", effective_date="01/03/2024", note="năm"),
    ]
    before = Report.objects.count()
    result = run_reports(rows)
    assert result.errors == []
    assert (result.new, result.unchanged, result.written) == (5, 0, True)
    assert Report.objects.count() == before + 5
    hue = Report.objects.get(note="hai")
    assert hue.assignment.unit.code == "46"
    assert (hue.status, hue.percent, hue.completed_on) == ("done", 100, date(2024, 2, 20))
    assert hue.review_state == ReviewState.SUBMITTED
    assert hue.source_key.startswith("import:")
    assert Report.objects.get(note="bốn").percent == 55
    assert (
        hue.assignment.reported_report_id == hue.pk
        or hue.assignment.reports.filter(effective_date__gt=hue.effective_date).exists()
    )


def test_reimporting_the_same_file_adds_nothing():
    rows = [row("79", note="lặp"), row("46", note="lặp")]
    first = run_reports(rows)
    assert first.new == 2
    count = Report.objects.count()
    second = run_reports(rows)
    assert (second.new, second.unchanged, second.written) == (0, 2, False)
    assert Report.objects.count() == count
    # The same row twice in one file counts once.
    third = run_reports([row("01", note="đôi"), row("01", note="đôi")])
    assert (third.new, third.unchanged) == (1, 1)


def test_one_bad_row_among_many_writes_nothing_and_lists_every_bad_row():
    provinces = list(Unit.objects.filter(kind="province").order_by("code").values_list("code", flat=True))
    rows = [row(code, note=f"tốt {code}") for code in provinces]
    rows[10] = row(provinces[10], percent="140")
    rows[20] = row("Không Tồn Tại")
    rows[30] = row(provinces[30], status="done", percent="100", completed_on="")
    rows[40] = row(provinces[40], effective_date="31/02/2024")
    rows[50] = row(provinces[50], note='=HYPERLINK("http://evil")')
    before = Report.objects.count()
    result = run_reports(rows)
    assert Report.objects.count() == before
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [
        (12, "percent"),
        (22, "unit"),
        (32, "completed_on"),
        (42, "effective_date"),
        (52, "note"),
    ]
    assert "Không Tồn Tại" in result.errors[1].reason


def test_a_unit_without_the_assignment_is_an_error():
    result = run_reports([row("BCA")])
    assert [(e.row, e.column) for e in result.errors] == [(2, "unit")]


def test_reporters_import_only_for_their_own_units():
    result = run_reports([row("02", note="của mình"), row("96", note="của người khác")], user=user("hagiang"))
    assert [(e.row, e.column) for e in result.errors] == [(3, "unit")]
    ok = run_reports([row("02", note="của mình")], user=user("hagiang"))
    assert ok.written
    assert Report.objects.get(note="của mình").submitted_by.username == "hagiang"


def test_wrong_encoding_is_refused():
    data = "\n".join([",".join(HEADER), ",".join(row("Hà Giang"))]).encode("cp1258")
    result = ReportImporter().run(data, "reports.csv")
    assert len(result.errors) == 1
    assert "UTF-8" in result.errors[0].reason
    assert result.errors[0].row == 2


def test_wrong_columns_are_refused_with_each_column_named():
    header = ["programme", "task", "unit", "percent", "effective_date", "colour"]
    result = run_reports([["DA06", TASK, "02", "10", DAY, "đỏ"]], header=header)
    assert {(e.row, e.column) for e in result.errors} == {(1, "status"), (1, "colour")}


def test_a_row_with_more_cells_than_the_header_is_refused():
    result = run_reports([[*row("02"), "thừa"]])
    assert [(e.row, e.column) for e in result.errors] == [(2, "")]


def test_xlsx_is_read_and_a_formula_cell_is_refused():
    good = xlsx_bytes([HEADER, row("TP. Hồ Chí Minh", note="xlsx"), row("Cà Mau", note="xlsx")])
    result = ReportImporter(dry_run=True).run(good, "reports.xlsx")
    assert (result.errors, result.new) == ([], 2)
    bad = xlsx_bytes([HEADER, row("79"), [*row("96")[:7], "=1+1"]])
    result = ReportImporter().run(bad, "reports.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, "note")]
    assert "Formula" in result.errors[0].reason or "formula" in result.errors[0].reason.lower()


def test_xlsx_dates_and_numbers_from_cells():
    data = xlsx_bytes([HEADER, ["DA06", TASK, "02", "done", 100, date(2024, 1, 5), date(2024, 1, 6), "ngày"]])
    result = ReportImporter().run(data, "reports.xlsx")
    assert result.errors == []
    report = Report.objects.get(note="ngày")
    assert (report.completed_on, report.effective_date) == (date(2024, 1, 5), date(2024, 1, 6))


def test_not_a_spreadsheet_is_refused():
    result = ReportImporter().run(b"this is not a zip file", "reports.xlsx")
    assert len(result.errors) == 1 and "XLSX" in result.errors[0].reason
    result = ReportImporter().run(b"a,b", "reports.txt")
    assert len(result.errors) == 1


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    result = run_reports([row(code) for code in ("01", "02", "04", "06")])
    assert len(result.errors) == 1 and "at most" in result.errors[0].reason


def test_a_future_date_is_refused():
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    result = run_reports([row("02", effective_date=tomorrow)])
    assert [(e.row, e.column) for e in result.errors] == [(2, "effective_date")]


def test_dry_run_shows_what_would_change_and_writes_nothing():
    before = Report.objects.count()
    result = run_reports([row("79", note="thử"), row("46", note="thử")], dry_run=True)
    assert (result.new, result.written) == (2, False)
    assert [p["row"] for p in result.preview] == [2, 3]
    assert "Hồ Chí Minh" in result.preview[0]["target"]
    assert Report.objects.count() == before


# Commands --------------------------------------------------------------------------------------------


def test_import_reports_command_dry_run_then_accept(tmp_path):
    from projects.models import Programme
    from projects.selectors import assignment_status_counts

    path = tmp_path / "reports.csv"
    today = timezone.localdate().isoformat()
    # Today Hà Giang's work is Tuyên Quang's (08).
    path.write_bytes(
        csv_bytes([HEADER, row("08", status="done", percent="100", completed_on=today, effective_date=today)])
    )
    out = io.StringIO()
    before = Report.objects.count()
    call_command("import_reports", str(path), "--dry-run", stdout=out, verbosity=0)
    assert "1" in out.getvalue() and Report.objects.count() == before

    def verified_done():
        counts = assignment_status_counts(
            programme=Programme.objects.get(code="DA06"),
            as_of=timezone.localdate(),
            unit=unit_for_code("08", on=timezone.localdate()),
        )
        return counts["done_on_time"] + counts["done_late"]

    done_before = verified_done()
    with pytest.raises(CommandError):
        call_command("import_reports", str(path), "--accept", verbosity=0)
    with pytest.raises(CommandError):
        call_command("import_reports", str(path), "--accept", "--user", "hagiang", verbosity=0)
    call_command("import_reports", str(path), "--accept", "--user", "c06", stdout=io.StringIO(), verbosity=0)
    report = Report.objects.order_by("-pk").first()
    assert (report.review_state, report.reviewed_by.username) == (ReviewState.ACCEPTED, "c06")
    if (
        Report.objects.filter(assignment=report.assignment, status="done", review_state="accepted").count()
        == 1
    ):
        assert verified_done() == done_before + 1


def test_import_reports_command_fails_listing_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([HEADER, row("02", percent="abc"), row("Nowhere")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_reports", str(path), stderr=err, verbosity=0)
    assert "row 2" in err.getvalue() or "dòng 2" in err.getvalue()


# Observations ----------------------------------------------------------------------------------------

OBS_HEADER = ["indicator", "unit", "period", "value", "denominator", "source"]


def test_observations_import_with_names_and_vietnamese_numbers(tmp_path):
    path = tmp_path / "obs.csv"
    path.write_bytes(
        csv_bytes(
            [
                OBS_HEADER,
                ["CCCD_CHIP", "TP. Hồ Chí Minh", "2024-01-31", "1.234.567,5", "", "Bộ Công an"],
                ["DVC_BCA", "Thừa Thiên - Huế", "31/01/2024", "227", "227", ""],
            ]
        )
    )
    before = Observation.objects.count()
    call_command("import_observations", str(path), stdout=io.StringIO(), verbosity=0)
    assert Observation.objects.count() == before + 2
    hcm = Observation.objects.get(unit__code="79", indicator__code="CCCD_CHIP", period=date(2024, 1, 31))
    assert str(hcm.value) == "1234567.5000"
    call_command("import_observations", str(path), stdout=io.StringIO(), verbosity=0)
    assert Observation.objects.count() == before + 2


def test_observations_bad_rows_write_nothing():
    data = csv_bytes(
        [
            OBS_HEADER,
            ["CCCD_CHIP", "79", "2024-01-31", "10", "", ""],
            ["NOPE", "79", "2024-01-31", "10", "", ""],
            ["CCCD_CHIP", "79", "2024-01-31", "mười", "", ""],
            ["CCCD_CHIP", "79", "2024-01-31", "10", "0", ""],
        ]
    )
    before = Observation.objects.count()
    result = ObservationImporter().run(data, "obs.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "indicator"), (4, "value"), (5, "denominator")]
    assert Observation.objects.count() == before


# The web page and background jobs ---------------------------------------------------------------------


def upload(client, data, name="reports.csv", **fields):
    return client.post(
        "/en/imports/",
        {"kind": "reports", "file": SimpleUploadedFile(name, data), **fields},
    )


def test_upload_dry_run_then_import_it_now(django_capture_on_commit_callbacks):
    client = client_for("hagiang")
    data = csv_bytes([HEADER, row("Tỉnh Hà Giang", note="qua web")])
    before = Report.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, dry_run="on")
    assert response.status_code == 302
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert (job.state, job.dry_run, job.result["new"]) == ("done", True, 1)
    page = client.get(response["Location"]).content.decode()
    assert "would be added" in page and "Import it now" in page
    assert Report.objects.count() == before
    with django_capture_on_commit_callbacks(execute=True):
        run = client.post(f"/en/imports/{job.pk}/run/")
    assert run.status_code == 302
    assert Report.objects.count() == before + 1
    assert Report.objects.get(note="qua web").submitted_by.username == "hagiang"


def test_upload_with_bad_rows_lists_them_on_the_page(django_capture_on_commit_callbacks):
    client = client_for("hagiang")
    data = csv_bytes([HEADER, row("02", percent="140"), row("96")])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was written" in page
    assert page.count('<tr><td class="num">') >= 2


def test_an_oversized_upload_is_refused(settings):
    settings.TIENDO_IMPORT_MAX_BYTES = 100
    response = upload(client_for("hagiang"), csv_bytes([HEADER] + [row("02", note="x" * 50)] * 5))
    assert response.status_code == 200
    assert "at most" in response.content.decode()
    assert not ImportJob.objects.filter(created_by__username="hagiang").exists()


def test_only_reviewers_may_accept_on_upload():
    response = upload(client_for("hagiang"), csv_bytes([HEADER, row("02")]), accept="on")
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_background_job_records_progress(monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    seen = []
    provinces = list(Unit.objects.filter(kind="province").values_list("code", flat=True))
    rows = [row(code, note=f"n{i}") for i in range(2) for code in provinces]
    ReportImporter(dry_run=True, progress=lambda done, total: seen.append((done, total))).run(
        csv_bytes([HEADER, *rows]), "many.csv"
    )
    assert seen[0] == (10, len(rows)) and seen[-1] == (len(rows), len(rows))
    assert len(seen) >= len(rows) // 10


def test_import_job_task_runs_and_stores_the_outcome(django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from projects.tasks import import_job_run

    job = ImportJob(kind="reports", original_name="a.csv", created_by=user("admin"))
    job.file.save("a.csv", ContentFile(csv_bytes([HEADER, row("79", note="nền")])), save=False)
    job.save()
    import_job_run.delay(job.pk)
    job.refresh_from_db()
    assert (job.state, job.rows_total, job.rows_done, job.result["new"]) == ("done", 1, 1, 1)
    assert job.percent_done == 100


# Property: all or nothing ------------------------------------------------------------------------------

units = st.sampled_from(["01", "02", "79", "46", "96", "Ha Noi", "TP. Hồ Chí Minh", "Nowhere", "", "BCA"])
statuses = st.sampled_from(["in_progress", "not_started", "done", "finished", ""])
percents = st.sampled_from(["", "0", "50", "100", "101", "-1", "x"])
dates = st.sampled_from(["2024-01-01", "2024-02-01", "01/03/2024", "2024-13-01", "", "2999-01-01"])
notes = st.sampled_from(["", "ok", "=1+1", "ghi chú"])


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(units, statuses, percents, dates, dates, notes), min_size=1, max_size=8))
def test_random_rows_leave_the_database_fully_updated_or_untouched(rows):
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            last = Report.objects.order_by("-pk").values_list("pk", flat=True).first()
            result = run_reports(
                [
                    row(u, status=s, percent=p, completed_on=c, effective_date=e, note=n)
                    for u, s, p, c, e, n in rows
                ]
            )
            added = Report.objects.filter(pk__gt=last)
            if result.errors:
                assert added.count() == 0
            else:
                assert added.count() == result.new
                keys = set(added.values_list("source_key", flat=True))
                assert len(keys) == result.new
            raise Rollback
    except Rollback:
        pass


def test_imported_reports_leave_the_report_chains_exactly_as_a_full_refresh_would():
    from projects.models import Assignment
    from projects.services import report_chains_refresh

    rows = [
        row("02", effective_date="2022-03-01", note="giữa lịch sử"),
        row("02", effective_date="2024-01-01", note="sau"),
        row(
            "02",
            status="done",
            percent="100",
            completed_on="2024-01-02",
            effective_date="2024-01-02",
            note="cuối",
        ),
        row("96", effective_date="2022-01-01", note="đầu"),
    ]
    assert run_reports(rows).written
    ids = list(
        Assignment.objects.filter(task__code=TASK, unit__code__in=["02", "96"]).values_list("pk", flat=True)
    )
    assert report_chains_refresh(assignment_ids=ids) == 0
    assert run_reports(rows, accept=True, user=user("c06")).unchanged == 4
    accepted = [row("02", effective_date="2024-02-01", note="chấp nhận")]
    assert run_reports(accepted, accept=True, user=user("c06")).written
    assert report_chains_refresh(assignment_ids=ids) == 0
    assignment = Assignment.objects.get(task__code=TASK, unit__code="02")
    assert assignment.verified_report.note == "chấp nhận"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234.567,5", "1234567.5"),
        ("1,234,567.5", "1234567.5"),
        ("227", "227"),
        ("0,5", "0.5"),
        ("2.36", "2.36"),
    ],
)
def test_numbers_in_vietnamese_and_english_forms(text, value):
    from decimal import Decimal

    assert imports.parse_decimal("value", text, required=True) == Decimal(value)


@pytest.mark.parametrize("text", ["1.000", "1,000", "abc", "1.2.3,4,5"])
def test_ambiguous_or_malformed_numbers_are_refused(text):
    with pytest.raises(imports.RowInvalid):
        imports.parse_decimal("value", text, required=True)


def test_projects_never_imports_metrics():
    """Observations are imported by metrics.imports; projects names importers only in settings."""
    import re
    from pathlib import Path

    import projects

    offenders = [
        str(path)
        for path in Path(projects.__file__).parent.rglob("*.py")
        if re.search(r"^\s*(from|import)\s+metrics\b", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert offenders == []


# Units by period: the map of the row's day ------------------------------------------------------------


def test_a_name_resolves_on_the_map_of_the_rows_period():
    result = run_reports([row("Hà Giang", effective_date="2022-06-01", note="theo kỳ")], dry_run=True)
    assert result.errors == []
    assert "Hà Giang" in result.preview[0]["target"]
    resolver = UnitResolver()
    assert resolver.resolve("unit", "Hà Giang", on=date(2022, 6, 1)).code == "02"
    old, new = (resolver.resolve("unit", "08", on=day) for day in (date(2022, 6, 1), date(2026, 1, 5)))
    assert old.code == new.code == "08" and old != new and new.valid_from == date(2025, 7, 1)


def test_a_dead_unit_is_refused_with_its_successor_named():
    result = run_reports([row("Hà Giang", effective_date="2026-01-05")], dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "unit")]
    reason = result.errors[0].reason
    assert "Hà Giang" in reason and "Tuyên Quang (08)" in reason and "30/06/2025" in reason


def test_a_dead_unit_maps_to_its_successor_when_asked():
    result = run_reports(
        [row("Hà Giang", effective_date="2026-01-05", note="ánh xạ")], map_to_successors=True
    )
    assert result.errors == [] and result.written
    report = Report.objects.get(note="ánh xạ")
    # The successor's assignment that continues Hà Giang's, not Tuyên Quang's own.
    assert report.assignment.unit == unit_for_code("08", on=date(2026, 1, 5))
    assert report.assignment.carried_from.unit.code == "02"


def test_observations_resolve_by_period_too():
    importer = ObservationImporter(dry_run=True)
    header = ["indicator", "unit", "period", "value"]
    result = importer.run(csv_bytes([header, ["CCCD_CHIP", "Hà Giang", "2026-01-31", "5"]]), "o.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "unit")]
    assert "Tuyên Quang" in result.errors[0].reason
