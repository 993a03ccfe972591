from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from metrics.imports import ObservationImporter
from projects.management.commands.import_reports import run_import


class Command(BaseCommand):
    help = _(
        "Import indicator observations from a UTF-8 CSV or XLSX file (columns: indicator, unit, period, value, "
        "denominator, source). All rows or none; importing twice adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The CSV or XLSX file."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and show what would change; write nothing.")
        )
        parser.add_argument(
            "--map-to-successors",
            action="store_true",
            help=_(
                "Report for a unit that had ended by a row's date on its successor, instead of refusing it."
            ),
        )

    def handle(self, *args, file, dry_run=False, map_to_successors=False, **options):
        run_import(
            self,
            ObservationImporter,
            path=file,
            dry_run=dry_run,
            map_to_successors=map_to_successors,
            verbosity=options["verbosity"],
        )
