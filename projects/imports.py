"""Imports of reports from UTF-8 CSV or XLSX files: all rows are checked, then all are written or none.

The reading, unit-name resolution and all-or-nothing machinery here is shared with metrics.imports
(observations); which importer handles a kind of file is configured in settings.TIENDO_IMPORTERS,
so that projects never imports metrics.
"""

import csv
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from projects.choices import ReportStatus
from projects.models import Assignment, Programme, Report, Task, Unit
from projects.names import compact, fold, strip_kind

logger = logging.getLogger(__name__)

MAX_ROWS = 200_000
# An XLSX is a zip: a few megabytes can unpack to gigabytes (a "zip bomb"). A workbook of MAX_ROWS rows
# of ten columns unpacks to about 80 MB; larger ones are refused before anything is parsed.
MAX_UNPACKED_BYTES = 160 * 1024 * 1024
PREVIEW_ROWS = 50
STORED_ERRORS = 2_000
PROGRESS_EVERY = 1_000


def importer_class(kind: str):
    """Return the importer configured for a kind of file ("reports", "observations")."""
    return import_string(settings.TIENDO_IMPORTERS[kind])


# Errors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A reason a row cannot be imported. Row 1 is the header, so data rows start at 2, as in a spreadsheet."""

    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class FileRefused(Exception):
    """The file as a whole cannot be read: wrong encoding, wrong columns, not a spreadsheet, too big."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(e.reason for e in errors))
        self.errors = errors


class RowInvalid(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


# Reading ---------------------------------------------------------------------------------------------


def _header_name(value) -> str:
    return re.sub(r"\s+", "_", str(value or "").strip().lower())


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Return the header and the non-empty data rows of a CSV or XLSX file, numbered as a spreadsheet."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        header, rows = _read_xlsx(data)
    elif name.endswith(".csv"):
        header, rows = _read_csv(data)
    else:
        raise FileRefused([RowError(0, "", _("Upload a UTF-8 CSV file or an Excel (XLSX) file."))])
    if len(rows) > MAX_ROWS:
        raise FileRefused(
            [
                RowError(
                    0,
                    "",
                    _("The file has %(count)s rows; at most %(max)s are accepted.")
                    % {"count": len(rows), "max": MAX_ROWS},
                )
            ]
        )
    return header, rows


def _read_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRefused(
            [
                RowError(
                    line,
                    "",
                    _(
                        "The file is not UTF-8 text (first bad byte on line %(line)s). "
                        "Save it as “CSV UTF-8” and upload it again."
                    )
                    % {"line": line},
                )
            ]
        ) from None
    if "\x00" in text:
        raise FileRefused([RowError(0, "", _("The file is not a CSV text file."))])
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error as error:
        raise FileRefused(
            [RowError(reader.line_num, "", _("The CSV file is malformed: %(error)s") % {"error": error})]
        ) from None
    if not lines:
        raise FileRefused([RowError(1, "", _("The file is empty."))])
    header = [_header_name(cell) for cell in lines[0]]
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            rows.append((number, {"__extra__": True}))
            continue
        rows.append((number, {header[i]: cells[i] if i < len(cells) else "" for i in range(len(header))}))
    return header, rows


def _refuse(reason: str, row: int = 0):
    raise FileRefused([RowError(row, "", reason)])


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook that would unpack to more than MAX_UNPACKED_BYTES, from its zip directory alone.

    A member cannot unpack to more than the size its directory entry declares: Python's zip reader
    stops there (and fails the CRC check), so the declared sizes bound the work.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(_("The file is not a readable Excel (XLSX) workbook."))
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        _refuse(
            _(
                "The workbook unpacks to %(size)s MB; at most %(max)s MB are accepted. Split it into several files."
            )
            % {"size": unpacked // (1024 * 1024), "max": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )


def _xlsx_lines(sheet):
    """Yield the sheet's rows as tuples of values, however many its (possibly wrong) dimension claims."""
    # Read-only openpyxl trusts the <dimension> a file declares and stops there: forget it.
    sheet.reset_dimensions()
    yield from sheet.iter_rows(values_only=True)


