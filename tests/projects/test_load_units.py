"""`manage.py load_units`: set-based whatever the number of units, idempotent, a dry run that writes
nothing, a plan's every bad row named, the summary in Vietnamese (English on request), and the search
keys built before the load ends."""

from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from projects import selectors, services, unit_map
from projects.choices import ReportStatus, Role
from projects.models import Assignment, Membership, Programme, Report, Unit, UnitSearchKey
from projects.unit_search import search_units
from tests import factories as f

pytestmark = pytest.mark.django_db

LAST_DAY = date(2025, 6, 30)
FIRST_DAY = date(2025, 7, 1)
TODAY = date(2026, 12, 3)
WRITES = ("INSERT", "UPDATE", "DELETE")


def _verbs(queries) -> Counter:
    return Counter(query["sql"].lstrip().split(None, 1)[0].upper() for query in queries)


def _snapshot() -> tuple:
    """Every row a load may write, so that "nothing changed" is checked row by row."""
    return (
        sorted(Unit.objects.values_list("pk", "code", "name", "valid_from", "valid_to", "path")),
        sorted(Unit.successors.through.objects.values_list("from_unit_id", "to_unit_id")),
        sorted(Assignment.objects.values_list("pk", "unit_id", "valid_from", "valid_to", "carried_from_id")),
        sorted(Report.objects.values_list("pk", "assignment_id", "review_state", "carried_from_id")),
        sorted(Membership.objects.values_list("pk", "user_id", "role", "unit_id", "programme_id")),
        UnitSearchKey.objects.count(),
        Unit.history.count(),
        Membership.history.count(),
    )


def _old_communes(count: int) -> list[Unit]:
    """Communes of 2022 still open, each with an assignment, an accepted report and a reporter; half of
    them have a successor named by hand (a commune of today), the others pass to their province."""
    da06 = Programme.objects.get(code="DA06")
    task = da06.tasks.order_by("code").first()
    district = selectors.unit_for_code("001", on=LAST_DAY)
    named = selectors.unit_for_code("00004", on=FIRST_DAY)
    communes = []
    for number in range(count):
        commune = f.unit(f"9{count:02d}{number:02d}", parent=district, kind="commune")
        if number % 2:
            commune.successors.add(named)
        assignment = services.assignment_create(task=task, unit=commune)
        f.report(assignment, ReportStatus.IN_PROGRESS, date(2025, 6, 2), percent=40)
        user = f.UserFactory(username=f"reporter-{count}-{number}")
        Membership.objects.create(user=user, role=Role.REPORTER, unit=commune)
        communes.append(commune)
    return communes


def _queries_of_a_load(count: int) -> tuple[Counter, unit_map.Summary]:
    """Load the map over ``count`` more communes to end, then roll back: each size starts alike."""
    with transaction.atomic():
        _old_communes(count)
        with CaptureQueriesContext(connection) as queries:
            summary = unit_map.load_map()
        transaction.set_rollback(True)
    return _verbs(queries), summary


def test_the_number_of_queries_does_not_grow_with_the_number_of_units():
    small, small_summary = _queries_of_a_load(4)
    large, large_summary = _queries_of_a_load(24)
    # Both did the work: ended the communes, carried their assignments, reports and reporters.
    assert (small_summary.ended, small_summary.carry.carried) == (4, 4)
    assert (large_summary.ended, large_summary.carry.carried) == (24, 24)
    assert large_summary.carry.memberships == 12 and large_summary.carry.reports == 24
    assert large == small, (small, large)
    # One statement per kind of write, not one per unit.
    assert sum(large[verb] for verb in WRITES) <= 15, large
    assert sum(large.values()) <= 50, large


def test_running_it_twice_changes_nothing_and_writes_nothing():
    _old_communes(3)
    call_command("load_units", verbosity=0)
    after_first = _snapshot()
    with CaptureQueriesContext(connection) as queries:
        summary = unit_map.load_map()
    assert (summary.created, summary.updated, summary.ended, summary.successors) == (0, 0, 0, 0)
    assert (summary.carry.carried, summary.carry.reports, summary.carry.memberships) == (0, 0, 0)
    assert not any(_verbs(queries)[verb] for verb in WRITES), _verbs(queries)
    assert _snapshot() == after_first


