"""Shop pages: home, catalog (search, filters, sort, pagination in the URL, updated in place
with htmx), product, cart, checkout, and the customer's orders with their downloads."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.forms import BillingIdentityForm
from billing.selectors import invoice_for, pay_url, payments_simulated
from catalog import cache as catalog_cache
from catalog import selectors, services
from catalog.filters import ProductFilter
from catalog.models import Order, Product
from core.errors import DomainError, NotFound
from core.search import CappedPaginator
from core.views import domain_errors_to_messages, organization_required

PAGE_SIZE = 12


def _organization(request):
    return request.organization if request.user.is_authenticated and request.organization else None


def _currency(request):
    return selectors.shop_currency(request, _organization(request))


def _cart(request, create=False):
    return services.cart_for_request(request, organization=_organization(request), create=create)


def home(request):
    currency = _currency(request)
    signed_in = request.user.is_authenticated

    def context():
        return {
            "featured": selectors.featured_products(currency=currency),
            "categories": selectors.categories(),
            "currency": currency,
            "signed_in": signed_in,
        }

    return _shop_page(request, ("home", currency, signed_in), "catalog/home.html", "catalog/_home.html", context)


def _shop_page(request, parts, template, content_template, context):
    """A shop page whose content is the visitor cache's: a visitor with nothing of their own on the
    page (no account, no cart, no message waiting) gets the whole page from the cache too."""
    if _plain_visitor(request):
        return catalog_cache.page(
            request,
            (*parts, payments_simulated()),  # the layout's test-mode banner
            template,
            lambda token: catalog_cache.fragment(request, parts, content_template, context, token=token),
        )
    return render(request, template, {"content": catalog_cache.fragment(request, parts, content_template, context)})


def _plain_visitor(request):
    """Nothing on the page is this visitor's own: no account, no cart in the session (the header
    counts it), no message waiting to be shown."""
    return not request.user.is_authenticated and not request.session.get(services.SESSION_CART) and not len(get_messages(request))


def catalog(request):
    """The shop: what a query shows is the same for everyone in a currency and language, so the
    page's content comes from the visitor cache; only the layout around it is per person."""
    currency = _currency(request)
    member = _organization(request) is not None
    partial = bool(request.htmx and request.htmx.target == "results")

    def context():
        filterset = ProductFilter(request.GET, queryset=selectors.products(currency=currency), currency=currency)
        valid = filterset.is_valid()
        products = filterset.qs if valid else Product.objects.none()
        page = CappedPaginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
        corrected = filterset.corrected() if valid and not page.paginator.count else None
        if corrected:  # a typo: the results of the corrected query, said on the page
            filterset = corrected
            page = CappedPaginator(corrected.qs, PAGE_SIZE).get_page(1)
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("currency", None)  # remembered in the session
        return {
            "filter": filterset,
            "page": page,
            "products": page.object_list,
            "currency": currency,
            "member": member,
            "querystring": query.urlencode(),
            "filtered": any(value for key, value in query.items() if key != "ordering"),
            "categories": selectors.categories(),
            "currencies": settings.SUPPORTED_CURRENCIES,
        }

    parts = ("catalog", currency, member, partial, catalog_cache.query_parts(request, ignore={"currency"}))
    if partial:
        return HttpResponse(catalog_cache.fragment(request, parts, "catalog/_results.html", context))
    return _shop_page(request, parts, "catalog/catalog.html", "catalog/_catalog.html", context)


def product_detail(request, slug):
    currency = _currency(request)
    try:
        product = selectors.product(slug=slug, currency=currency)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "catalog/product_detail.html", {"product": product, "currency": currency})


# --- cart --------------------------------------------------------------------------------------


def cart(request):
    currency = _currency(request)
    totals, unavailable = selectors.cart_totals(cart=_cart(request), currency=currency, organization=_organization(request))
    return render(request, "catalog/cart.html", {"totals": totals, "unavailable": unavailable, "currency": currency})


@require_POST
@domain_errors_to_messages
def cart_add(request):
    """Add to the cart: a page redirects to the cart; htmx (a product card) gets a line of status."""
    try:
        item = services.add_item(
            cart=_cart(request, create=True),
            product_slug=request.POST.get("product", ""),
            quantity=request.POST.get("quantity", "1"),
            brief=request.POST.get("brief", ""),
            currency=_currency(request),
        )
    except DomainError as exc:
        if not request.htmx:
            raise
        return render(request, "catalog/_cart_added.html", {"error": exc.message})
    if request.htmx:
        return render(request, "catalog/_cart_added.html", {"item": item, "count": selectors.cart_quantity(item.cart)})
    messages.success(request, _("%(product)s is in your cart.") % {"product": item.product.name})
    return redirect("catalog:cart")


