"""Every string is translated both ways: the catalogues have no untranslated or fuzzy entry."""

import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_catalogue_is_complete(language):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed to compile the catalogues"
    result = subprocess.run(
        [
            msgfmt,
            "--check",
            "--statistics",
            "-o",
            "/dev/null",
            str(LOCALE / language / "LC_MESSAGES" / "django.po"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
