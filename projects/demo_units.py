"""The real units of the demo: the nation, 63 provinces, central bodies, enterprises, and a sample of
districts and communes (from projects/data, compiled from public GSO and Government lists)."""

import csv
from pathlib import Path

from projects.choices import UnitKind

DATA = Path(__file__).resolve().parent / "data"

NATION = {
    "code": "VN",
    "name": "Việt Nam",
    "short_name": "Toàn quốc",
    "name_en": "Viet Nam",
    "kind": UnitKind.NATION,
}

CENTRAL_KIND = {
    "ministry": UnitKind.MINISTRY,
    "ministerial_level_agency": UnitKind.MINISTERIAL_AGENCY,
    "agency_under_government": UnitKind.GOVERNMENT_AGENCY,
    "state_owned_enterprise": UnitKind.STATE_ENTERPRISE,
    "state_owned_group": UnitKind.STATE_ENTERPRISE,
    "telecom": UnitKind.TELECOM,
}

# A sample of the district and commune levels (GSO codes), enough to show subtrees with real names.
DISTRICTS = {
    "01": [
        ("001", "Quận Ba Đình"),
        ("002", "Quận Hoàn Kiếm"),
        ("003", "Quận Tây Hồ"),
        ("004", "Quận Long Biên"),
        ("005", "Quận Cầu Giấy"),
        ("006", "Quận Đống Đa"),
    ],
    "02": [
        ("024", "Thành phố Hà Giang"),
        ("026", "Huyện Đồng Văn"),
        ("027", "Huyện Mèo Vạc"),
        ("028", "Huyện Yên Minh"),
        ("029", "Huyện Quản Bạ"),
        ("030", "Huyện Vị Xuyên"),
    ],
    "96": [
        ("964", "Thành phố Cà Mau"),
        ("966", "Huyện U Minh"),
        ("967", "Huyện Thới Bình"),
        ("968", "Huyện Trần Văn Thời"),
        ("969", "Huyện Cái Nước"),
        ("970", "Huyện Đầm Dơi"),
    ],
}
COMMUNES = {
    "001": [
        ("00001", "Phường Phúc Xá"),
        ("00004", "Phường Trúc Bạch"),
        ("00006", "Phường Vĩnh Phúc"),
        ("00007", "Phường Cống Vị"),
        ("00008", "Phường Liễu Giai"),
        ("00010", "Phường Nguyễn Trung Trực"),
        ("00013", "Phường Quán Thánh"),
        ("00016", "Phường Ngọc Hà"),
    ],
    "024": [
        ("00688", "Phường Quang Trung"),
        ("00691", "Phường Trần Phú"),
        ("00692", "Phường Ngọc Hà"),
        ("00694", "Phường Nguyễn Trãi"),
        ("00697", "Phường Minh Khai"),
        ("00700", "Xã Ngọc Đường"),
    ],
    "964": [
        ("32002", "Phường 9"),
        ("32005", "Phường 4"),
        ("32008", "Phường 1"),
        ("32011", "Phường 5"),
        ("32014", "Phường 2"),
        ("32017", "Phường 8"),
    ],
}


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def provinces() -> list[dict]:
    return [
        {
            "code": row["code"],
            "name": row["name_vi"],
            "short_name": row["name_vi"],
            "name_en": row["name_ascii"],
            "kind": UnitKind.PROVINCE,
            "region": row["region_key"],
        }
        for row in read_csv("provinces_63_extended.csv")
    ]


def central_bodies_and_enterprises() -> list[dict]:
    """Return the ministries, agencies, BHXHVN and the enterprises, each once (EVN is in both files)."""
    seen, units = set(), []
    for row in read_csv("ministries.csv") + read_csv("enterprises.csv"):
        if row["short"] in seen:
            continue
        seen.add(row["short"])
        units.append(
            {
                "code": row["short"],
                "name": row["name_vi"],
                "short_name": row["short"],
                "name_en": row["name_en"],
                "kind": CENTRAL_KIND[row["kind"]],
            }
        )
    return units


def districts() -> list[tuple[str, dict]]:
    return [
        (province, {"code": code, "name": name, "short_name": name, "kind": UnitKind.DISTRICT})
        for province, rows in DISTRICTS.items()
        for code, name in rows
    ]


def communes() -> list[tuple[str, dict]]:
    return [
        (district, {"code": code, "name": name, "short_name": name, "kind": UnitKind.COMMUNE})
        for district, rows in COMMUNES.items()
        for code, name in rows
    ]
