"""What every dashboard page shares: visibility, the day asked for, tables with exports."""

from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from metrics import (
    tilemap,
)
from projects.as_of import AsOfMixin
from projects.exports import SpreadsheetExport

LEAGUE_SIZE = 10


@lru_cache(maxsize=8192)
def reversed_url(viewname: str, args: tuple, language: str) -> str:
    """reverse(), remembered: a page links to some hundred units and tasks, and the URLconf never changes.
    The language is part of the key because it decides the prefix (/en/)."""
    return reverse(viewname, args=args)


class VisibilityMixin:
    """Read pages are public unless TIENDO_PUBLIC is off; then they need a signed-in user."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.TIENDO_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class DashboardMixin(VisibilityMixin, AsOfMixin):
    """Context every dashboard page shares: the as-of date, the query that keeps it in links, the language."""

    @property
    def as_of_explicit(self) -> bool:
        return bool(self.request.GET.get("as_of"))

    @property
    def link_query(self) -> str:
        return f"?as_of={self.as_of.isoformat()}" if self.as_of_explicit else ""

    @property
    def language(self) -> str:
        return get_language() or "vi"

    def url(self, viewname: str, *args, **params) -> str:
        """Reverse a page, keeping the as-of date and adding filter parameters."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if self.as_of_explicit:
            query = {"as_of": self.as_of.isoformat(), **query}
        return reversed_url(viewname, args, self.language) + (f"?{urlencode(query)}" if query else "")

    def chart(self, chart_id: str, figure: dict) -> dict:
        return {"id": chart_id, "figure": figure}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            link_query=self.link_query, today=timezone.localdate(), tile_grid=tilemap.grid_on(self.as_of)
        )
        return context


class DashboardTableMixin(DashboardMixin, ExportMixin, SingleTableMixin):
    """A page whose table sorts, pages, and exports exactly its filtered rows as CSV or XLSX."""

    table_pagination = {"per_page": 50}
    export_formats = ("csv", "xlsx")
    export_class = SpreadsheetExport
    export_stem = "table"

    def get_export_filename(self, export_format):
        return f"{self.export_stem}-{self.as_of.isoformat()}.{export_format}"

    def get_dataset_kwargs(self):
        """Name the sheet after the table and what it is of: "Tasks DA06", "Units 01", "Ranking CCCD_CHIP"."""
        title = str(getattr(self.table_class, "export_title", "") or "")
        items = (getattr(self, name, None) for name in ("programme", "task", "unit", "indicator"))
        codes = [getattr(item, "code", "") for item in items if item is not None]
        return {"title": " ".join([title, *[code for code in codes if code]])}

    def get_table_kwargs(self):
        return {"link_query": self.link_query}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        links = []
        for export_format in self.export_formats:
            query["_export"] = export_format
            links.append({"format": export_format.upper(), "url": f"?{query.urlencode()}"})
        context["export_links"] = links
        table = context["table"]
        paginator = getattr(table, "paginator", None)
        context["row_count"] = paginator.count if paginator is not None else len(table.rows)
        return context
