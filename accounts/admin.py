from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import locks, services
from accounts.models import Invitation, Membership, Organization, User
from core import audit
from core.admin_mixins import TranslatedPermissionsMixin

ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser")


def _access_of(user):
    """What a user may do on the platform: the flags, groups and direct permissions (audited)."""
    if user.pk is None:
        return {}
    return {
        **audit.snapshot(user, ACCESS_FIELDS),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.user_permissions.values_list("codename", flat=True)),
    }


def _audit_memberships(request, formset):
    """Role changes in an organization, made through the membership inline."""
    for membership in formset.deleted_objects:
        services.revoke_access(user=membership.user)
        audit.record(
            actor=request.user,
            action="membership_removed",
            target=membership,
            before={"user": membership.user.email, "role": membership.role},
            after={},
        )
    for membership in formset.new_objects:
        audit.record(
            actor=request.user,
            action="membership_added",
            target=membership,
            before={},
            after={"user": membership.user.email, "role": membership.role},
        )
    for membership, fields in formset.changed_objects:
        if "role" in fields:
            form = next(f for f in formset.forms if f.instance.pk == membership.pk)
            audit.record(
                actor=request.user,
                action="role_changed",
                target=membership,
                before={"user": membership.user.email, "role": form.initial.get("role")},
                after={"user": membership.user.email, "role": membership.role},
            )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]


class TwoFactorFilter(admin.SimpleListFilter):
    title = _("two-factor authentication")
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return [("on", _("On")), ("off", _("Off"))]

    def queryset(self, request, queryset):
        if self.value() in ("on", "off"):
            return queryset.filter(has_two_factor=self.value() == "on")
        return queryset


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, BaseUserAdmin):
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
        (_("Personal info"), {"fields": ("first_name", "last_name", "locale", "time_zone", "default_organization")}),
        (_("Security"), {"fields": ("two_factor",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "email_verified_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        request._access_before = _access_of(User.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, after = audit.changed(request._access_before, _access_of(form.instance))
        if after:
            audit.record(actor=request.user, action="access_changed", target=form.instance, before=before, after=after)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            _audit_memberships(request, formset)

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(confirmed))

    @admin.display(boolean=True, description=_("2FA"), ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    @admin.action(description=_("Send the email verification link again"), permissions=["change"])
    def resend_verification(self, request, queryset):
        pending = list(queryset.filter(email_verified_at__isnull=True))
        for user in pending:
            services.send_verification_email(user=user)
        message = ngettext(
            "Sent %(count)d verification link; already confirmed addresses were skipped.",
            "Sent %(count)d verification links; already confirmed addresses were skipped.",
            len(pending),
        )
        self.message_user(request, message % {"count": len(pending)})

    @admin.action(description=_("Turn off two-factor authentication (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        users = list(queryset.filter(has_two_factor=True))
        for user in users:
            services.reset_two_factor(user=user, by=request.user)
            audit.record(
                actor=request.user,
                action="two_factor_reset",
                target=user,
                before={"two_factor": True},
                after={"two_factor": False},
            )
        message = ngettext(
            "Two-factor authentication turned off for %(count)d user.",
            "Two-factor authentication turned off for %(count)d users.",
            len(users),
        )
        self.message_user(request, message % {"count": len(users)}, messages.WARNING)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissionsMixin, BaseGroupAdmin):
    pass


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "country", "locale", "member_count", "is_active", "created_at"]
    list_filter = ["currency", "locale", "country", "is_active"]
    search_fields = ["name", "slug", "legal_name", "vat_number", "billing_email"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "created_at"
    inlines = [MembershipInline]
    actions = ["deactivate", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    def get_readonly_fields(self, request, obj=None):
        # Invoices pin the currency: staff change it with `manage.py migrate_currency`, deliberately.
        return ["currency"] if obj is not None and locks.currency_locked(obj) else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            self._record_access(request, obj, not obj.is_active)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            _audit_memberships(request, formset)

    @staticmethod
    def _record_access(request, organization, was_active):
        action = "organization_reactivated" if organization.is_active else "organization_deactivated"
        audit.record(
            actor=request.user,
            action=action,
            target=organization,
            organization=organization,
            before={"is_active": was_active},
            after={"is_active": organization.is_active},
        )

    def _set_active(self, request, queryset, active):
        changed = [organization for organization in queryset if organization.is_active != active]
        for organization in changed:
            organization.is_active = active
            organization.save(update_fields=["is_active", "updated_at"])
            self._record_access(request, organization, not active)
        return len(changed)

    @admin.action(description=_("Deactivate (members can no longer switch to this workspace)"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = self._set_active(request, queryset, False)
        message = ngettext("%(count)d organization deactivated.", "%(count)d organizations deactivated.", count)
        self.message_user(request, message % {"count": count}, messages.WARNING)

    @admin.action(description=_("Reactivate"), permissions=["change"])
    def reactivate(self, request, queryset):
        count = self._set_active(request, queryset, True)
        message = ngettext("%(count)d organization reactivated.", "%(count)d organizations reactivated.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.display(description=_("members"), ordering="member_count")
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
