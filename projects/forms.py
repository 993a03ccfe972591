"""Forms of the write side: the report form, the bulk grid, the review form and the import form."""

import math
import os
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from projects.choices import ReportStatus
from projects.models import ImportJob

# Extension → accepted leading bytes. Office files are ZIP (OOXML, ODF) or OLE2 (legacy) containers.
ZIP = (b"PK\x03\x04",)
OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
EVIDENCE_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".pptx": ZIP,
    ".odt": ZIP,
    ".ods": ZIP,
    ".odp": ZIP,
    ".doc": OLE2,
    ".xls": OLE2,
    ".ppt": OLE2,
}


def megabytes(size: int, *, up: bool = False) -> str:
    """Write a size in megabytes with one decimal, none when whole ("10 MB", "10,6 MB").

    ``up`` rounds up, so that a file over a limit never reads as equal to it ("10,1 MB", not "10,0 MB").
    """
    tenths = size * 10 / (1024 * 1024)
    tenths = math.ceil(tenths) if up else round(tenths)
    places = 0 if tenths % 10 == 0 else 1
    return _("%(size)s MB") % {"size": number_format(tenths / 10, places)}


def validate_evidence_file(upload):
    """Refuse files that are too large or not a PDF, an image or an Office document; rename the rest."""
    limit = settings.TIENDO_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; evidence files may be at most %(limit)s."),
            params={"size": megabytes(upload.size, up=True), "limit": megabytes(limit)},
            code="too_large",
        )
    extension = os.path.splitext(upload.name)[1].lower()
    signatures = EVIDENCE_TYPES.get(extension)
    if signatures is None:
        raise ValidationError(
            _("Evidence must be a PDF, an image (PNG, JPEG, GIF, WebP) or an Office document."),
            code="type",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signatures) or (extension == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError(
            _("The file's content does not match its type (%(extension)s)."),
            params={"extension": extension},
            code="content",
        )
    # Stored under a random name: the uploader's name never reaches the file system or the URL.
    upload.name = f"{uuid.uuid4().hex}{extension}"
    return upload


class DayFirstDateInput(forms.DateInput):
    """A date typed as the pages write it, 25/12/2022, whatever the browser's language.

    A type=date field shows the browser's own order (12/25/2022 in an English browser) while every
    page writes day first. The field also accepts 2022-12-25 (DATE_INPUT_FORMATS in config/formats).
    """

    def __init__(self, attrs=None):
        defaults = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "placeholder": _("dd/mm/yyyy"),
            "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}",
            "size": 10,
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")


class ReportForm(forms.Form):
    """One report on one assignment. ``version`` is the assignment's version when the form was opened."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "—"), *ReportStatus.choices],
    )
    percent = forms.IntegerField(
        label=_("Percent complete"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("0 to 100; a report that says done is 100."),
    )
    completed_on = forms.DateField(
        label=_("Completed on"),
        required=False,
        widget=DayFirstDateInput(),
        help_text=_("Required when the status is done."),
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        widget=DayFirstDateInput(),
        help_text=_("The date from which this statement holds."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        validators=[validate_evidence_file],
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(sorted(EVIDENCE_TYPES))},
        ),
    )
    evidence_url = forms.URLField(
        label=_("Evidence link"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # A file chosen in an attempt that was refused is kept on the server and named here (signed).
    pending_evidence = forms.CharField(widget=forms.HiddenInput, required=False)
    # Set when the file chosen in the previous attempt was itself refused: submitting again without a
    # file then asks once more instead of saving the report without its evidence.
    evidence_refused = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "evidence_file" in self.fields:
            self.fields["evidence_file"].help_text = _(
                "PDF, image or Office document, at most %(limit)s."
            ) % {"limit": megabytes(settings.TIENDO_EVIDENCE_MAX_BYTES)}

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        if day > timezone.localdate():
            raise ValidationError(_("The effective date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        percent = cleaned.get("percent")
        completed_on = cleaned.get("completed_on")
        effective_date = cleaned.get("effective_date")
        if status == ReportStatus.DONE:
            if percent is None:
                cleaned["percent"] = 100
            elif percent != 100:
                self.add_error("percent", _("A report that says done is 100 percent complete."))
            if completed_on is None:
                self.add_error("completed_on", _("Give the date the work was completed."))
        elif status:
            if percent is None:
                cleaned["percent"] = 0
            if completed_on is not None:
                self.add_error("completed_on", _("Only a report that says done has a completion date."))
        if completed_on and effective_date and completed_on > effective_date:
            self.add_error("completed_on", _("The completion date cannot be after the effective date."))
        if (
            cleaned.get("evidence_refused")
            and not cleaned.get("evidence_file")
            and not cleaned.get("pending_evidence")
            and "evidence_file" not in self.errors
        ):
            self.add_error(
                "evidence_file",
                ValidationError(
                    _(
                        "The evidence file you chose was refused. Choose a valid file, or submit again to "
                        "save the report without one."
                    ),
                    code="refused_before",
                ),
            )
        return cleaned


class BulkReportForm(ReportForm):
    """One row of the bulk grid: a row left without a status is skipped."""

    assignment = forms.IntegerField(widget=forms.HiddenInput)
    pending_evidence = None
    evidence_refused = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].required = False
        self.fields["effective_date"].required = False
        for bound in self.fields.values():
            bound.help_text = ""

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("status") if hasattr(self, "cleaned_data") else None)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status")
            and not cleaned.get("effective_date")
            and "effective_date" not in self.errors
        ):
            self.add_error("effective_date", _("This field is required."))
        if not cleaned.get("status"):
            for name in ("percent", "completed_on", "note", "evidence_file", "evidence_url"):
                if name in self.errors:
                    continue
                if cleaned.get(name) not in (None, ""):
                    self.add_error("status", _("Choose a status, or clear this row."))
                    break
        return cleaned


BulkReportFormSet = forms.formset_factory(BulkReportForm, extra=0, max_num=500, absolute_max=500)


class ReviewForm(forms.Form):
    ACCEPT, RETURN = "accept", "return"

    action = forms.ChoiceField(choices=[(ACCEPT, _("Accept")), (RETURN, _("Return"))])
    review_note = forms.CharField(
        label=_("Reason or comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Required when you return a report."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.RETURN and not cleaned.get("review_note", "").strip():
            self.add_error("review_note", _("Say why the report is returned."))
        return cleaned


class ReportIdsField(forms.Field):
    """The ids of the reports ticked in the queue (checkboxes named alike); which exist is the view's question."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick the reports to accept or return."),
        "invalid": _("The selection could not be read; reload the page and tick the reports again."),
    }

    def __init__(self, *, max_count: int, **kwargs):
        super().__init__(**kwargs)
        self.max_count = max_count

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if not all(str(item).isdigit() for item in values):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(item) for item in values})

    def validate(self, value):
        super().validate(value)
        if len(value) > self.max_count:
            raise ValidationError(
                _("At most %(max)s reports can be reviewed at once."), params={"max": self.max_count}
            )


