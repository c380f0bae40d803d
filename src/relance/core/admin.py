from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from relance.core.models import Company, Invitation, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["company"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profil"), {"fields": ["full_name", "language"]}),
        (
            _("Droits"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "sender_email", "time_zone", "auto_send"]
    search_fields = ["name", "siren", "siret"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "siren", "siret", "phone", "language", "time_zone"]},
        ),
        (
            _("Adresse"),
            {
                "fields": [
                    "address_line1",
                    "address_line2",
                    "postal_code",
                    "city",
                    "country",
                ]
            },
        ),
        (_("Courriels"), {"fields": ["sender_email", "reply_to_email"]}),
        (_("Banque"), {"fields": ["iban", "bic"]}),
        (
            _("Relances"),
            {
                "fields": [
                    "min_gap_days",
                    "grouping",
                    "auto_send",
                    "daily_run_at",
                ]
            },
        ),
    ]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role"]
    list_filter = ["role", "company"]
    autocomplete_fields = ["user", "company"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Seen here, never made here: an invitation is worth its email, which the
    users page sends."""

    list_display = [
        "email",
        "company",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "cancelled_at",
    ]
    list_filter = ["role", "company"]
    search_fields = ["email"]
    fields = readonly_fields = [
        "company",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "cancelled_at",
    ]

    def has_add_permission(self, request):
        return False
