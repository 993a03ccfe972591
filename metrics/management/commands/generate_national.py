import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from metrics import national


class Command(BaseCommand):
    help = _(
        "Generate a synthetic national data set (programme NAT): at scale 1, every district and commune, "
        "about 500,000 assignments, 2,000,000 reports and 5,000,000 observations. Deterministic for a seed; "
        "does nothing if that scale and seed are already there."
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
        with tqdm(total=expected, disable=quiet, unit=_(" assignments"), desc=_("Generating")) as bar:

            def progress(stage, count):
                if stage == "assignments":
                    bar.update(count)
                bar.set_postfix_str(stage)

            result = national.generate(scale=scale, seed=seed, progress=progress)
            bar.update(max(0, expected - bar.n))
        if not result.skipped:
            national.record_seconds(time.monotonic() - started)
        if quiet:
            return
        if result.skipped:
            self.stdout.write(_("Already generated at this scale and seed: nothing to do."))
        self.stdout.write(
            _(
                "%(units)d units, %(assignments)d assignments, %(reports)d reports, %(observations)d observations in %(seconds).1f s."
            )
            % {
                "units": result.units,
                "assignments": result.assignments,
                "reports": result.reports,
                "observations": result.observations,
                "seconds": time.monotonic() - started,
            }
        )
