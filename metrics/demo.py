"""The seed's indicators with a year of monthly history, reproducing its figures as of 25/12/2022."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from metrics.choices import Aggregation
from metrics.models import Indicator, Observation
from projects.choices import CENTRAL_KINDS, UnitKind
from projects.demo import TZ, upsert
from projects.display import grouped
from projects.models import Programme, Unit

SOURCE = "Báo cáo sơ kết 1 năm triển khai Đề án 06 (25/12/2022)"


@dataclass(frozen=True)
class Series:
    code: str
    name: str
    name_en: str
    unit_of_measure: str
    aggregation: str
    first: int
    last: int
    target: Decimal | None = None
    target_date: date | None = None
    goal: str | None = None
    denominator: int | None = None


NATIONAL_SERIES = [
    Series(
        "CCCD_CHIP",
        "Thẻ Căn cước công dân gắn chip đã cấp",
        "Chip-based citizen ID cards issued",
        "thẻ",
        Aggregation.SUM,
        52_000_000,
        76_000_000,
        Decimal(90_000_000),
        date(2023, 6, 30),
        "MT04",
    ),
    Series(
        "DVC_BCA",
        "Dịch vụ công trực tuyến của ngành Công an",
        "Online public services of the police",
        "dịch vụ",
        Aggregation.RATIO,
        136,
        227,
        Decimal(100),
        date(2022, 12, 31),
        "MT02",
        227,
    ),
    Series(
        "HS_DONG_BO",
        "Hồ sơ đồng bộ trạng thái xử lý trên Cổng Dịch vụ công quốc gia",
        "Records whose processing status is synced to the National Public Service Portal",
        "hồ sơ",
        Aggregation.SUM,
        21_000_000,
        154_870_000,
    ),
    Series(
        "NDXP_GIAO_DICH",
        "Giao dịch qua Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP)",
        "Transactions through the national data integration and sharing platform (NDXP)",
        "giao dịch",
        Aggregation.SUM,
        95_000,
        860_000,
    ),
    Series(
        "NDXP_TB_NGAY",
        "Giao dịch bình quân một ngày qua NDXP",
        "Average daily transactions through NDXP",
        "giao dịch/ngày",
        Aggregation.NONE,
        410_000,
        2_360_000,
    ),
    Series(
        "MANG_TSL",
        "Đơn vị cấp huyện, cấp xã kết nối Mạng truyền số liệu chuyên dụng",
        "Districts and communes on the dedicated data network of Party and State bodies",
        "đơn vị",
        Aggregation.RATIO,
        8_140,
        11_304,
        Decimal(100),
        date(2022, 12, 31),
        "MT03",
        11_304,
    ),
]

CONNECTED = Series(
    "KET_NOI_CSDLDC",
    "Đơn vị kết nối chính thức với Cơ sở dữ liệu quốc gia về dân cư",
    "Units officially connected to the national population database",
    "đơn vị",
    Aggregation.SUM,
    0,
    1,
)
# How many units of each kind were officially connected by 25/12/2022.
CONNECTED_BY_KIND = {"central": 12, UnitKind.STATE_ENTERPRISE: 1, UnitKind.TELECOM: 3, UnitKind.PROVINCE: 31}


def month_ends() -> list[date]:
    """Return the reporting periods of 2022: each month's end, and 20/12 for the review."""
    periods = [date(2022, month + 1, 1) - timedelta(days=1) for month in range(1, 12)]
    return [*periods, date(2022, 12, 20)]


def _upsert_indicator(series: Series, programme: Programme, order: int) -> Indicator:
    return upsert(
        Indicator,
        code=series.code,
        defaults={
            "name": series.name,
            "name_en": series.name_en,
            "unit_of_measure": series.unit_of_measure,
            "aggregation": series.aggregation,
            "target_value": series.target,
            "target_date": series.target_date,
            "programme": programme,
            "goal": programme.goals.filter(code=series.goal).first() if series.goal else None,
            "display_order": order,
        },
    )


def _reported_at(period: date) -> datetime:
    return datetime.combine(period + timedelta(days=2), time(10, 0), TZ)


def load(*, log=print) -> None:
    programme = Programme.objects.get(code="DA06")
    nation = Unit.objects.get(code="VN")
    observations = []
    periods = month_ends()
    for order, series in enumerate(NATIONAL_SERIES, start=1):
        indicator = _upsert_indicator(series, programme, order)
        for step, period in enumerate(periods):
            # A smooth, slightly accelerating climb from the first value to the reviewed one.
            share = (step / (len(periods) - 1)) ** 1.3
            value = round(series.first + (series.last - series.first) * share)
            observations.append(
                Observation(
                    indicator=indicator,
                    unit=nation,
                    period=period,
                    value=Decimal(value),
                    denominator=Decimal(series.denominator) if series.denominator else None,
                    source=SOURCE,
                    reported_at=_reported_at(period),
                    source_key=f"demo:{series.code}:VN:{period.isoformat()}",
                )
            )

    indicator = _upsert_indicator(CONNECTED, programme, len(NATIONAL_SERIES) + 1)
    rng = random.Random(31)
    units = list(
        # The units of 2022 only: the bodies that began in 2025 were not there to connect.
        Unit.objects.filter(
            kind__in=[*CENTRAL_KINDS, UnitKind.STATE_ENTERPRISE, UnitKind.TELECOM, UnitKind.PROVINCE]
        )
        .valid_on(periods[0])
        .order_by("path")
    )
    for kind, count in CONNECTED_BY_KIND.items():
        kinds = CENTRAL_KINDS if kind == "central" else (kind,)
        candidates = [u for u in units if u.kind in kinds]
        for unit in sorted(rng.sample(candidates, count), key=lambda u: u.path):
            period = periods[rng.randrange(len(periods))]
            observations.append(
                Observation(
                    indicator=indicator,
                    unit=unit,
                    period=period,
                    value=Decimal(1),
                    source=SOURCE,
                    reported_at=_reported_at(period),
                    source_key=f"demo:{CONNECTED.code}:{unit.code}:{period.isoformat()}",
                )
            )
    Observation.objects.bulk_create(observations, ignore_conflicts=True, batch_size=2000)
    log(
        "  "
        + _("indicators: %(indicators)s, observations: %(observations)s")
        % {
            "indicators": grouped(len(NATIONAL_SERIES) + 1),
            "observations": grouped(len(observations)),
        }
    )
    follows_load(log=log)


def follows_load(*, log=print) -> None:
    """The leader follows the nation and Đề án 06, and takes the weekly digest (when the demo users exist)."""
    from django.contrib.auth import get_user_model

    from metrics.subscriptions import DigestSubscription, Follow

    leader = get_user_model().objects.filter(username="lanhdao").first()
    if leader is None:
        return
    da06 = Programme.objects.filter(code="DA06").first()
    for programme in (None, da06):
        if not Follow.objects.filter(user=leader, programme=programme, unit=None).exists():
            Follow.objects.create(user=leader, programme=programme, unit=None)
    DigestSubscription.objects.get_or_create(user=leader, defaults={"weekly": True, "language": "vi"})
    log("  " + _("follows: lanhdao → the nation, Đề án 06 (weekly digest)"))
