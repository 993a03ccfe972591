"""What the stylesheet promises the eye: an empty map tile is unlike the lowest band."""

import re
from pathlib import Path

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "tiendo.css").read_text()


def rule(selector: str) -> str:
    match = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert match, selector
    return match.group(1)


def test_nothing_assigned_is_hatched_not_a_near_white():
    assert "repeating-linear-gradient" in rule(".q-none")
    assert rule(".q0").strip() != rule(".q-none").strip()
    assert "dashed" in rule(".tile.q-none a, .swatch.q-none")
