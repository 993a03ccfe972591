"""The remembered link and date formats follow the page's language, as reverse() and date_format do."""

from datetime import date

from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from projects.display import short_date, url_to


def test_remembered_links_and_dates_follow_the_language():
    seen = {}
    for language in ("vi", "en", "vi"):  # back to Vietnamese: nothing remembered from English leaks
        with translation.override(language):
            link = url_to("metrics:unit_detail", "01")
            assert link == reverse("metrics:unit_detail", args=["01"])
            assert short_date(date(2022, 12, 25)) == date_format(date(2022, 12, 25), "SHORT_DATE_FORMAT")
            seen[language] = link
    assert seen["en"].startswith("/en/") and not seen["vi"].startswith("/en/")