def _read_xlsx(data: bytes):
    import openpyxl

    _check_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused([RowError(0, "", _("The file is not a readable Excel (XLSX) workbook."))]) from None
    try:
        return _xlsx_rows(workbook.worksheets[0])
    finally:
        workbook.close()


def _xlsx_rows(sheet):
    lines = _xlsx_lines(sheet)
    try:
        header = [_header_name(cell) for cell in next(lines)]
    except StopIteration:
        raise FileRefused([RowError(1, "", _("The file is empty."))]) from None
    while header and not header[-1]:
        header.pop()
    rows = []
    for number, cells in enumerate(lines, start=2):
        cells = list(cells)
        if not any(_cell_text(c) for c in cells):
            continue
        if len(rows) == MAX_ROWS:
            # Stop at the first row too many: the rest of the file is never read.
            _refuse(
                _(
                    "The file has more than %(max)s rows; at most %(max)s are accepted. Split it into several files."
                )
                % {"max": number_format(MAX_ROWS, force_grouping=True)}
            )
        if len(cells) > len(header) and any(_cell_text(c) for c in cells[len(header) :]):
            rows.append((number, {"__extra__": True}))
            continue
        rows.append((number, {header[i]: cells[i] if i < len(cells) else None for i in range(len(header))}))
    return header, rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Values ----------------------------------------------------------------------------------------------


