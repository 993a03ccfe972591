"""Choices of the write side, named in the domain's words."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    NATION = "nation", _("Nation")
    MINISTRY = "ministry", _("Ministry")
    MINISTERIAL_AGENCY = "ministerial_agency", _("Ministerial-level agency")
    GOVERNMENT_AGENCY = "government_agency", _("Agency under the Government")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
    TELECOM = "telecom", _("Telecom enterprise")


# Central bodies: what the seed calls "bộ, ngành Trung ương".
CENTRAL_KINDS = (UnitKind.MINISTRY, UnitKind.MINISTERIAL_AGENCY, UnitKind.GOVERNMENT_AGENCY)
TERRITORIAL_KINDS = (UnitKind.NATION, UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE)


class Region(models.TextChoices):
    RED_RIVER_DELTA = "RRD", _("Red River Delta")
    NORTHERN_MIDLANDS = "NMM", _("Northern Midlands and Mountains")
    NORTH_CENTRAL_COAST = "NCC", _("North Central and Central Coast")
    CENTRAL_HIGHLANDS = "CH", _("Central Highlands")
    SOUTH_EAST = "SE", _("South East")
    MEKONG_DELTA = "MD", _("Mekong River Delta")


class ReportStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AssignmentStatus(models.TextChoices):
    """Status of an assignment as of a date; the rules are in projects.status."""

    DONE_ON_TIME = "done_on_time", _("Done on time")
    DONE_LATE = "done_late", _("Done late")
    OVERDUE = "overdue", _("Overdue")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_STARTED = "not_started", _("Not started")


DONE_STATUSES = (AssignmentStatus.DONE_ON_TIME, AssignmentStatus.DONE_LATE)


class TaskStatus(models.TextChoices):
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_STARTED = "not_started", _("Not started")


class View(models.TextChoices):
    """Which reports count: accepted only (the headline) or also those awaiting review."""

    VERIFIED = "verified", _("Verified")
    REPORTED = "reported", _("Reported")


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    REPORTER = "reporter", _("Reporter")
    REVIEWER = "reviewer", _("Reviewer")
