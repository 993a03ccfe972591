from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from metrics import rollups
from projects.models import Programme


class Command(BaseCommand):
    help = _(
        "Recompute every rollup (status counts, goals achieved, indicator values) for a day, today by "
        "default; with --verify, compare every stored figure with a fresh count instead and fail on any "
        "difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", help=_("Only this programme (its code)."))
        parser.add_argument("--day", type=date.fromisoformat, help=_("The day to compute, YYYY-MM-DD."))
        parser.add_argument(
            "--verify",
            action="store_true",
            help=_("Compare the stored figures with a fresh count; exit non-zero listing the differences."),
        )
        parser.add_argument(
            "--history",
            action="store_true",
            help=_("Also store the top of the tree for past days, for trend charts."),
        )
        parser.add_argument(
            "--stale",
            action="store_true",
            help=_("Also recompute the earlier days that later changes reached back to."),
        )
        parser.add_argument(
            "--missing",
            action="store_true",
            help=_("With --history, compute only the days not stored yet (fresh and not stale)."),
        )
        parser.add_argument(
            "--step",
            type=int,
            default=7,
            help=_("Days between two history points (default 7)."),
        )

    def handle(
        self,
        *args,
        programme=None,
        day=None,
        verify=False,
        history=False,
        stale=False,
        missing=False,
        step=7,
        **options,
    ):
        programmes = Programme.objects.order_by("code")
        if programme:
            programmes = programmes.filter(code=programme)
            if not programmes.exists():
                raise CommandError(_("There is no programme with the code %(code)s.") % {"code": programme})
        programmes = list(programmes)
        quiet = options["verbosity"] == 0
        if verify:
            self._verify(programmes, [day] if day else None, quiet)
            return
        day = day or rollups.today()
        rows = 0
        stages = ("status", "indicators", "write")
        with tqdm(
            total=len(programmes) * len(stages), disable=quiet, file=self.stderr, desc=_("Recomputing")
        ) as bar:
            for item in programmes:
                bar.set_postfix_str(item.code)
                rows += rollups.recompute_programme(item, day=day, progress=lambda _stage: bar.update(1))
        if history:
            for item in programmes:
                days = rollups.history_days(item, until=day, step_days=step)
                if missing:
                    days = rollups.days_without_base(item, days)
                if not quiet:
                    if days:
                        self.stdout.write(
                            _("History of %(code)s: computing %(count)d days for the trend charts…")
                            % {"code": item.code, "count": len(days)}
                        )
                    else:
                        self.stdout.write(
                            _("History of %(code)s: every day is already stored, kept.") % {"code": item.code}
                        )
                        continue
                with tqdm(
                    total=len(days),
                    disable=quiet,
                    file=self.stderr,
                    desc=_("History of %(code)s") % {"code": item.code},
                ) as bar:
                    rows += rollups.recompute_history(item, days=days, progress=lambda _day: bar.update(1))
        if stale:
            rows += rollups.recompute_stale(programmes=programmes, limit=100_000)
        if not quiet:
            self.stdout.write(self.style.SUCCESS(_("%(rows)d rollup rows written.") % {"rows": rows}))

    def _verify(self, programmes, days, quiet):
        differences = []
        for item in tqdm(programmes, disable=quiet, file=self.stderr, desc=_("Verifying")):
            differences.extend(rollups.verify(programmes=[item], days=days))
        if differences:
            for line in differences:
                self.stderr.write(line)
            raise CommandError(
                _("%(count)d stored figures differ from a fresh count.") % {"count": len(differences)}
            )
        if not quiet:
            self.stdout.write(self.style.SUCCESS(_("Every stored figure equals a fresh count.")))
