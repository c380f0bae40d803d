from django import forms
from django.contrib import admin

from relance.core.errors import ApplicationError
from relance.dunning.models import DunningStep, Reminder, ReminderInvoice
from relance.dunning.services.steps import FIELDS, step_template_check


class DunningStepForm(forms.ModelForm):
    class Meta:
        model = DunningStep
        fields = ["company", "plan", "order", *FIELDS]

    def clean(self):
        data = super().clean()
        try:
            step_template_check(
                subject=data.get("subject", ""), body=data.get("body", "")
            )
        except ApplicationError as error:
            self.add_error(error.field, error.message)
        return data


@admin.register(DunningStep)
class DunningStepAdmin(admin.ModelAdmin):
    form = DunningStepForm
    list_display = [
        "order",
        "name",
        "trigger",
        "days",
        "attach_pdf",
        "formal_notice",
        "active",
        "plan",
        "company",
    ]
    list_display_links = ["name"]
    list_filter = ["active", "trigger", "company"]
    ordering = ["company", "plan", "order"]


class ReminderInvoiceInline(admin.TabularInline):
    model = ReminderInvoice
    extra = 0
    fields = ["invoice", "level", "amount_due", "holds_level"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReminderInvoice)
class ReminderInvoiceAdmin(admin.ModelAdmin):
    list_display = ["invoice", "level", "amount_due", "holds_level", "reminder"]
    list_filter = ["level", "holds_level", "company"]
    search_fields = ["invoice__number"]
    list_select_related = ["invoice", "reminder"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "customer",
        "step",
        "status",
        "attempts",
        "sent_at",
        "origin",
    ]
    list_filter = ["status", "origin", "channel", "company"]
    search_fields = ["customer__name", "customer__code", "subject", "message_id"]
    list_select_related = ["customer", "step"]
    inlines = [ReminderInvoiceInline]
    readonly_fields = [f.name for f in Reminder._meta.fields if f.name not in {"id"}]

    def has_add_permission(self, request):
        return False
