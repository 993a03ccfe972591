"""The shapes of headline figures, shared by the readers (from the rollups) and the tests' oracle (afresh)."""

from dataclasses import dataclass

from metrics import selectors
from metrics.models import Indicator


@dataclass(frozen=True)
class Figure:
    """A count out of a total, verified, with the reported-but-unverified count beside it."""

    done: int
    total: int
    reported: int

    @property
    def percent(self) -> float:
        return 100 * self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class IndicatorFigure:
    indicator: Indicator
    value: selectors.IndicatorValue
    reached: bool
