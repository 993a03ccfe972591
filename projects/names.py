"""Unit names as people type them: one normaliser for imports and search.

``fold`` drops case, diacritics (đ → d) and punctuation, so "Thừa Thiên - Huế", "thua thien hue" and
"THỪA THIÊN HUẾ" are one name; ``strip_kind`` drops the word that names a unit's kind ("Tỉnh", "TP.");
``search_keys`` are the keys a unit is found by: each name and official short form, from each of its
words on ("Thành phố Hồ Chí Minh" is found by "ho chi minh", "HCM", "TPHCM" and "chi minh").
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from projects.choices import UnitKind

ALIASES = Path(__file__).resolve().parent / "data" / "unit_aliases.csv"
KEY_LENGTH = 80

# Words that name a unit's kind; officials write them or leave them out ("TP. Hồ Chí Minh", "Tỉnh Hà Giang").
KIND_PREFIXES = [
    ("thanh pho", (UnitKind.PROVINCE, UnitKind.DISTRICT)),
    ("tp", (UnitKind.PROVINCE, UnitKind.DISTRICT)),
    ("tinh", (UnitKind.PROVINCE,)),
    ("thi xa", (UnitKind.DISTRICT,)),
    ("tx", (UnitKind.DISTRICT,)),
    ("quan", (UnitKind.DISTRICT,)),
    ("huyen", (UnitKind.DISTRICT,)),
    ("thi tran", (UnitKind.COMMUNE,)),
    ("tt", (UnitKind.COMMUNE,)),
    ("phuong", (UnitKind.COMMUNE,)),
    ("xa", (UnitKind.COMMUNE,)),
]


def fold(text: str) -> str:
    """Return text without case, diacritics (đ → d) or punctuation, words separated by one space."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def strip_kind(folded: str) -> tuple[str, tuple[str, ...] | None]:
    """Return a folded name without its leading kind word, and the kinds that word allows."""
    for prefix, kinds in KIND_PREFIXES:
        if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 1:
            return folded[len(prefix) + 1 :], kinds
    return folded, None


def compact(folded: str) -> str:
    return folded.replace(" ", "")


@cache
def aliases() -> dict[str, tuple[str, ...]]:
    """Return unit code → the official short forms and common names it is also known by."""
    found: dict[str, list[str]] = {}
    with ALIASES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["code"], []).append(row["alias"])
    return {code: tuple(names) for code, names in found.items()}


def search_keys(code: str, names: Iterable[str]) -> set[str]:
    """Return the keys a unit is found by: its code, and each name and alias from each of its words on."""
    keys = {compact(fold(code))}
    for name in {*names, *aliases().get(code, ())} - {""}:
        folded = fold(name)
        for form in {folded, strip_kind(folded)[0]}:
            words = form.split()
            keys.update(compact(" ".join(words[i:])) for i in range(len(words)))
    return {key[:KEY_LENGTH] for key in keys if key}


def query_prefixes(query: str) -> list[str]:
    """Return the key prefixes a typed query matches: as typed, and without a leading kind word."""
    folded = fold(query)
    prefixes = [compact(folded), compact(strip_kind(folded)[0])]
    return [p[:KEY_LENGTH] for p in dict.fromkeys(prefixes) if p]
