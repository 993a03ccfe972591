"""generate_national's progress and summary: in the site's language, in percent through every stage, with
grouped numbers."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_generation_shows_each_stage_in_vietnamese_and_ends_at_100_percent(capsys):
    out = io.StringIO()
    with translation.override("vi"):
        call_command("generate_national", scale=0.004, seed=3, stdout=out)
    bar = capsys.readouterr().err.replace("\r", "\n")
    # The bar names what is being done now, in Vietnamese, and moves through the stages after the
    # assignments (it sat at 91 % with English stage names for the slow second half before).
    for label in ("báo cáo từ 01/07/2025", "số liệu chỉ tiêu", "chỉ mục và thống kê"):
        assert label in bar, bar
    for english in ("carry-over", "observations", "indexes", "assignments"):
        assert english not in bar, bar
    percents = [int(p) for p in re.findall(r"(\d+)%\|", bar)]
    assert percents == sorted(percents) and percents[-1] == 100, percents
    assert any(40 <= p < 100 for p in percents), percents
    # Grouped thousands and a decimal comma, as everywhere on the site.
    summary = out.getvalue()
    assert re.search(
        r"^\d{1,3}(\.\d{3})+ đơn vị, \d{1,3}(\.\d{3})+ phân công, .* trong \d+,\d giây\.$", summary, re.M
    )
