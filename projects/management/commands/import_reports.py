from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from projects.imports import ReportImporter


def run_import(
    command: BaseCommand, importer_class, *, path: str, dry_run: bool, verbosity: int = 1, **importer_options
) -> None:
    """Run an importer over a file with a progress bar, print the outcome, and fail on any bad row."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(_("No file at %(path)s.") % {"path": path})
    bar = tqdm(total=0, unit=_("rows"), disable=verbosity == 0, file=command.stderr._out)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    importer = importer_class(dry_run=dry_run, progress=progress, **importer_options)
    result = importer.run(file.read_bytes(), file.name)
    bar.close()
    if result.errors:
        for error in result.errors:
            command.stderr.write(
                _("row %(row)s, column %(column)s: %(reason)s")
                % {"row": error.row or "—", "column": error.column or "—", "reason": error.reason}
            )
        raise CommandError(
            _("Nothing was written: %(count)s problem(s) in %(file)s.")
            % {"count": len(result.errors), "file": path}
        )
    if dry_run:
        for row in result.preview:
            command.stdout.write(
                f"  {row['row']:>6}  {row['target']}  {row['status']}  {row['percent']}  {row['effective_date']}"
            )
        message = _("Dry run: %(new)s would be added, %(unchanged)s already imported; nothing was written.")
    elif result.new == 0 and result.unchanged:
        message = _("This file was already imported: nothing was added (%(unchanged)s rows already there).")
    else:
        message = _("%(new)s added, %(unchanged)s already imported.")
    command.stdout.write(command.style.SUCCESS(message % {"new": result.new, "unchanged": result.unchanged}))


class Command(BaseCommand):
    help = _(
        "Import reports from a UTF-8 CSV or XLSX file (columns: programme, task, unit, status, effective_date, "
        "percent, completed_on, note, evidence_url). All rows or none; importing twice adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("The CSV or XLSX file."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and show what would change; write nothing.")
        )
        parser.add_argument(
            "--accept", action="store_true", help=_("Add the reports as accepted (needs --user).")
        )
        parser.add_argument("--user", help=_("The user the reports are submitted (and accepted) by."))
        parser.add_argument(
            "--map-to-successors",
            action="store_true",
            help=_(
                "Report for a unit that had ended by a row's date on its successor, instead of refusing it."
            ),
        )

    def handle(self, *args, file, dry_run=False, accept=False, user=None, map_to_successors=False, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user is called %(name)s.") % {"name": user}) from None
        if accept and account is None:
            raise CommandError(_("--accept needs --user: the reviewer who accepts the reports."))
        run_import(
            self,
            ReportImporter,
            path=file,
            dry_run=dry_run,
            user=account,
            accept=accept,
            map_to_successors=map_to_successors,
            verbosity=options["verbosity"],
        )
