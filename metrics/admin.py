from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from metrics.models import DigestSubscription, Follow, Indicator, Observation


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "aggregation",
        "direction",
        "target_value",
        "target_date",
        "programme",
        "goal",
    ]
    list_filter = ["programme", "aggregation", "direction", "reporting_period"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["programme", "goal"]
    autocomplete_fields = ["goal"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "period", "value", "denominator", "reported_at", "reported_by"]
    list_filter = ["indicator"]
    search_fields = ["indicator__code", "unit__code", "unit__name"]
    list_select_related = ["indicator", "unit", "reported_by"]
    autocomplete_fields = ["unit"]
    date_hierarchy = "period"

    def has_change_permission(self, request, obj=None):
        return False  # revisable by appending a newer observation, never by editing

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "programme", "unit", "created_at"]
    list_filter = ["programme"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "weekly", "language", "last_sent_week"]
    list_filter = ["weekly", "language"]
    search_fields = ["user__username"]