def parse_date(column: str, value, *, required: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    if not text:
        if required:
            raise RowInvalid(column, _("A date is required."))
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise RowInvalid(
        column, _("“%(value)s” is not a date: write YYYY-MM-DD or dd/mm/yyyy.") % {"value": text}
    )


def parse_decimal(column: str, value, *, required: bool) -> Decimal | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    text = _cell_text(value).replace(" ", "").replace("\u00a0", "")
    if not text:
        if required:
            raise RowInvalid(column, _("A number is required."))
        return None
    if re.fullmatch(r"[-+]?\d{1,3}[.,]\d{3}", text):
        # "1.000" is one thousand to a Vietnamese reader and one to an English one: refuse to guess.
        raise RowInvalid(
            column,
            _("“%(value)s” is ambiguous: write it without a thousands mark (1000) or with more decimals.")
            % {"value": text},
        )
    if "," in text and "." in text:
        # Vietnamese style 1.234.567,8 or English style 1,234,567.8: the last mark is the decimal one.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".") if text.count(",") == 1 else text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowInvalid(column, _("“%(value)s” is not a number.") % {"value": _cell_text(value)}) from None
    if not number.is_finite():
        raise RowInvalid(column, _("“%(value)s” is not a number.") % {"value": _cell_text(value)})
    return number


def text_cell(column: str, value, *, max_length: int = 5000) -> str:
    text = _cell_text(value)
    if text.startswith("="):
        raise RowInvalid(column, _("Formulas are not accepted: type the value itself."))
    if len(text) > max_length:
        raise RowInvalid(column, _("At most %(max)s characters.") % {"max": max_length})
    return text


# Units by the names officials write ------------------------------------------------------------------


class UnitResolver:
    """Resolve a unit given by code or by name, the way officials write it, to exactly one unit.

    A code or a name may belong to units of several eras (Tuyên Quang, 08, before and after
    01/07/2025): given ``on``, the day of the row's period, only the units valid that day answer. A
    unit that had ended by then is refused with its successor named, or replaced by that successor
    when the importer asked for it (``map_to_successors``).
    """

    def __init__(self, units: Iterable[Unit] | None = None, *, map_to_successors: bool = False):
        units = list(Unit.objects.prefetch_related("successors") if units is None else units)
        self.map_to_successors = map_to_successors
        self.by_code: dict[str, list[Unit]] = {}
        for unit in units:
            self._add(self.by_code, unit.code.upper(), unit)
        self.by_full: dict[str, list[Unit]] = {}
        self.by_bare: dict[str, list[Unit]] = {}
        for unit in units:
            for name in {unit.name, unit.short_name, unit.name_en} - {""}:
                folded = fold(name)
                self._add(self.by_full, compact(folded), unit)
                self._add(self.by_bare, compact(strip_kind(folded)[0]), unit)

    @staticmethod
    def _add(index, key, unit):
        bucket = index.setdefault(key, [])
        if unit not in bucket:
            bucket.append(unit)

    def resolve(
        self, column: str, value, *, allowed: Callable[[Unit], bool] | None = None, on: date | None = None
    ) -> Unit:
        text = _cell_text(value)
        if not text:
            raise RowInvalid(column, _("A unit is required (its code or its name)."))
        if text.startswith("="):
            raise RowInvalid(column, _("Formulas are not accepted: type the value itself."))
        allowed = allowed or (lambda unit: True)
        self.mapped_from: Unit | None = None
        by_code = self._on_day(column, text, self.by_code.get(text.upper(), []), on)
        unit = by_code[0] if len(by_code) == 1 else None
        if unit is not None and allowed(unit):
            return unit
        folded = fold(text)
        bare, kinds = strip_kind(folded)
        stages = [self.by_full.get(compact(folded), []), self.by_bare.get(compact(bare), [])]
        for candidates in stages:
            candidates = self._on_day(column, text, candidates, on)
            candidates = [u for u in candidates if allowed(u)]
            if kinds and len(candidates) > 1:
                candidates = [u for u in candidates if u.kind in kinds] or candidates
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                names = ", ".join(f"{u.name} ({u.code})" for u in candidates[:5])
                raise RowInvalid(
                    column,
                    _("“%(value)s” could be any of: %(names)s. Give the unit's code.")
                    % {"value": text, "names": names},
                )
        if unit is not None:
            raise RowInvalid(column, _("Unit %(value)s is not concerned by this row.") % {"value": text})
        raise RowInvalid(column, _("No unit is called “%(value)s”.") % {"value": text})

    def _on_day(self, column: str, text: str, units: list[Unit], on: date | None) -> list[Unit]:
        """Return the units valid on the day; an ended one gives way to its successor when asked, else
        the row is refused with the successor named."""
        if on is None or not units:
            return units
        valid = [u for u in units if u.is_valid_on(on)]
        if valid:
            return valid
        ended = [u for u in units if u.valid_to is not None and u.valid_to < on]
        if not ended:
            later = min(units, key=lambda u: u.valid_from or on)
            raise RowInvalid(
                column,
                _("%(unit)s did not exist yet on %(day)s: it began on %(start)s.")
                % {
                    "unit": later.name,
                    "day": on.strftime("%d/%m/%Y"),
                    "start": later.valid_from.strftime("%d/%m/%Y") if later.valid_from else "?",
                },
            )
        successors = []
        for unit in ended:
            for successor in self._successors_on(unit, on):
                if successor not in successors:
                    successors.append(successor)
        if self.map_to_successors and len(successors) == 1:
            self.mapped_from = ended[0]
            return successors
        dead = ended[0]
        names = ", ".join(f"{s.name} ({s.code})" for s in successors) or "?"
        if self.map_to_successors:
            raise RowInvalid(
                column,
                _("%(unit)s ended on %(end)s and was divided among %(successors)s: name the unit itself.")
                % {"unit": dead.name, "end": dead.valid_to.strftime("%d/%m/%Y"), "successors": names},
            )
        raise RowInvalid(
            column,
            _(
                "%(unit)s ended on %(end)s; on %(day)s its successor is %(successors)s. Name the successor, "
                "or ask for ended units to be mapped to their successors."
            )
            % {
                "unit": dead.name,
                "end": dead.valid_to.strftime("%d/%m/%Y"),
                "day": on.strftime("%d/%m/%Y"),
                "successors": names,
            },
        )

    @staticmethod
    def _successors_on(unit: Unit, on: date) -> list[Unit]:
        """Follow a unit's lineage to the units valid on a day (a successor may itself have ended)."""
        found, frontier, seen = [], [unit], set()
        while frontier:
            current = frontier.pop(0)
            for successor in current.successors.all():
                if successor.pk in seen:
                    continue
                seen.add(successor.pk)
                if successor.is_valid_on(on):
                    found.append(successor)
                elif successor.valid_to is not None and successor.valid_to < on:
                    frontier.append(successor)
        return found


# The all-or-nothing import ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "new": self.new,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [e.as_dict() for e in self.errors[:STORED_ERRORS]],
            "preview": self.preview,
            "written": self.written,
            "dry_run": self.dry_run,
        }


