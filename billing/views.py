"""Customer pages: pricing (public), billing overview, subscription, invoices and their PDFs."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import membership
from billing import conf, payments, providers, recurring, selectors, services
from billing.forms import CancelForm, InvoiceFilterForm, PayForm, PaymentMethodForm, PlanChoiceForm, SubscribeForm
from billing.models import MethodKind, Payment, PaymentMethod
from billing.models.payments import MOBILE_MONEY_CURRENCIES
from billing.pricing import vat_breakdown
from billing.providers.sandbox import documented_cards, documented_phones
from core.errors import DomainError, Forbidden, ValidationFailed
from core.formats import format_date
from core.money import format_money, shown_currency
from core.views import domain_errors_to_messages, organization_required


def _require_manager(request):
    member = membership(request.user, request.organization)
    if not (member and member.can_manage):
        raise PermissionDenied(_("Only owners and admins manage the subscription."))


def _managed_subscription(request):
    """The live subscription an owner or admin acts on; without one, a clear message."""
    _require_manager(request)
    current = selectors.live_subscription(organization=request.organization)
    if current is None:
        raise ValidationFailed(_("You have no subscription yet."), code="no_subscription")
    return current


def _first_error(form):
    return next(iter(form.errors.values()))[0]


def pricing(request):
    org = request.organization if request.user.is_authenticated and request.organization else None
    currency = shown_currency(request, org)  # a visitor sees the currency they chose in the shop
    plans = list(selectors.plans_for_sale(currency=currency))
    for plan in plans:
        plan.display_price = plan.price_in(currency)
    subscription = selectors.live_subscription(organization=org) if org else None
    return render(
        request,
        "billing/pricing.html",
        {
            "monthly": [p for p in plans if p.interval == "month"],
            "yearly": [p for p in plans if p.interval == "year"],
            "currency": currency,
            "subscription": subscription,
            "trial_used": bool(org) and selectors.trial_used(organization=org),
        },
    )


@organization_required
def overview(request):
    org = request.organization
    open_invoices, recent_invoices = selectors.open_and_recent_invoices(organization=org)
    return render(
        request,
        "billing/overview.html",
        {
            "balances": {c: a for c, a in selectors.balances_for(organization=org).items() if a},
            "subscription": selectors.request_live_subscription(request),
            "pending_charges": selectors.pending_charges_for(organization=org),
            "invoices": recent_invoices,
            "methods": PaymentMethod.objects.filter(organization=org)[:5],
            "payments": Payment.objects.filter(organization=org).select_related("invoice")[:5],
            "open_invoices": open_invoices,
        },
    )


@organization_required
def subscription(request):
    org = request.organization
    current = selectors.request_live_subscription(request)
    plans = list(selectors.plans_for_sale(currency=org.currency))
    for plan in plans:
        plan.display_price = plan.price_in(org.currency)
    return render(
        request,
        "billing/subscription.html",
        {
            "subscription": current,
            "pending_charges": selectors.pending_charges_for(organization=org),
            "plans": plans,
            "trial_used": selectors.trial_used(organization=org),
            "history": selectors.subscriptions_for(organization=org)[:10],
            "calendar_billing": selectors.calendar_billing(organization=org),
        },
    )


@require_POST
@organization_required
@domain_errors_to_messages
def billing_settings(request):
    _require_manager(request)
    enabled = request.POST.get("calendar_billing") == "on"
    services.set_calendar_billing(organization=request.organization, enabled=enabled)
    messages.success(
        request,
        _("Monthly plans are now billed on the 1st of the month.")
        if enabled
        else _("Plans are billed on their anniversary date."),
    )
    return redirect("billing:subscription")


def _plan_from(request, form_class=None):
    form = (form_class or PlanChoiceForm)(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_first_error(form))
    return form.cleaned_data


@require_POST
@organization_required
@domain_errors_to_messages
def subscribe(request):
    _require_manager(request)
    data = _plan_from(request, SubscribeForm)
    services.subscribe(
        organization=request.organization,
        plan=data["plan"],
        trial=data["trial"],
        user=request.user,
        coupon_code=data["coupon_code"],
    )
    messages.success(request, _("You are now on the %(plan)s plan.") % {"plan": data["plan"]})
    return redirect("billing:subscription")


def _subscription_to_change(request):
    _require_manager(request)
    current = selectors.live_subscription(organization=request.organization)
    if current is None:
        raise ValidationFailed(_("Choose a plan on the pricing page first."), code="no_subscription")
    return current


@organization_required
@domain_errors_to_messages
def change_plan_preview(request):
    """What a plan change does, with the invoice it issues, before the customer confirms it."""
    current = _subscription_to_change(request)
    form = PlanChoiceForm(request.GET)
    if not form.is_valid():
        raise ValidationFailed(_first_error(form))
    change = services.preview_plan_change(subscription=current, plan=form.cleaned_data["plan"])
    return render(request, "billing/change_plan.html", {"change": change, "subscription": current})


@require_POST
@organization_required
@domain_errors_to_messages
def change_plan(request):
    current = _subscription_to_change(request)
    plan = _plan_from(request)["plan"]
    current, invoice = recurring.change_plan(subscription=current, plan=plan, user=request.user)
    if current.scheduled_plan_id:
        messages.success(
            request,
            _("You will move to %(plan)s on %(date)s. You can keep your current plan until then.")
            % {"plan": plan.name, "date": format_date(current.current_period_end)},
        )
    elif current.pending_invoice_id:
        if invoice.payments.filter(status__in=Payment.IN_FLIGHT).exists():
            messages.info(
                request,
                _("Your payment of invoice %(number)s is being confirmed: %(plan)s starts as soon as it is.")
                % {"number": invoice.number, "plan": plan.name},
            )
            return redirect(selectors.invoice_url(invoice))
        messages.info(
            request,
            _("Pay invoice %(number)s to start the %(plan)s plan.") % {"number": invoice.number, "plan": plan.name},
        )
        return redirect(selectors.pay_url(invoice))
    else:
        messages.success(request, _("You are now on the %(plan)s plan.") % {"plan": plan.name})
    return redirect("billing:subscription")


@require_POST
@organization_required
@domain_errors_to_messages
def undo_plan_change(request):
    current = _subscription_to_change(request)
    services.undo_plan_change(subscription=current, user=request.user)
    messages.success(request, _("You keep your %(plan)s plan.") % {"plan": current.plan.name})
    return redirect("billing:subscription")


@require_POST
@organization_required
@domain_errors_to_messages
def cancel(request):
    current = _managed_subscription(request)
    form = CancelForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_first_error(form))
    at_period_end = form.cleaned_data["when"] == "period_end"
    current = services.cancel_subscription(subscription=current, at_period_end=at_period_end)
    if at_period_end:
        text = _("Your subscription ends on %(date)s; until then nothing changes.") % {
            "date": format_date(current.current_period_end)
        }
    else:
        text = _("Your subscription has ended.")
    messages.success(request, text)
    return redirect("billing:subscription")


@require_POST
@organization_required
@domain_errors_to_messages
def restart(request):
    """A trial suspended at its end starts its first paid period (see recurring.restart_after_trial)."""
    current = _managed_subscription(request)
    current, invoice = recurring.restart_after_trial(subscription=current, user=request.user)
    if current.status == current.Status.ACTIVE:
        messages.success(request, _("Welcome back: your %(plan)s subscription is active.") % {"plan": current.plan})
        return redirect("billing:subscription")
    if invoice.payments.filter(status__in=Payment.IN_FLIGHT).exists():
        messages.info(
            request,
            _("Your payment of invoice %(number)s is being confirmed: your subscription starts as soon as it is.")
            % {"number": invoice.number},
        )
        return redirect(selectors.invoice_url(invoice))
    messages.info(
        request,
        _("Pay invoice %(number)s to start your %(plan)s subscription.") % {"number": invoice.number, "plan": current.plan},
    )
    return redirect(selectors.pay_url(invoice))


@require_POST
@organization_required
@domain_errors_to_messages
def resume(request):
    current = _managed_subscription(request)
    services.resume_subscription(subscription=current)
    messages.success(request, _("Your subscription will continue."))
    return redirect("billing:subscription")


@organization_required
def invoice_list(request):
    form = InvoiceFilterForm(request.GET)
    invoices = selectors.invoices_for(organization=request.organization)
    if form.is_valid() and form.cleaned_data["status"]:
        invoices = invoices.filter(status=form.cleaned_data["status"])
    page = Paginator(invoices, 20).get_page(request.GET.get("page"))
    querystring = f"status={form.cleaned_data['status']}" if form.is_valid() and form.cleaned_data["status"] else ""
    return render(request, "billing/invoice_list.html", {"page": page, "form": form, "querystring": querystring})


def _own(getter, request, pk):
    try:
        return getter(organization=request.organization, pk=pk)
    except DomainError:
        raise Http404 from None


@organization_required
def balance(request):
    org = request.organization
    page = Paginator(selectors.balance_entries_for(organization=org), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/balance.html",
        {"balances": selectors.balances_for(organization=org), "page": page, "organization_currency": org.currency},
    )


@require_POST
@organization_required
@domain_errors_to_messages
def invoice_apply_balance(request, pk):
    invoice = _own(selectors.invoice_for, request, pk)
    applied = services.apply_balance(organization=request.organization, invoice=invoice, user=request.user)
    messages.success(
        request,
        _("%(amount)s of your balance paid invoice %(number)s.")
        % {"amount": format_money(applied, invoice.currency, get_language()), "number": invoice.number},
    )
    return redirect("billing:invoice_detail", pk=invoice.pk)


@organization_required
def invoice_detail(request, pk):
    invoice = _own(selectors.invoice_for, request, pk)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "balance": selectors.balance_for(organization=request.organization, currency=invoice.currency),
            "lines": invoice.lines.all(),
            "vat_breakdown": vat_breakdown(invoice.lines.all()),
            "credit_notes": invoice.credit_notes.all(),
        },
    )


def _pdf_response(document):
    if not document.pdf_file or not default_storage.exists(document.pdf_file):
        raise Http404(_("The PDF is being prepared: try again in a minute."))
    return FileResponse(
        default_storage.open(document.pdf_file, "rb"), content_type="application/pdf", filename=f"{document.number}.pdf"
    )


@organization_required
def invoice_pdf(request, pk):
    return _pdf_response(_own(selectors.invoice_for, request, pk))


@organization_required
def credit_note_pdf(request, pk):
    return _pdf_response(_own(selectors.credit_note_for, request, pk))


# --- Payments ------------------------------------------------------------------------------------


def _provider_details(data):
    details = {key: data[key] for key in ("card_number", "phone", "operator") if data.get(key)}
    if data.get("stripe_payment_method"):
        details["payment_method"] = data["stripe_payment_method"]
    return details


@organization_required
@domain_errors_to_messages
def invoice_pay(request, pk):
    """The pay page. `?method=mobile_money` (checkout's choice) preselects how to pay."""
    invoice = _own(selectors.invoice_for, request, pk)
    org = request.organization
    methods = list(PaymentMethod.objects.filter(organization=org))
    offered = _providers_for(invoice.currency)
    mobile_money = invoice.currency in MOBILE_MONEY_CURRENCIES
    member = membership(request.user, org)
    can_save = bool(member and member.can_manage)
    form = PayForm(
        request.POST or None,
        providers=offered,
        methods=methods,
        can_save=can_save,
        mobile_money=mobile_money,
        chosen=request.GET.get("method", ""),
    )
    if request.method == "POST":
        if not can_save and request.POST.get("save_method"):
            raise Forbidden(_("Only the organization's owners and admins can save a payment method."))
        if not form.is_valid():
            raise ValidationFailed(_first_error(form))
        data = form.cleaned_data
        method = selectors.method_for(organization=org, pk=data["payment_method"]) if data["payment_method"] else None
        payment, _replayed = payments.pay_invoice(
            organization=org,
            invoice=invoice,
            provider=data["provider"],
            method_kind=MethodKind.MOBILE_MONEY if data.get("method") == MethodKind.MOBILE_MONEY else "",
            payment_method=method,
            details=_provider_details(data),
            idempotency_key=request.POST.get("idempotency_key", "")[:120],
            user=request.user,
            save_method=bool(data.get("save_method")),
        )
        return redirect(payment.next_action_url or reverse("billing:payment_detail", args=[payment.pk]))
    sandbox = any(p.test_mode for p in offered)
    return render(
        request,
        "billing/invoice_pay.html",
        {
            "invoice": invoice,
            "form": form,
            "methods": methods,
            "providers": offered,
            "mobile_money": mobile_money,
            "sandbox": sandbox,
            "test_cards": documented_cards() if sandbox else [],
            "test_phones": documented_phones() if sandbox and mobile_money else [],
            "idempotency_key": uuid.uuid4().hex,
            "stripe_key": _stripe_key(),
            "in_flight": invoice.payments.filter(status__in=Payment.IN_FLIGHT).first(),
        },
    )


def _providers_for(currency):
    """The providers that can take this currency: mobile money only where it runs (XOF)."""
    return [p for p in providers.enabled() if p.name != "mobile_money" or currency in MOBILE_MONEY_CURRENCIES]


def _source_link(invoice):
    """Where the paid thing lives, for the page that says the payment succeeded."""
    links = {
        "order": (lambda: reverse("catalog:order_detail", args=[invoice.source_id]), _("See the order")),
        "subscription": (lambda: reverse("billing:subscription"), _("See the subscription")),
        "addon": (lambda: reverse("usage:dashboard"), _("See your add-ons")),
    }
    if invoice.source_type not in links or not invoice.source_id:
        return {}
    url, label = links[invoice.source_type]
    return {"source_url": url(), "source_label": label}


def _stripe_key():
    """The publishable key, when Stripe is offered: the pay page then loads Stripe.js for cards."""
    return conf.STRIPE_PUBLISHABLE_KEY if "stripe" in conf.PAYMENT_PROVIDERS else ""


@organization_required
def payment_list(request):
    page = Paginator(Payment.objects.filter(organization=request.organization).select_related("invoice"), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "billing/payment_list.html", {"page": page})


@organization_required
def payment_detail(request, pk):
    payment = _own(selectors.payment_for, request, pk)
    template = "billing/partials/payment_status.html" if request.htmx else "billing/payment_detail.html"
    return render(request, template, {"payment": payment, "invoice": payment.invoice, **_source_link(payment.invoice)})


@require_POST
@organization_required
@domain_errors_to_messages
def payment_cancel(request, pk):
    payment = payments.cancel_payment(payment=_own(selectors.payment_for, request, pk))
    messages.success(request, _("The payment is canceled.") if payment.status == "canceled" else _("Cancellation requested."))
    return redirect("billing:payment_detail", pk=payment.pk)


@organization_required
@domain_errors_to_messages
def sandbox_confirm(request, pk):
    """The sandbox's second confirmation step (like 3-D Secure), clearly a test page."""
    payment = _own(selectors.payment_for, request, pk)
    if payment.provider != "sandbox":
        raise Http404
    if request.method == "POST":
        payments.confirm_payment(payment=payment, details={"approve": request.POST.get("decision") == "approve"})
        return redirect("billing:payment_detail", pk=payment.pk)
    return render(request, "billing/sandbox_confirm.html", {"payment": payment})


@organization_required
@domain_errors_to_messages
def payment_methods(request):
    org = request.organization
    form = PaymentMethodForm(request.POST or None, providers=providers.enabled())
    if request.method == "POST":
        _require_manager(request)
        if not form.is_valid():
            raise ValidationFailed(_first_error(form))
        method = payments.add_payment_method(
            organization=org, provider=form.cleaned_data["provider"], details=_provider_details(form.cleaned_data)
        )
        messages.success(request, _("%(method)s saved.") % {"method": method.label})
        return redirect("billing:payment_methods")
    return render(
        request,
        "billing/payment_methods.html",
        {
            "methods": PaymentMethod.objects.filter(organization=org),
            "form": form,
            "test_cards": documented_cards(),
            "test_phones": documented_phones() if org.currency in MOBILE_MONEY_CURRENCIES else [],
            "sandbox": any(p.test_mode for p in providers.enabled()),
            "mobile_money": org.currency in MOBILE_MONEY_CURRENCIES,
        },
    )


@require_POST
@organization_required
@domain_errors_to_messages
def payment_method_action(request, pk, action):
    _require_manager(request)
    method = _own(selectors.method_for, request, pk)
    if action == "default":
        payments.set_default_payment_method(method=method)
        messages.success(request, _("%(method)s is now the default.") % {"method": method.label})
    else:
        payments.remove_payment_method(method=method)
        messages.success(request, _("%(method)s removed.") % {"method": method.label})
    return redirect("billing:payment_methods")
