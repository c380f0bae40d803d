from django.contrib import admin

from relance.invoices.models import Customer, EInvoiceStatusEvent, Invoice, Payment


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "email",
        "dunning_email",
        "paused_until",
        "company",
    ]
    list_filter = ["kind", "company"]
    search_fields = ["code", "name", "email", "dunning_email"]


class PaymentInline(admin.TabularInline):
    model = Payment
    fk_name = "invoice"
    extra = 0
    fields = ["date", "amount", "method", "reference"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # payments go through payment_register (amount due, status)


class EInvoiceStatusInline(admin.TabularInline):
    model = EInvoiceStatusEvent
    extra = 0
    fields = ["status_on", "code", "reason", "amount_paid", "paid_on", "source"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # statuses go through einvoice_status_record (their effects)


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "issue_date",
        "due_date",
        "total",
        "amount_due",
        "status",
        "dunning_level",
        "to_remind",
        "next_reminder_on",
    ]
    list_filter = ["to_remind", "status", "dunning_level", "company"]
    search_fields = ["number", "customer__name", "customer__code"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "due_date"
    readonly_fields = [
        "dunning_level",
        "last_reminder_on",
        "to_remind",
        "next_level",
        "next_reminder_on",
        # The latest of its history (EInvoiceStatusEvent), never typed here.
        "einvoice_status",
    ]
    inlines = [PaymentInline, EInvoiceStatusInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "date", "amount", "method", "reference", "company"]
    list_filter = ["method", "company"]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
