"""A worker freezes what it built for its first request, so that full collections stop walking it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In a process of its own: the suite's process may have served a request already.
SCRIPT = """
import gc
import django
django.setup()
from django.test import Client
from config import gc_freeze
before = gc.get_freeze_count()
Client().get("/healthz")
first = gc.get_freeze_count()
Client().get("/healthz")
print(before, first, gc.get_freeze_count())
"""


def test_the_first_request_freezes_what_the_process_built_once():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    before, first, second = map(int, result.stdout.split()[-3:])
    assert before == 0
    # Templates, URL resolvers, catalogues and modules: tens of thousands of objects, frozen once.
    assert first > 10_000
    # Not again: a frozen object freed since leaves the count, nothing joins it.
    assert second <= first