@require_POST
@domain_errors_to_messages
def cart_update(request, item_id):
    services.set_quantity(cart=_cart(request), item_id=item_id, quantity=request.POST.get("quantity", ""))
    return redirect("catalog:cart")


@require_POST
@domain_errors_to_messages
def cart_remove(request, item_id):
    services.remove_item(cart=_cart(request), item_id=item_id)
    return redirect("catalog:cart")


@require_POST
@domain_errors_to_messages
def coupon_apply(request):
    check = services.apply_coupon(
        cart=_cart(request), code=request.POST.get("code", ""), organization=_organization(request), currency=_currency(request)
    )
    messages.success(request, check.message)
    return redirect("catalog:cart")


@require_POST
def coupon_remove(request):
    services.remove_coupon(cart=_cart(request))
    return redirect("catalog:cart")


@require_POST
def cart_clear(request):
    services.clear_cart(cart=_cart(request))
    messages.success(request, _("Your cart is empty."))
    return redirect("catalog:cart")


# --- checkout and orders -----------------------------------------------------------------------


class CheckoutForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=Order.PaymentMethod.choices, widget=forms.RadioSelect, initial="card"
    )
    # The total the customer saw: if prices changed meanwhile, the order is not placed.
    expected_total = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, currency, **kwargs):
        super().__init__(*args, **kwargs)
        offered = services.payment_methods_for(currency)
        self.fields["payment_method"].choices = [c for c in Order.PaymentMethod.choices if c[0] in offered]


@organization_required
def checkout(request):
    organization = request.organization
    cart = _cart(request)
    totals, unavailable = selectors.cart_totals(cart=cart, currency=organization.currency, organization=organization)
    if not totals.lines and not unavailable:
        messages.info(request, _("Your cart is empty: add something first."))
        return redirect("catalog:catalog")
    form = CheckoutForm(request.POST or None, initial={"expected_total": totals.total}, currency=organization.currency)
    # The organization's billing identity, the form of its settings: what is typed is what the invoice says.
    identity = BillingIdentityForm(request.POST or None, initial=services.billing_defaults(organization))
    if request.method == "POST" and form.is_valid() and identity.is_valid():
        data = form.cleaned_data
        try:
            order = services.checkout(
                cart=cart,
                organization=organization,
                user=request.user,
                billing=identity.cleaned_data,
                payment_method=data["payment_method"],
                expected_total=data["expected_total"],
            )
        except DomainError as exc:
            for field, errors in (exc.fields or {}).items():
                if field in identity.fields:
                    identity.add_error(field, errors)
            messages.error(request, exc.message)
            if not identity.errors:
                return redirect("catalog:checkout")
            return render(request, "catalog/checkout.html", _checkout_context(form, identity, totals, unavailable, organization))
        messages.success(request, _("Order %(number)s is placed: pay its invoice to receive it.") % {"number": order.number})
        return redirect(pay_url(invoice_for(organization=organization, pk=order.invoice_id), method=order.payment_method))
    return render(request, "catalog/checkout.html", _checkout_context(form, identity, totals, unavailable, organization))


def _checkout_context(form, identity, totals, unavailable, organization):
    return {"form": form, "identity": identity, "totals": totals, "unavailable": unavailable, "currency": organization.currency}


@organization_required
def order_list(request):
    page = Paginator(selectors.orders_for(organization=request.organization), 20).get_page(request.GET.get("page"))
    return render(request, "catalog/order_list.html", {"page": page, "orders": page.object_list})


def _order(request, pk):
    try:
        return selectors.order_for(organization=request.organization, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@organization_required
def order_detail(request, pk):
    order = _order(request, pk)
    invoice = None
    if order.invoice_id:
        invoice = invoice_for(organization=request.organization, pk=order.invoice_id)
    return render(
        request,
        "catalog/order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "vat_by_rate": selectors.order_totals_vat_by_rate(order),
            "invoice": invoice,
            "pay_url": pay_url(invoice, method=order.payment_method) if invoice else "",
            "pending": order.status == order.Status.PENDING,
        },
    )


@require_POST
@organization_required
@domain_errors_to_messages
def order_cancel(request, pk):
    order = services.request_cancel(order=_order(request, pk), reason=_("Canceled by the customer"), user=request.user)
    messages.success(request, _("Order %(number)s is canceled.") % {"number": order.number})
    return redirect("catalog:order_detail", pk=order.pk)


@organization_required
def download(request, pk, line_id):
    """A digital product's file, for the organization that bought it, once the order is fulfilled."""
    order = _order(request, pk)
    line = next((line for line in order.lines.all() if line.pk == line_id and line.kind == Product.Kind.DIGITAL), None)
    if line is None or not order.is_downloadable or not line.product.download:
        raise Http404(_("No download here."))
    name = line.product.download.name
    return FileResponse(default_storage.open(name), as_attachment=True, filename=name.rsplit("/", 1)[-1])
