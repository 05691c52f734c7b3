import base64
import time
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import i18n
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts import selectors, services
from accounts.dashboard import where_i_stand
from accounts.forms import (
    EmailAuthenticationForm,
    InvitedSignupForm,
    InviteForm,
    OrganizationForm,
    OTPTokenForm,
    PasswordConfirmForm,
    PasswordResetForm,
    ProfileForm,
    RoleForm,
    SignupForm,
    SwitchOrganizationForm,
)
from accounts.models import Membership, Organization, User
from core.api import throttling
from core.errors import DomainError, NotFound
from core.reads import reads_once
from core.views import organization_required

TOO_MANY_LOGINS = gettext_lazy("Too many login attempts from your network: please wait a minute and try again.")

# Between the password and the code of a two-step login, the session holds who is logging in.
PENDING_LOGIN = "accounts_pending_login"
PENDING_LOGIN_SECONDS = 5 * 60


def _next_url(request, default="accounts:dashboard"):
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse(default)


# --- Sign-up, verification, login ----------------------------------------------------------------


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    token = request.GET.get("invitation", "")
    invitation = None
    if token:
        try:
            invitation = services.invitation_from_token(token)
        except DomainError as exc:
            messages.error(request, exc.message)
    form = InvitedSignupForm(request.POST or None, invitation=invitation) if invitation else SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if invitation:
                user = services.register_invited_user(token=token, **form.cleaned_data)
            else:
                user = services.register_user(**form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if invitation:
                services.switch_organization(request=request, user=user, organization_id=user.default_organization_id)
                messages.success(request, _("Welcome to %(organization)s!") % {"organization": invitation.organization.name})
            else:
                messages.success(request, _("Welcome to WeBox! We sent you a link to confirm your email address."))
            return redirect("accounts:dashboard")
    context = {"form": form, "invitation": invitation, "invitation_token": token}
    return render(request, "accounts/signup.html", context)


class LoginView(auth_views.LoginView):
    """Email + password; users with two-factor authentication then give a code (login_otp)."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Per client address, as the API's token endpoint ("auth" rate); failures also lock the
        # account itself, from any address (django-axes).
        if not throttling.allowed(request, auth=throttling.client_address(request)):
            form = self.get_form()
            form.add_error(None, TOO_MANY_LOGINS)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not services.has_two_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_LOGIN] = {
            "uid": user.pk,
            "backend": user.backend,
            "next": self.get_redirect_url(),
            "at": time.time(),
        }
        return redirect("accounts:login_otp")


def login_otp(request):
    """Second step of the login: a TOTP code or a one-time recovery code, then the session opens."""
    pending = request.session.get(PENDING_LOGIN)
    user = (
        pending
        and time.time() - pending["at"] < PENDING_LOGIN_SECONDS
        and User.objects.filter(pk=pending["uid"], is_active=True).first()
    )
    if not user:
        request.session.pop(PENDING_LOGIN, None)
        messages.error(request, _("Your login timed out. Please enter your email and password again."))
        return redirect("accounts:login")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(user=user, token=form.cleaned_data["token"])
        if device is not None:
            del request.session[PENDING_LOGIN]
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            _warn_if_recovery_code(request, device)
            return redirect(pending["next"] or settings.LOGIN_REDIRECT_URL)
        form.add_error("token", _("That code is not right. Check the time on your phone and try again."))
    return render(request, "accounts/login_otp.html", {"form": form})


def _warn_if_recovery_code(request, device):
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        message = ngettext(
            "You used a recovery code; %(count)d left. Generate new ones from your profile if you run low.",
            "You used a recovery code; %(count)d left. Generate new ones from your profile if you run low.",
            left,
        )
        messages.warning(request, message % {"count": left})


def verify_email(request, token):
    try:
        services.verify_email(token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your email address is confirmed."))
    return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def resend_verification(request):
    if not request.user.is_verified_email:
        if not _email_allowed(request, request.user.email):
            messages.error(request, TOO_MANY_EMAILS)
            return redirect(_next_url(request))
        services.send_verification_email(user=request.user)
        messages.success(request, _("We sent a new link to %(email)s.") % {"email": request.user.email})
    return redirect(_next_url(request))


TOO_MANY_EMAILS = gettext_lazy("Too many emails were asked for: please wait an hour before asking again.")


def _email_allowed(request, email):
    """Reset links and verification emails: limited per client address and per target address."""
    return throttling.allowed(request, email_address=throttling.client_address(request), email_target=email)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not _email_allowed(self.request, form.cleaned_data["email"]):
            form.add_error(None, TOO_MANY_EMAILS)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.unlock_login(user=form.user)  # the reset link proved the address: no need to wait out a lock
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        # Saving the password ended every session and token of the account; this browser goes on
        # under a new session key (Django's update_session_auth_hash), which is tracked again.
        response = super().form_valid(form)
        services.track_login(request=self.request, user=form.user)
        messages.success(self.request, _("Your password is changed. Your other sessions and apps are logged out."))
        return response


# --- Profile and two-factor authentication -------------------------------------------------------


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    context = {
        "form": form,
        "two_factor": services.has_two_factor(request.user),
        "recovery_codes_left": StaticToken.objects.filter(device__user=request.user).count(),
        "disable_form": PasswordConfirmForm(),
    }
    return render(request, "accounts/profile.html", context)


def _qr_svg(data):
    return qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string(encoding="unicode")


@login_required
def two_factor(request):
    """The gate before pages that need a verified session (Django Admin): enrol, or enter a code."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if not services.has_two_factor(request.user):
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': next_url})}")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            _warn_if_recovery_code(request, device)
            return redirect(next_url)
        form.add_error("token", _("That code is not right. Check the time on your phone and try again."))
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url})