def source_key(prefix: str, *parts) -> str:
    digest = hashlib.sha256(json.dumps([str(p) for p in parts], ensure_ascii=False).encode()).hexdigest()
    return f"{prefix}:{digest[:48]}"


class Importer:
    """Check every row, then write all of them in one transaction, or none when any row is bad."""

    kind = ""
    required_columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        user=None,
        accept: bool = False,
        dry_run: bool = False,
        progress=None,
        map_to_successors: bool = False,
    ):
        self.user = user
        self.accept = accept
        # A unit that had ended by a row's period is replaced by its successor instead of refused.
        self.map_to_successors = map_to_successors
        self.dry_run = dry_run
        self.progress = progress or (lambda done, total: None)

    # Subclasses: prepare(rows), check_row(number, row) -> (key, object, preview) or raise RowInvalid,
    # existing_keys(keys) -> set, write(objects).

    def run(self, data: bytes, filename: str) -> ImportResult:
        result = ImportResult(dry_run=self.dry_run)
        try:
            header, rows = read_rows(data, filename)
            self.check_header(header)
        except FileRefused as refused:
            result.errors = refused.errors
            return result
        return self.run_rows(rows, result)

    def check_header(self, header: list[str]) -> None:
        errors = []
        known = set(self.required_columns) | set(self.optional_columns)
        for name in self.required_columns:
            if name not in header:
                errors.append(RowError(1, name, _("The column “%(name)s” is missing.") % {"name": name}))
        for name in header:
            if name and name not in known:
                errors.append(
                    RowError(1, name, _("“%(name)s” is not a column of this import.") % {"name": name})
                )
        seen = set()
        for name in header:
            if name and name in seen:
                errors.append(RowError(1, name, _("The column “%(name)s” appears twice.") % {"name": name}))
            seen.add(name)
        if errors:
            raise FileRefused(errors)

    def run_rows(self, rows: list[tuple[int, dict]], result: ImportResult | None = None) -> ImportResult:
        result = result or ImportResult(dry_run=self.dry_run)
        result.rows = len(rows)
        self.prepare([row for _n, row in rows])
        checked: dict[str, tuple[int, object, dict]] = {}
        for index, (number, row) in enumerate(rows, start=1):
            if row.get("__extra__"):
                result.errors.append(RowError(number, "", _("This row has more cells than the header.")))
                continue
            try:
                key, obj, preview = self.check_row(number, row)
            except RowInvalid as invalid:
                result.errors.append(RowError(number, invalid.column, invalid.reason))
            else:
                if key not in checked:
                    checked[key] = (number, obj, preview)
                else:
                    result.unchanged += 1
            if index % PROGRESS_EVERY == 0:
                self.progress(index, len(rows))
        self.progress(len(rows), len(rows))
        existing = self.existing_keys(list(checked))
        new_keyed = [(key, entry) for key, entry in checked.items() if key not in existing]
        new = [entry for _key, entry in new_keyed]
        result.unchanged += len(checked) - len(new)
        result.new = len(new)
        result.preview = [{"row": number, **preview} for number, _obj, preview in new[:PREVIEW_ROWS]]
        if result.errors or self.dry_run or not new:
            return result
        self.before_write()
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    self.write([obj for _n, obj, _p in new])
            except IntegrityError:
                # The same rows imported at the same moment by another run (the same file twice at
                # once): what it wrote is now "already imported"; write only what is still new.
                existing = self.existing_keys([key for key, _entry in new_keyed])
                still_new = [(key, entry) for key, entry in new_keyed if key not in existing]
                if len(still_new) == len(new_keyed):
                    raise
                result.unchanged += len(new_keyed) - len(still_new)
                new_keyed = still_new
                new = [entry for _key, entry in new_keyed]
                for _number, obj, _preview in new:  # keys given by the rolled-back insert are void
                    obj.pk, obj._state.adding = None, True
                result.new = len(new)
                result.preview = [{"row": n, **preview} for n, _obj, preview in new[:PREVIEW_ROWS]]
                if not new:
                    return result
            else:
                result.written = True
                return result
        raise IntegrityError("the rows kept colliding with another import")

    def prepare(self, rows: list[dict]) -> None:
        """Load, once, whatever the rows refer to."""

    def before_write(self) -> None:
        """Called once every row is known to be good, just before the writing transaction."""

    def check_row(self, number: int, row: dict):
        raise NotImplementedError

    def existing_keys(self, keys: list[str]) -> set[str]:
        raise NotImplementedError

    def write(self, objects: list) -> None:
        raise NotImplementedError


