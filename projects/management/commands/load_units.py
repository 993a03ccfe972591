from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from projects import lineage, unit_map


class Command(BaseCommand):
    help = _(
        "Load the map of units of today: the 2022 map, the Government of 01/03/2025 and the 34 provinces "
        "and 3,321 communes of 01/07/2025 (vietnam-provinces), ending the units they replace and carrying "
        "their work to their successors. Idempotent; a deployment runs it after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and count what would change; write nothing.")
        )
        parser.add_argument(
            "--plan",
            help=_(
                "A carry-over plan (CSV or JSON: programme, task, unit, successor) for units split among "
                "several successors."
            ),
        )

    def handle(self, *args, dry_run=False, plan=None, verbosity=1, **options):
        try:
            carry_plan = lineage.read_plan(plan) if plan else {}
            steps = unit_map.STEPS
            with tqdm(
                total=len(steps),
                bar_format="{n_fmt}/{total_fmt} |{bar:20}| {elapsed} {desc}",
                desc=str(steps[0]),
                disable=verbosity == 0,
                file=self.stderr._out,
            ) as bar:

                def progress(_step):
                    # Show the step now under way: the long ones are the old units' end and the carry-over.
                    bar.update(1)
                    bar.set_description_str(str(steps[bar.n]) if bar.n < len(steps) else "")

                summary = unit_map.load_map(dry_run=dry_run, plan=carry_plan, progress=progress)
        except OSError as error:
            raise CommandError(_("Cannot read the plan: %(error)s") % {"error": error}) from error
        except lineage.PlanError as error:
            # One line per bad row of the plan, then a short refusal: nothing was written.
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                _("Nothing was written: %(count)s problem(s) in the carry-over plan %(file)s.")
                % {"count": len(error.problems), "file": plan or "—"}
            ) from error
        for line in summary.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("The map of units is up to date.")))
