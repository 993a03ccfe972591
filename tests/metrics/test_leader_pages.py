"""The leader's view of the summary and programme pages: "since last month" beside each headline figure, the
provinces that lag beside those that lead, and an ended programme's end date and final result."""

import itertools
from datetime import date

import pytest
from django.core.management import call_command

from metrics import headline, readers
from metrics.headline_since import headline_since
from projects.models import Programme
from tests.metrics.dashboard_helpers import CONFERENCE

pytestmark = pytest.mark.django_db


def test_each_headline_figure_shows_its_change_since_last_month(client):
    call_command("recompute_rollups", "--day", "2022-11-20", verbosity=0)
    context = client.get("/", {"as_of": CONFERENCE}).context
    assert context["since_day"] == date(2022, 11, 20)
    before = headline.national_headline(date(2022, 11, 20))
    for key in ("da06_goals", "da06_tasks", "cds_central_tasks", "cds_provinces"):
        assert context["since"][key]["done"] == before[key].done, key
        assert context["since"][key]["change"] == context[key].done - before[key].done, key
    html = client.get("/en/", {"as_of": CONFERENCE}).content.decode()
    assert "Since last month (20/11/2022" in html


def test_each_programme_is_compared_with_its_own_latest_stored_day(client, django_assert_max_num_queries):
    """A day stored for one programme only (a later one) never hides the other's day, nor mixes in."""
    call_command("recompute_rollups", "--day", "2022-11-20", verbosity=0)
    call_command("recompute_rollups", "--day", "2022-11-22", "--programme", "CDS2022", verbosity=0)
    programmes = {p.code: p for p in Programme.objects.all()}
    with django_assert_max_num_queries(2):
        since = headline_since(programmes, date.fromisoformat(CONFERENCE))
    assert since["day"] == date(2022, 11, 20)
    before_da06, before_cds = (
        headline.national_headline(date(2022, 11, 20)),
        headline.national_headline(date(2022, 11, 22)),
    )
    for key in ("da06_goals", "da06_tasks"):
        assert since[key] == before_da06[key], key
    for key in ("cds_central_tasks", "cds_provinces", "cds_tasks"):
        assert since[key] == before_cds[key], key


def test_a_stale_later_day_of_one_programme_is_passed_over_for_its_last_usable_one(client):
    from metrics.models import RollupDay

    call_command("recompute_rollups", "--day", "2022-11-20", verbosity=0)
    call_command("recompute_rollups", "--day", "2022-11-22", verbosity=0)
    before_cds, before_da06 = (
        headline.national_headline(date(2022, 11, 20)),
        headline.national_headline(date(2022, 11, 22)),
    )
    RollupDay.objects.filter(programme__code="CDS2022", day=date(2022, 11, 22)).update(stale=True)
    since = headline_since({p.code: p for p in Programme.objects.all()}, date.fromisoformat(CONFERENCE))
    assert since["day"] == date(2022, 11, 20)
    for key in ("da06_goals", "da06_tasks"):
        assert since[key] == before_da06[key], key
    for key in ("cds_central_tasks", "cds_provinces", "cds_tasks"):
        assert since[key] == before_cds[key], key


def test_no_change_is_shown_when_no_day_a_month_back_is_stored(client):
    context = client.get("/", {"as_of": CONFERENCE}).context
    assert context["since"] == {}
    assert "Since last month" not in client.get("/en/", {"as_of": CONFERENCE}).content.decode()


def test_the_laggards_stand_beside_the_leaders(client):
    context = client.get("/", {"as_of": CONFERENCE}).context
    leaders, laggards = context["province_league"][:10], context["province_laggards"]
    assert len(laggards) == 10
    assert not {r["code"] for r in leaders} & {r["code"] for r in laggards}
    assert laggards[0]["percent"] == min(r["percent"] for r in context["province_league"])
    assert all(a["percent"] <= b["percent"] for a, b in itertools.pairwise(laggards))
    html = client.get("/en/", {"as_of": CONFERENCE}).content.decode()
    assert "The provinces that lag most" in html


def test_an_ended_programme_shows_its_end_and_final_result(client):
    Programme.objects.filter(code="DA06").update(end=date(2022, 12, 1))
    final = readers.programme_summary(programme="DA06", unit=readers.nation(), as_of=date(2022, 12, 1))
    page = client.get("/en/programmes/DA06/", {"as_of": CONFERENCE})
    html = page.content.decode()
    assert "This programme ended on 01/12/2022" in html
    assert f"{final['tasks']['done']}/{final['tasks']['total']} tasks done" in html
    assert "ended on 01/12/2022" in client.get("/en/", {"as_of": CONFERENCE}).content.decode()
    brief = client.get("/en/brief/DA06/", {"as_of": CONFERENCE}).content.decode()
    assert "Ended on 01/12/2022" in brief
    # Before its end, nothing of the kind.
    assert (
        "This programme ended"
        not in client.get("/en/programmes/DA06/", {"as_of": "2022-11-30"}).content.decode()
    )