def test_a_dry_run_writes_nothing(capsys):
    # Work for a load to do: Cao Bằng's communes of today to create, three communes of 2022 to end.
    Unit.objects.filter(valid_from=FIRST_DAY, kind="commune", parent__code="04").delete()
    _old_communes(3)
    before = _snapshot()
    call_command("load_units", "--dry-run", verbosity=0)
    assert _snapshot() == before
    out = capsys.readouterr().out
    # It counted what it would have done, then rolled it back.
    assert "đơn vị tạo mới: 56," in out and "đơn vị chấm dứt: 3," in out
    assert "phân công chuyển cho đơn vị kế thừa: 3 " in out
    assert "Chạy thử: không ghi gì." in out


def test_the_summary_is_in_vietnamese_with_its_diacritics_and_in_english_on_request(capsys):
    call_command("load_units", "--dry-run", verbosity=0)
    vietnamese = capsys.readouterr().out
    assert "đơn vị tạo mới: 0, cập nhật: 0, không đổi: " in vietnamese
    assert "đơn vị chấm dứt: 0, liên kết kế thừa thêm mới: 0" in vietnamese
    assert "báo cáo chuyển theo: 0, phân quyền thêm mới: 0" in vietnamese
    with translation.override("en"):
        call_command("load_units", "--dry-run", verbosity=0)
    english = capsys.readouterr().out
    assert "units created: 0, updated: 0, unchanged: 3,452" in english
    assert "units ended: 0, successor links added: 0" in english
    assert "assignments carried to successors: 0 (already carried: " in english
    assert "Dry run: nothing was written." in english


def test_a_progress_bar_names_each_step_as_it_runs(capsys):
    call_command("load_units", "--dry-run")
    err = capsys.readouterr().err
    assert "7/7" in err
    assert "các huyện, xã trước đây" in err and "công việc chuyển cho đơn vị kế thừa" in err


# Plans ----------------------------------------------------------------------------------------------


@pytest.fixture
def split():
    """A commune of 2022 with two assignments, split among two communes of today (as in test_lineage)."""
    da06 = Programme.objects.get(code="DA06")
    commune = f.unit("99901", parent=selectors.unit_for_code("001", on=LAST_DAY), kind="commune")
    Unit.objects.filter(pk=commune.pk).update(valid_to=LAST_DAY)
    commune.refresh_from_db()
    commune.successors.add(*(selectors.unit_for_code(code, on=FIRST_DAY) for code in ("00004", "00008")))
    tasks = [task.code for task in da06.tasks.order_by("code")[:3]]
    for task in da06.tasks.filter(code__in=tasks[:2]):
        services.assignment_create(task=task, unit=commune)
    return tasks


def _refused(path, *, language="en") -> tuple[str, str]:
    """Run load_units with a plan that must be refused; return the refusal and what went to stderr."""
    with translation.override(language), pytest.raises(CommandError) as refused:
        call_command("load_units", "--plan", str(path), verbosity=0, stderr=(err := _Buffer()))
    return str(refused.value), err.getvalue()


class _Buffer:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def flush(self):
        pass

    def getvalue(self):
        return "".join(self.parts)


def test_a_plan_s_every_bad_row_is_named_with_its_line_and_nothing_is_written(split, tmp_path):
    first, second, unassigned = split
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "programme,task,unit,successor\n"
        f"DA06,{first},99901,00004\n"  # line 2: right
        f"DA06,{second},99901,\n"  # line 3: no successor
        f"DA06,{second},99901,00070\n"  # line 4: not a successor
        "DA06,NOPE,99901,00004\n"  # line 5: no such task
        f"DA06,{first},BCA,00008\n"  # line 6: a unit that did not end
        f"DA06,{unassigned},99901,00008\n"  # line 7: the unit has no assignment of that task
        f"DA06,{first},99901,00008\n",  # line 8: the same assignment sent elsewhere too
        encoding="utf-8",
    )
    before = _snapshot()
    # The rows that cannot be read are named first, each with its line.
    message, err = _refused(plan)
    assert "Nothing was written: 2 problem(s) in the carry-over plan" in message
    assert "line 3: successor missing" in err
    assert f"line 8: DA06/{first}/99901 already goes to 00004 (line 2), not also to 00008." in err
    # Once they are fixed, the rows that do not fit the map are named, each with its line.
    lines = plan.read_text(encoding="utf-8").splitlines()
    del lines[7], lines[2]
    plan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message, err = _refused(plan)
    assert "Nothing was written: 4 problem(s)" in message
    assert "line 3: 00070 is not a successor of 99901 (its successors: 00004, 00008)." in err
    assert "line 4: programme DA06 has no task NOPE." in err
    assert "line 5: unit BCA did not end with successors on this map." in err
    assert f"line 6: unit 99901 has no assignment of task {unassigned}." in err
    assert "Traceback" not in err
    assert _snapshot() == before


