from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Invitation, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]


class TwoFactorFilter(admin.SimpleListFilter):
    title = "two-factor authentication"
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return [("on", "On"), ("off", "Off")]

    def queryset(self, request, queryset):
        if self.value() in ("on", "off"):
            return queryset.filter(has_two_factor=self.value() == "on")
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "two_factor", "email_verified_at", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", TwoFactorFilter, ("email_verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "first_name", "last_name"]
    date_hierarchy = "date_joined"
    inlines = [MembershipInline]
    autocomplete_fields = ["default_organization"]
    readonly_fields = ["last_login", "date_joined", "email_verified_at", "two_factor"]
    actions = ["resend_verification", "reset_two_factor"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "locale", "default_organization")}),
        ("Security", {"fields": ("two_factor",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "email_verified_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(confirmed))

    @admin.display(boolean=True, description="2FA", ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    @admin.action(description="Send the email verification link again")
    def resend_verification(self, request, queryset):
        pending = list(queryset.filter(email_verified_at__isnull=True))
        for user in pending:
            services.send_verification_email(user=user)
        self.message_user(request, f"Sent {len(pending)} verification link(s); already confirmed addresses were skipped.")

    @admin.action(description="Turn off two-factor authentication (lost phone)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        users = list(queryset.filter(has_two_factor=True))
        for user in users:
            services.reset_two_factor(user=user, by=request.user)
        self.message_user(request, f"Two-factor authentication turned off for {len(users)} user(s).", messages.WARNING)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "country", "locale", "member_count", "is_active", "created_at"]
    list_filter = ["currency", "locale", "country", "is_active"]
    search_fields = ["name", "slug", "legal_name", "vat_number", "billing_email"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "invited_by", "created_at", "accepted_at"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["organization", "invited_by"]
    search_fields = ["email", "organization__name"]
    autocomplete_fields = ["organization", "invited_by"]
    readonly_fields = ["accepted_at", "created_at"]
    date_hierarchy = "created_at"
