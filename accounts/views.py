from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import EmailAuthenticationForm, SignupForm, SwitchOrganizationForm
from core.errors import DomainError
from core.views import organization_required


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_user(**form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to WeBox! We sent you a link to confirm your email address.")
            return redirect("accounts:dashboard")
    return render(request, "accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def verify_email(request, token):
    try:
        services.verify_email(token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Thank you: your email address is confirmed.")
    return redirect("accounts:dashboard" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def resend_verification(request):
    if not request.user.is_verified_email:
        services.send_verification_email(user=request.user)
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect(request.META.get("HTTP_REFERER") or "accounts:dashboard")


@organization_required
def dashboard(request):
    return render(request, "accounts/dashboard.html")


@login_required
def profile(request):
    return render(request, "accounts/profile.html")


@login_required
@require_POST
def switch_organization(request):
    form = SwitchOrganizationForm(request.POST)
    if form.is_valid():
        try:
            org = services.switch_organization(request=request, user=request.user, organization_id=form.cleaned_data["organization"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"You are now working in {org.name}.")
    return redirect("accounts:dashboard")