def _chunks(items: list, size: int = 2000) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Reports ---------------------------------------------------------------------------------------------

STATUS_WORDS = {
    ReportStatus.DONE: ["done", "da hoan thanh", "hoan thanh", "completed", "complete"],
    ReportStatus.IN_PROGRESS: ["in progress", "in_progress", "dang thuc hien", "dang trien khai", "ongoing"],
    ReportStatus.NOT_STARTED: [
        "not started",
        "not_started",
        "chua trien khai",
        "chua thuc hien",
        "chua bat dau",
    ],
}
STATUS_BY_WORD = {fold(word): status for status, words in STATUS_WORDS.items() for word in words}


class ReportImporter(Importer):
    """Reports on assignments: one row, one report, identified so that importing twice adds nothing."""

    kind = "reports"
    required_columns = ("programme", "task", "unit", "status", "effective_date")
    optional_columns = ("percent", "completed_on", "note", "evidence_url")

    def prepare(self, rows):
        self.programmes = {p.code.upper(): p for p in Programme.objects.all()}
        self.tasks = {(t.programme_id, t.code.upper()): t for t in Task.objects.select_related("programme")}
        self.units = UnitResolver(map_to_successors=self.map_to_successors)
        self.assignments: dict[int, dict[int, list[Assignment]]] = {}
        self.today = timezone.localdate()
        self.url_validator = URLValidator()
        if self.accept and self.user is None:
            raise FileRefused(
                [RowError(0, "", _("Accepting imported reports needs the reviewer's user name."))]
            )

    def _assignments_of(self, task: Task) -> dict[int, list[Assignment]]:
        """Return unit → its assignments of a task (a successor unit may carry several)."""
        if task.pk not in self.assignments:
            by_unit: dict[int, list[Assignment]] = {}
            for a in Assignment.objects.filter(task=task).select_related(
                "unit", "task", "carried_from__unit"
            ):
                by_unit.setdefault(a.unit_id, []).append(a)
            self.assignments[task.pk] = by_unit
        return self.assignments[task.pk]

    def _assignment_on(self, unit: Unit, candidates: list[Assignment], day: date) -> Assignment:
        """Return the unit's assignment that counts on the day: the one carried from the ended unit the
        row named (when mapped), else the unit's own line."""
        valid = [a for a in candidates if a.is_valid_on(day)]
        if not valid:
            raise RowInvalid(
                "effective_date",
                _("%(unit)s has no assignment of this task on that day.") % {"unit": unit.name},
            )
        mapped = self.units.mapped_from

        def rank(a: Assignment):
            origin = a.carried_from.unit if a.carried_from_id else None
            if mapped is not None:
                return (0 if origin is not None and origin.pk == mapped.pk else 1, a.pk)
            return (0 if origin is None or origin.code == unit.code else 1, a.pk)

        return min(valid, key=rank)

    def run_rows(self, rows, result=None):
        try:
            return super().run_rows(rows, result)
        except FileRefused as refused:
            result = result or ImportResult(dry_run=self.dry_run)
            result.errors = refused.errors
            return result

    def _refuse_unassigned(self, refused: RowInvalid, task, value, *, on) -> None:
        """Say that the task is not assigned to a unit that exists, rather than that no unit has its name."""
        try:
            unit = self.units.resolve("unit", value, on=on)
        except RowInvalid:
            return
        raise RowInvalid(
            "unit",
            _("Task %(task)s of %(programme)s is not assigned to %(unit)s (%(code)s).")
            % {"task": task.code, "programme": task.programme.code, "unit": unit.name, "code": unit.code},
        ) from refused

    def check_row(self, number, row):
        code = text_cell("programme", row.get("programme")).upper()
        programme = self.programmes.get(code)
        if programme is None:
            raise RowInvalid("programme", _("No programme has the code “%(value)s”.") % {"value": code})
        task_code = text_cell("task", row.get("task")).upper()
        task = self.tasks.get((programme.pk, task_code))
        if task is None:
            raise RowInvalid(
                "task",
                _("%(programme)s has no task “%(value)s”.")
                % {"programme": programme.code, "value": task_code},
            )
        assignments = self._assignments_of(task)
        # A unit resolves on the map of the row's period: its effective date.
        effective_date = parse_date("effective_date", row.get("effective_date"), required=True)
        if effective_date > self.today:
            raise RowInvalid("effective_date", _("The effective date cannot be in the future."))
        try:
            unit = self.units.resolve(
                "unit", row.get("unit"), allowed=lambda u: u.pk in assignments, on=effective_date
            )
        except RowInvalid as refused:
            self._refuse_unassigned(refused, task, row.get("unit"), on=effective_date)
            raise
        assignment = self._assignment_on(unit, assignments[unit.pk], effective_date)
        if self.user is not None and not (
            self.user.has_perm("projects.report_on_assignment", assignment)
            or self.user.has_perm("projects.review_report", assignment)
        ):
            raise RowInvalid("unit", _("You may not report for %(unit)s.") % {"unit": unit.name})
        if self.accept and not self.user.has_perm("projects.review_report", assignment):
            raise RowInvalid(
                "programme", _("You may not accept reports of %(programme)s.") % {"programme": programme.code}
            )

        status_text = text_cell("status", row.get("status"))
        status = STATUS_BY_WORD.get(fold(status_text))
        if status is None:
            raise RowInvalid(
                "status",
                _("“%(value)s” is not a status: write done, in_progress or not_started.")
                % {"value": status_text},
            )
        completed_on = parse_date("completed_on", row.get("completed_on"), required=False)
        percent_value = parse_decimal("percent", _cell_text(row.get("percent")).rstrip("%"), required=False)
        if percent_value is None:
            percent = 100 if status == ReportStatus.DONE else 0
        elif percent_value != percent_value.to_integral_value() or not 0 <= percent_value <= 100:
            raise RowInvalid("percent", _("Percent complete is a whole number from 0 to 100."))
        else:
            percent = int(percent_value)
        if status == ReportStatus.DONE:
            if percent != 100:
                raise RowInvalid("percent", _("A report that says done is 100 percent complete."))
            if completed_on is None:
                raise RowInvalid("completed_on", _("Give the date the work was completed."))
        elif completed_on is not None:
            raise RowInvalid("completed_on", _("Only a report that says done has a completion date."))
        if completed_on and completed_on > effective_date:
            raise RowInvalid("completed_on", _("The completion date cannot be after the effective date."))
        note = text_cell("note", row.get("note"))
        evidence_url = text_cell("evidence_url", row.get("evidence_url"), max_length=500)
        if evidence_url:
            try:
                self.url_validator(evidence_url)
            except ValidationError:
                raise RowInvalid(
                    "evidence_url", _("“%(value)s” is not a web address.") % {"value": evidence_url}
                ) from None

        key = source_key(
            "import",
            programme.code,
            task.code,
            unit.code,
            status,
            percent,
            completed_on,
            effective_date,
            note,
            evidence_url,
        )
        report = Report(
            programme=programme,
            assignment=assignment,
            status=status,
            percent=percent,
            completed_on=completed_on,
            effective_date=effective_date,
            note=note,
            evidence_url=evidence_url,
            source_key=key,
        )
        preview = {
            "target": f"{task.code} → {unit.name}",
            "status": str(ReportStatus(status).label),
            "percent": percent,
            "effective_date": effective_date.strftime("%d/%m/%Y"),
        }
        return key, report, preview

    def existing_keys(self, keys):
        found = set()
        for chunk in _chunks(keys):
            found.update(Report.objects.filter(source_key__in=chunk).values_list("source_key", flat=True))
        return found

    def write(self, objects):
        from projects.services import reports_import

        reports_import(reports=objects, user=self.user, accept=self.accept)