class BulkReviewForm(ReviewForm):
    """Accept or return the reports ticked in the queue, with one note for all."""

    MAX_REPORTS = 1000

    reports = ReportIdsField(max_count=MAX_REPORTS)


class GoalAssessmentForm(ReportForm):
    """An assessment of a goal: achieved (since when) or not yet, with the evidence; reviewed like a report."""

    percent = None
    version = None
    pending_evidence = None
    evidence_refused = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"] = forms.ChoiceField(
            label=_("Assessment"),
            choices=[
                ("", "—"),
                (ReportStatus.DONE, _("Achieved")),
                (ReportStatus.IN_PROGRESS, _("Not yet achieved")),
            ],
        )
        self.fields["completed_on"].label = _("Achieved on")
        self.fields["completed_on"].help_text = _("Required when the goal is achieved.")
        self.order_fields(
            ["status", "completed_on", "effective_date", "note", "evidence_file", "evidence_url"]
        )

    def clean(self):
        cleaned = super().clean()
        cleaned["percent"] = 100 if cleaned.get("status") == ReportStatus.DONE else 0
        return cleaned


class WithdrawForm(forms.Form):
    review_note = forms.CharField(
        label=_("Reason for withdrawing"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Kept in the review trail. The report stays on record but no longer counts."),
        error_messages={"required": _("Say why the report is withdrawn.")},
    )

    def clean_review_note(self):
        note = self.cleaned_data["review_note"].strip()
        if not note:
            raise forms.ValidationError(_("Say why the report is withdrawn."))
        return note


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=ImportJob.Kind.choices,
        widget=forms.RadioSelect,
        initial=ImportJob.Kind.REPORTS,
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and show what would change, without writing anything"),
        required=False,
        initial=True,
    )
    accept = forms.BooleanField(
        label=_("Accept the imported reports (reviewers of the programme only)"),
        required=False,
    )
    map_to_successors = forms.BooleanField(
        label=_(
            "Map units that had ended by a row's date to their successors (e.g. Hà Giang to Tuyên Quang "
            "from 01/07/2025), instead of refusing those rows"
        ),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.TIENDO_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; imports may be at most %(limit)s."),
                params={"size": megabytes(upload.size, up=True), "limit": megabytes(limit)},
            )
        extension = os.path.splitext(upload.name)[1].lower()
        if extension not in (".csv", ".xlsx"):
            raise ValidationError(_("Upload a UTF-8 CSV file or an Excel (XLSX) file."))
        return upload
