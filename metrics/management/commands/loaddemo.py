from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from metrics import demo as metrics_demo
from projects import demo as projects_demo
from projects.display import grouped
from projects.models import Report


class Command(BaseCommand):
    help = _(
        "Load the demo: real units, Đề án 06 and the 2022 DX tasks with a year of reports, and the "
        "seed's indicators. Idempotent. Demo users only when DEBUG is on or with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Create the demo users even when DEBUG is off."),
        )

    def handle(self, *args, force=False, **options):
        # The command lives in metrics because the demo spans both apps and projects never imports metrics.
        with_users = settings.DEBUG or force
        before = Report.objects.count()
        if before:
            self.stdout.write(_("Checking the demo (the database already holds reports)…"))
        else:
            self.stdout.write(_("Loading the demo…"))
        with transaction.atomic():
            projects_demo.load(with_users=with_users, log=self.stdout.write)
            metrics_demo.load(log=self.stdout.write)
        # Fresh planner statistics after a bulk load: without them PostgreSQL picks bitmap scans of
        # low-selectivity indexes for the per-assignment lookups and the status counts run 50× slower.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if with_users:
            self.stdout.write(
                _("Demo logins (password %(password)s):") % {"password": projects_demo.DEMO_PASSWORD}
            )
            for username, description, *_rest in projects_demo.DEMO_USERS:
                self.stdout.write(f"  {username:10} {description}")
            self.stdout.write("  admin      superuser")
        else:
            self.stdout.write(_("DEBUG is off: no demo users were created (use --force)."))
        added = Report.objects.count() - before
        if before and not added:
            self.stdout.write(
                self.style.SUCCESS(
                    _("The demo was already loaded: its data is kept (%(reports)s reports); nothing was added.")
                    % {"reports": grouped(before)}
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Demo loaded.")))
