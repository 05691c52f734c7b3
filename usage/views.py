"""The usage dashboard: bars per metric, projection, 12-month chart, add-ons, CSV export."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.selectors import invoice_for, pay_url, request_live_subscription
from core.errors import NotFound, ValidationFailed
from core.formats import format_date, format_month
from core.reads import reads_once
from core.views import domain_errors_to_messages, organization_required
from usage import selectors, services
from usage.forms import PurchaseForm
from usage.models import Metric

CHART_METRICS = (Metric.TRAFFIC_BYTES, Metric.STORAGE_BYTES, Metric.GENERATION_CREDITS, Metric.API_REQUESTS)


def _chart(history):
    bytes_unit = _("GB")
    return {
        "labels": [format_month(row["month"], length="short") for row in history],
        "bytes_unit": bytes_unit,
        "datasets": [
            {
                "metric": metric,
                "bytes": metric in selectors.BYTE_METRICS,
                "label": f"{Metric(metric).label} ({bytes_unit})" if metric in selectors.BYTE_METRICS else Metric(metric).label,
                "data": [round(row[metric] / 1024**3, 3) if metric in selectors.BYTE_METRICS else row[metric] for row in history],
            }
            for metric in CHART_METRICS
        ],
    }


def _reads(request):
    """The request's UsageReads, on the live subscription the billing banner reuses."""
    return selectors.UsageReads(organization=request.organization, subscription=request_live_subscription(request))


@organization_required
@reads_once()
def dashboard(request):
    org = request.organization
    reads = _reads(request)
    purchases = Paginator(selectors.purchases_for(organization=org), 10).get_page(request.GET.get("page"))
    context = {
        "summary": reads.summary(),
        "month": reads.month,
        "chart": _chart(reads.history()),
        "page": purchases,
        "offers": reads.offers(),
        "form": PurchaseForm(),
    }
    return render(request, "usage/dashboard.html", context)


@organization_required
@reads_once()
def metrics(request):
    """The bars alone, polled by the dashboard so it moves while the customer works."""
    return render(request, "usage/_metrics.html", {"summary": _reads(request).summary()})


@require_POST
@organization_required
@domain_errors_to_messages
def purchase(request):
    form = PurchaseForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ValidationFailed(_("%(field)s: %(error)s") % {"field": form.fields[field].label, "error": errors[0]})
    _purchase, invoice = services.purchase_addon(organization=request.organization, user=request.user, **form.cleaned_data)
    messages.success(request, _("Your add-on is reserved: pay its invoice to activate it."))
    return redirect(pay_url(invoice))


def _purchase_or_404(request, pk):
    try:
        return selectors.purchase_for(organization=request.organization, pk=pk)
    except NotFound:
        raise Http404(_("No such add-on.")) from None


@organization_required
@domain_errors_to_messages
def pay(request, pk):
    """A pending add-on's invoice, on billing's payment page."""
    purchase = _purchase_or_404(request, pk)
    if purchase.invoice_id is None:
        raise ValidationFailed(_("This add-on has no invoice to pay."))
    return redirect(pay_url(invoice_for(organization=request.organization, pk=purchase.invoice_id)))


@require_POST
@organization_required
@domain_errors_to_messages
def cancel(request, pk):
    _purchase_or_404(request, pk)
    purchase = services.cancel_addon(organization=request.organization, pk=pk, user=request.user)
    if purchase.status == purchase.Status.ACTIVE:
        values = {"addon": purchase.addon_type.label(), "date": format_date(purchase.expires_at)}
        messages.success(request, _("%(addon)s will not renew; it stays until %(date)s.") % values)
    else:
        messages.success(request, _("%(addon)s canceled; its invoice is voided.") % {"addon": purchase.addon_type.label()})
    return redirect("usage:dashboard")


@organization_required
def export_csv(request):
    """Every recorded month and metric, as CSV."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{request.organization.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["month", "metric", "value"])
    for record in selectors.history_records(organization=request.organization).iterator():
        writer.writerow([record.month.strftime("%Y-%m"), record.metric, record.value])
    return response
