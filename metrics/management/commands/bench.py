import json
from contextlib import nullcontext
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from django.utils.translation import gettext as _

from metrics import (
    bench,
    bench_brief,  # noqa: F401 - registers the brief's measurement after the pages' (the PDF's time)
    bench_load,  # noqa: F401 - registers the load and any-day measurements (gunicorn, bounded client)
    bench_pages,  # noqa: F401 - registers the page measurements (queries, time, weight)
    bench_review,  # noqa: F401 - registers the review queue page and the bulk acceptance
)


class Command(BaseCommand):
    help = _(
        "Measure against the budgets of the design at a scale: generation of the national data set (if "
        "needed), full recompute against a hand-written SQL aggregate, one accepted report to fresh "
        "rollups, and the recompute's peak memory. Prints a table, then one JSON object on its last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            help=_("Leave out a measurement by its name (repeatable)."),
        )
        parser.add_argument(
            "--runs",
            type=int,
            help=_("Timed requests per page, the figure being their median (default 11)."),
        )
        parser.add_argument(
            "--child-recompute", type=date.fromisoformat, help="internal: the memory measurement"
        )

    def handle(self, *args, scale, seed, skip=(), child_recompute=None, runs=None, **options):
        if child_recompute:
            self.stdout.write(json.dumps(bench.child_recompute(child_recompute)))
            return
        context = bench.Context(scale=scale, seed=seed)
        if runs is not None and runs < 1:
            raise CommandError(_("--runs must be at least 1."))
        with override_settings(TIENDO_BENCH_RUNS=runs) if runs else nullcontext():
            figures = bench.run(context, log=lambda line: self.stderr.write(line), skip=set(skip))
        budgets = bench.budgets()
        width = max(len(name) for name in figures)
        self.stdout.write(f"{'figure':<{width}}  {'measured':>14}  budget")
        self.stdout.write("-" * (width + 40))
        for name, value in figures.items():
            shown = "—" if value is None else str(value)
            self.stdout.write(f"{name:<{width}}  {shown:>14}  {budgets.get(name, '')}")
        for note in context.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(json.dumps({"scale": scale, "seed": seed, **figures}, default=str))
