import time

from django.core.management.base import BaseCommand
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from metrics import national
from projects.display import grouped

BAR = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}{postfix}"

# Where each stage of national.generate() ends, as a share of the whole (measured at scale 1 on both maps:
# assignments and their reports ~45 s, the carry-over ~30 s, the reports after the change ~20 s, the
# observations ~35 s, the indexes and statistics ~60 s). The bar then moves through the slow second half too.
STAGE_ENDS = {"assignments": 24, "carry-over": 40, "reports after the change": 50, "observations": 68}
STAGE_LABELS = {
    "units": gettext_lazy("assignments and reports, on the map of 2022"),
    "carry-over": gettext_lazy("reports after 01/07/2025, on today's map"),
    "observations": gettext_lazy("observations of the indicators"),
    "indexes": gettext_lazy("indexes and planner statistics"),
}


class StagedProgress:
    """A progress bar in percent over national.generate()'s stages, naming what is being done now."""

    def __init__(self, bar, *, expected_assignments: int, indicators: int):
        self.bar, self.expected, self.indicators = bar, max(1, expected_assignments), max(1, indicators)
        self.assignments = self.observations = 0

    def __call__(self, stage: str, count: int) -> None:
        if stage == "assignments":
            self.assignments += count
            self._to(STAGE_ENDS["assignments"] * min(1, self.assignments / self.expected))
        elif stage == "carry-over":
            self._to(STAGE_ENDS["carry-over"])
        elif stage == "observations":
            self.observations += 1
            start, end = STAGE_ENDS["reports after the change"], STAGE_ENDS["observations"]
            self._to(start + (end - start) * min(1, self.observations / self.indicators))
        elif stage == "indexes":
            self._to(STAGE_ENDS["observations"])
        if stage in STAGE_LABELS:
            self.bar.set_postfix_str(str(STAGE_LABELS[stage]))

    def _to(self, percent: float) -> None:
        self.bar.update(max(0.0, percent - self.bar.n))

    def finish(self) -> None:
        self._to(100)


class Command(BaseCommand):
    help = _(
        "Generate a synthetic national data set (programme NAT) on both maps: at scale 1, every district and "
        "commune of 2022 until 30/06/2025 and today's communes after, about 1,000,000 assignments (the carried "
        "ones included), 2,600,000 reports and 5,400,000 observations. Deterministic for a seed; does nothing "
        "if that scale and seed are already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help=_("Size relative to the whole country."))
        parser.add_argument("--seed", type=int, default=1, help=_("Seed of the pseudo-random generator."))
        parser.add_argument("--force", action="store_true", help=_("Generate again even if already there."))

    def handle(self, *args, scale, seed, force=False, **options):
        quiet = options["verbosity"] == 0
        if force:
            national.remove()
        expected = round(
            sum(
                count
                * {0: national.COMMUNES, 1: national.DISTRICTS, 2: 63, 3: 27}[level]
                * (scale if level < 2 else 1)
                for level, (_kinds, count) in enumerate(national.TASKS)
            )
        )
        started = time.monotonic()
        with tqdm(total=100, disable=quiet, unit="%", desc=_("Generating"), bar_format=BAR) as bar:
            progress = StagedProgress(bar, expected_assignments=expected, indicators=len(national.INDICATORS))
            result = national.generate(scale=scale, seed=seed, progress=progress)
            progress.finish()
        if not result.skipped:
            national.record_seconds(time.monotonic() - started)
        if quiet:
            return
        if result.skipped:
            self.stdout.write(_("Already generated at this scale and seed: nothing to do."))
        self.stdout.write(
            _(
                "%(units)s units, %(assignments)s assignments, %(reports)s reports, %(observations)s observations in %(seconds)s s."
            )
            % {
                "units": grouped(result.units),
                "assignments": grouped(result.assignments),
                "reports": grouped(result.reports),
                "observations": grouped(result.observations),
                "seconds": number_format(time.monotonic() - started, 1),
            }
        )