@login_required
def two_factor_setup(request):
    """Enrolment: a QR code for a new TOTP secret, confirmed by a first code; recovery codes shown once."""
    next_url = _next_url(request, default="accounts:profile")
    if services.has_two_factor(request.user) and not request.user.is_verified():
        # Replacing a device needs the current one first.
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")
    form = OTPTokenForm(request.POST or None)
    device = services.start_totp_enrolment(user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = services.confirm_totp_enrolment(
                user=request.user, token=form.cleaned_data["token"], request=request
            )
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, confirmed)
            messages.success(request, _("Two-factor authentication is on."))
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_POST
def recovery_codes(request):
    if not (services.has_two_factor(request.user) and request.user.is_verified()):
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': reverse('accounts:profile')})}")
    codes = services.regenerate_recovery_codes(user=request.user)
    messages.success(request, _("New recovery codes: the old ones no longer work."))
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:profile")})


@login_required
@require_POST
def two_factor_disable(request):
    try:
        services.disable_two_factor(user=request.user, password=request.POST.get("password", ""), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:profile")


# --- Sessions and apps ------------------------------------------------------------------------


@login_required
def sessions(request):
    """Where the account is logged in: browser sessions and apps' refresh tokens, each revocable
    (both lists turn pages together)."""
    number = request.GET.get("page")
    sessions_page = Paginator(selectors.login_sessions(request.user), 20).get_page(number)
    tokens_page = Paginator(selectors.live_tokens(request.user), 20).get_page(number)
    context = {
        "sessions": sessions_page,
        "tokens": tokens_page,
        "page": max(sessions_page, tokens_page, key=lambda page: page.paginator.num_pages),
        "current_key": request.session.session_key,
    }
    return render(request, "accounts/sessions.html", context)


def _credential_action(request, action, success):
    try:
        action()
    except NotFound as exc:
        raise Http404(exc.message) from None
    messages.success(request, success)
    return redirect("accounts:sessions")


@login_required
@require_POST
def session_end(request, pk):
    return _credential_action(
        request, lambda: services.end_session(user=request.user, session_id=pk), _("That session is logged out.")
    )


@login_required
@require_POST
def token_revoke(request, pk):
    return _credential_action(
        request, lambda: services.revoke_token(user=request.user, token_id=pk), _("That app is logged out.")
    )


@login_required
@require_POST
def sessions_end_others(request):
    return _credential_action(
        request,
        lambda: services.revoke_access(user=request.user, request=request),
        _("Every other session and app is logged out."),
    )


# --- Organization: dashboard, settings, members, invitations -------------------------------------


@organization_required
@reads_once()
def dashboard(request):
    context = {"membership": selectors.request_membership(request)}
    context.update(where_i_stand(request))
    return render(request, "accounts/dashboard.html", context)


def _managed_organization(request):
    """The current organization, for its owners and admins only (others get a 403 page)."""
    member = selectors.request_membership(request)
    if member is None or not member.can_manage:
        raise PermissionDenied(_("Only the organization's owners and admins can do this."))
    return Organization.objects.get(pk=request.organization.pk), member


@organization_required
def organization_settings(request):
    organization, membership = _managed_organization(request)
    form = OrganizationForm(request.POST or None, instance=organization)
    if membership.role != Membership.Role.OWNER:
        del form.fields["require_two_factor"]  # the owners' decision
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(organization=organization, user=request.user, **form.cleaned_data)
        except DomainError as error:  # e.g. a currency the invoices already pin
            for field, errors in (error.fields or {None: [error.message]}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The organization's settings are saved."))
            return redirect("accounts:organization_settings")
    return render(request, "accounts/organization_settings.html", {"form": form})


@organization_required
def members(request):
    organization = request.organization
    me = selectors.request_membership(request)
    page = Paginator(organization.memberships.select_related("user").order_by("user__email"), 25).get_page(
        request.GET.get("page")
    )
    invitations = organization.invitations.filter(accepted_at__isnull=True).select_related("invited_by") if me.can_manage else []
    context = {
        "page_obj": page,
        "me": me,
        "invitations": invitations,
        "invite_form": InviteForm(),
        "roles": Membership.Role.choices,
    }
    return render(request, "accounts/members.html", context)


def _member_action(request, action, success):
    """Run a members-page action: another organization's member or invitation is a 404; a refused
    action becomes an error message, never a 500."""
    try:
        result = action()
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success(result))
    return redirect("accounts:members")


@organization_required
@require_POST
def member_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address and role."))
        return redirect("accounts:members")
    return _member_action(
        request,
        lambda: services.invite_member(organization=request.organization, invited_by=request.user, **form.cleaned_data),
        lambda invitation: _("We sent an invitation to %(email)s.") % {"email": invitation.email},
    )


@organization_required
@require_POST
def member_role(request, pk):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, admin or member."))
        return redirect("accounts:members")
    return _member_action(
        request,
        lambda: services.change_member_role(
            organization=request.organization, user=request.user, membership_id=pk, **form.cleaned_data
        ),
        lambda member: _("%(email)s is now %(role)s.") % {"email": member.user.email, "role": member.get_role_display().lower()},
    )


@organization_required
@require_POST
def member_remove(request, pk):
    return _member_action(
        request,
        lambda: services.remove_member(organization=request.organization, user=request.user, membership_id=pk),
        lambda user: _("%(email)s no longer belongs to this organization.") % {"email": user.email},
    )


@organization_required
@require_POST
def invitation_revoke(request, pk):
    return _member_action(
        request,
        lambda: services.revoke_invitation(organization=request.organization, user=request.user, invitation_id=pk),
        lambda invitation: _("The invitation is withdrawn."),
    )


def accept_invitation(request, token):
    """New people sign up first; known addresses log in first; then one click joins."""
    try:
        invitation = services.invitation_from_token(token)
    except DomainError as exc:
        return render(request, "accounts/invitation.html", {"error": exc.message}, status=400)
    if not request.user.is_authenticated:
        if User.objects.filter(email__iexact=invitation.email).exists():
            messages.info(
                request,
                _("Log in as %(email)s to join %(organization)s.")
                % {"email": invitation.email, "organization": invitation.organization.name},
            )
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        return redirect(f"{reverse('accounts:signup')}?{urlencode({'invitation': token})}")
    if request.method == "POST":
        return _accept(request, token)
    return render(request, "accounts/invitation.html", {"invitation": invitation})


def _accept(request, token):
    try:
        organization = services.accept_invitation(token=token, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:dashboard")
    services.switch_organization(request=request, user=request.user, organization_id=organization.pk)
    messages.success(request, _("Welcome to %(organization)s!") % {"organization": organization.name})
    return redirect("accounts:dashboard")


@login_required
@require_POST
def switch_organization(request):
    form = SwitchOrganizationForm(request.POST)
    if form.is_valid():
        try:
            org = services.switch_organization(
                request=request, user=request.user, organization_id=form.cleaned_data["organization"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You are now working in %(organization)s.") % {"organization": org.name})
    return redirect("accounts:dashboard")


@require_POST
def set_language(request):
    """The language switcher: Django's cookie for everyone, and the user's own setting, which wins
    over the cookie (accounts.middleware.PreferencesMiddleware), for a signed-in user."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_language(user=request.user, locale=language)
    return response
