"""The same file imported twice at the same moment: one run adds it, the other finds it already imported."""

import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from projects.imports import ReportImporter
from projects.models import Report
from tests.projects.reporting_helpers import csv_bytes, user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL"),
]

HEADER = ["programme", "task", "unit", "status", "percent", "effective_date", "note"]


def _file(note: str) -> bytes:
    # Hà Giang ended on 30/06/2025: today its rows land on the assignment Tuyên Quang carries for it,
    # the importer mapping ended units to their successors.
    day = timezone.localdate().isoformat()
    return csv_bytes(
        [
            HEADER,
            ["DA06", "NV14", "Tỉnh Hà Giang", "in_progress", "40", day, note],
            ["DA06", "NV14", "Tỉnh Cà Mau", "in_progress", "50", day, note],
        ]
    )


def test_the_same_file_imported_twice_at_once_is_added_once(committed_demo):
    data = _file("hai lần cùng lúc")
    both_checked = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            importer = ReportImporter(user=user("admin"), map_to_successors=True)
            # Both runs have found the rows new before either writes: the collision of issue 10.
            importer.before_write = lambda: both_checked.wait(timeout=60)
            outcomes.append(importer.run(data, "r.csv"))
        except BaseException as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert sorted((o.new, o.unchanged, o.written) for o in outcomes) == [(0, 2, False), (2, 0, True)]
    assert Report.objects.filter(note="hai lần cùng lúc").count() == 2


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_the_same_file_imported_twice_at_once_from_the_command_line(committed_demo, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(_file("dòng lệnh cùng lúc"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
    }
    command = [
        sys.executable,
        "manage.py",
        "import_reports",
        str(path),
        "--user",
        "admin",
        "--map-to-successors",
    ]
    processes = [
        subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert "Traceback" not in "".join(err for _out, err in outputs)
    said = [out for out, _err in outputs]
    assert sum("Đã thêm 2 dòng" in out for out in said) == 1, said
    assert sum("Tệp này đã được nhập trước đó" in out for out in said) == 1, said
    assert Report.objects.filter(note="dòng lệnh cùng lúc").count() == 2
