"""loaddemo reproduces the year-one review exactly, as of 25/12/2022 and verified, and is idempotent."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from metrics import selectors as metric_selectors
from metrics.headline import national_headline
from metrics.models import Indicator
from projects.demo import DEMO_USERS
from projects.models import Programme, Unit

pytestmark = pytest.mark.django_db

CONFERENCE = date(2022, 12, 25)


@pytest.fixture(scope="module")
def headline(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return national_headline(CONFERENCE)


def national_value(code):
    indicator = Indicator.objects.get(code=code)
    return metric_selectors.indicator_value(
        indicator=indicator, unit=Unit.objects.get(code="VN"), as_of=CONFERENCE
    )


def test_goals_achieved_11_of_24_with_13_in_progress(headline):
    assert (headline["da06_goals"].done, headline["da06_goals"].total) == (11, 24)
    assert headline["da06_goals"].total - headline["da06_goals"].done == 13


def test_tasks_done_47_of_89(headline):
    assert (headline["da06_tasks"].done, headline["da06_tasks"].total) == (47, 89)


def test_reported_figures_stand_apart_from_verified_ones(headline):
    # The demo has reports awaiting review: the reported view must differ, never be mixed in.
    assert headline["da06_goals"].reported == 12
    assert headline["da06_tasks"].reported == 49
    assert headline["cds_provinces"].reported == 60


def test_dx_committee_2022_has_107_tasks(headline):
    assert headline["cds_tasks"].total == 107
    assert Programme.objects.get(code="CDS2022").tasks.count() == 107


def test_central_ministries_and_agencies_done_42_of_44(headline):
    assert (headline["cds_central_tasks"].done, headline["cds_central_tasks"].total) == (42, 44)


def test_localities_done_59_of_63(headline):
    assert (headline["cds_provinces"].done, headline["cds_provinces"].total) == (59, 63)


def test_units_connected_to_the_population_database(headline):
    assert {k: v for k, v in headline["connected"].items() if k != "indicator"} == {
        "central": 12,
        "state_enterprise": 1,
        "telecom": 3,
        "province": 31,
    }


def test_records_synced_nearly_155_million():
    value = national_value("HS_DONG_BO").value
    assert Decimal(150_000_000) < value < Decimal(155_000_000)
    assert round(value / 1_000_000) == 155


def test_police_online_services_227_of_227():
    value = national_value("DVC_BCA")
    assert (value.value, value.denominator) == (227, 227)


def test_chip_id_cards_76_million():
    assert national_value("CCCD_CHIP").value == 76_000_000


def test_ndxp_transactions_860_thousand_and_2_36_million_a_day():
    assert national_value("NDXP_GIAO_DICH").value == 860_000
    assert national_value("NDXP_TB_NGAY").value == 2_360_000


def test_data_network_reaches_all_districts_and_communes():
    assert national_value("MANG_TSL").percent == 100


def test_the_real_units_are_there():
    units_2022 = Unit.objects.valid_on(date(2022, 12, 25))
    assert units_2022.filter(kind="province").count() == 63
    assert units_2022.filter(kind__in=["ministry", "ministerial_agency"]).count() == 22
    assert units_2022.get(code="96").name == "Cà Mau"
    assert units_2022.get(code="02").parent.code == "VN"
    assert Unit.objects.filter(kind="commune", path__startswith="VN/01/001/").exists()


def _snapshot():
    """Every row of every project model, as comparable tuples."""
    snapshot = {}
    for model in [
        *apps.get_app_config("projects").get_models(),
        *apps.get_app_config("metrics").get_models(),
    ]:
        snapshot[model._meta.label] = sorted(map(str, model.objects.values_list()))
    return snapshot


def test_loading_twice_changes_nothing():
    before = _snapshot()
    call_command("loaddemo", "--force", verbosity=0)
    assert _snapshot() == before


def test_demo_users_only_with_debug_or_force(settings):
    settings.DEBUG = False
    usernames = [row[0] for row in DEMO_USERS]
    get_user_model().objects.filter(username__in=usernames).delete()
    call_command("loaddemo", verbosity=0)
    assert not get_user_model().objects.filter(username__in=usernames).exists()
    call_command("loaddemo", "--force", verbosity=0)
    assert get_user_model().objects.filter(username__in=usernames).count() == len(usernames)


def test_goals_are_counted_on_the_programmes_own_tree_when_another_root_exists():
    from tests import factories as f

    f.unit("XX")  # a second national root, as a synthetic or test tree would add
    achieved = metric_selectors.goals_achieved(programme=Programme.objects.get(code="DA06"), as_of=CONFERENCE)
    assert len(achieved) == 11