def test_a_plan_s_messages_are_in_vietnamese_by_default(split, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(f"programme,task,unit,successor\nDA06,{split[0]},99901,00070\n", encoding="utf-8")
    message, err = _refused(plan, language="vi")
    assert "Không ghi gì: phương án chuyển giao" in message and "có 1 lỗi." in message
    assert "dòng 2: 00070 không phải đơn vị kế thừa của 99901 (các đơn vị kế thừa: 00004, 00008)." in err


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("plan.json", '[{"programme": "DA06",', "plan.json, line 1: not valid JSON ("),
        ("plan.json", '{"programme": "DA06"}', "plan.json: a JSON plan is a list of objects"),
        (
            "plan.json",
            '[{"programme": "DA06", "task": "X", "unit": "99901"}]',
            "entry 1: successor missing",
        ),
        ("plan.csv", "chương trình,nhiệm vụ\nDA06,X\n", "plan.csv, line 1: the header must name programme"),
        ("plan.csv", b"programme,task,unit,successor\nDA06,X,\xff,1\n", "plan.csv is not UTF-8 text."),
        ("missing.csv", None, "Cannot read the plan: "),
    ],
)
def test_a_plan_that_cannot_be_read_gets_a_message_not_a_traceback(tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    message, err = _refused(path)
    assert expected in message + err


def test_a_json_plan_s_bad_entries_are_each_named(split, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(
        f'[{{"programme": "DA06", "task": "{split[0]}", "unit": "99901", "successor": "00004"}}, 3,'
        f' {{"programme": "DA06", "task": "{split[1]}", "unit": "99901", "successor": "00070"}}]',
        encoding="utf-8",
    )
    _message, err = _refused(plan)
    assert "entry 2: not an object with programme, task, unit and successor." in err
    plan.write_text(plan.read_text(encoding="utf-8").replace(" 3,", ""), encoding="utf-8")
    _message, err = _refused(plan)
    assert "entry 2: 00070 is not a successor of 99901" in err


# Search keys -----------------------------------------------------------------------------------------


def test_after_a_load_the_first_search_writes_nothing():
    # Units without keys, as a bulk load leaves them (Hà Giang's among them).
    UnitSearchKey.objects.filter(unit__code__in=["02", "08", "79"]).delete()
    call_command("load_units", verbosity=0)
    with CaptureQueriesContext(connection) as queries:
        found = search_units("ha giang", on=TODAY)
    assert found[0].code == "02"
    assert not any(_verbs(queries)[verb] for verb in WRITES), [q["sql"][:80] for q in queries]


# The read side ---------------------------------------------------------------------------------------


def test_a_load_that_changes_the_map_marks_every_cached_page_changed(django_capture_on_commit_callbacks):
    from metrics import generation

    # A name changed behind the load's back (no signal): the load puts the official one back, in bulk.
    Unit.objects.filter(code="04", valid_from=FIRST_DAY).update(name="Cao Bang")
    before = generation.current().get("", 0)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_units", verbosity=0)
    assert Unit.objects.get(code="04", valid_from=FIRST_DAY).name == "Cao Bằng"
    assert search_units("cao bang", on=TODAY)[0].code == "04"
    changed = generation.current().get("", 0)
    assert changed > before
    # A load that changes nothing leaves the cached pages alone.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_units", verbosity=0)
    assert generation.current().get("", 0) == changed
