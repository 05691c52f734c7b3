"""Reads of the storefront: products with their price in one currency, search, carts, orders."""

from dataclasses import replace

from django.db.models import F
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from catalog.models import PRICE_COLUMNS, Cart, CartItem, Category, Order, Product
from catalog.pricing import PricedLine, Totals, allocate_discount
from core import search as core_search
from core.errors import NotFound
from core.money import check_currency, shown_currency
from coupons import selectors as coupon_selectors
from coupons import services as coupon_services


def shop_currency(request, organization=None):
    """The currency the shop shows and charges in (core.money.shown_currency: the pricing page agrees)."""
    return shown_currency(request, organization)


def price_column(currency):
    check_currency(currency)
    return PRICE_COLUMNS[currency]


def products(*, currency):
    """Active products that have a price in `currency`, annotated with it as `price`."""
    column = price_column(currency)
    return (
        Product.objects.filter(is_active=True, **{f"{column}__isnull": False})
        .annotate(price=F(column))
        .select_related("category", "category__parent")
    )


def product(*, slug, currency):
    found = products(currency=currency).filter(slug=slug).first()
    if found is None:
        raise NotFound(_("This product does not exist or is not sold in this currency."), code="product_not_found")
    return found


def featured_products(*, currency, limit=8):
    return products(currency=currency).filter(is_featured=True).order_by("-popularity", "pk")[:limit]


def product_choices():
    """[(slug, name)] of every product, on sale or not (a coupon's scope names products by slug)."""
    return list(Product.objects.order_by("name", "slug").values_list("slug", "name"))


def category_choices():
    """[(slug, name)] of every category (a coupon's scope names categories by slug)."""
    return list(Category.objects.order_by("name", "slug").values_list("slug", "name"))


def categories():
    """Top-level categories, each with its `subcategories` (one query whatever their number)."""
    rows = list(Category.objects.order_by("ordering", "name"))
    tops = {category.pk: category for category in rows if not category.parent_id}
    for top in tops.values():
        top.subcategories = []
    for child in rows:
        if child.parent_id in tops:
            child.parent = tops[child.parent_id]
            child.parent.subcategories.append(child)
    return list(tops.values())


def search(queryset, text):
    """Products matching every word of `text`, annotated with a `rank` (higher is better):
    core.search says how, per database."""
    return core_search.match(queryset, core_search.words(text))


def corrected_search(text):
    """`text` with its typos corrected (core.search.suggest), or None: for a search that found nothing."""
    corrected = core_search.suggest(core_search.words(text))
    return " ".join(corrected) if corrected else None


# --- carts -------------------------------------------------------------------------------------


def cart_totals(*, cart, currency, organization):
    """The cart priced now, in `currency`: (Totals, unavailable items). Prices always come from
    the database at the time of the call; an item whose product was withdrawn or has no price in
    the currency is listed apart and left out of the totals. A promo code is checked again by the
    coupons app against this cart and `organization` (None for a visitor): its discount is spread
    over the lines, or its refusal is in `Totals.coupon`."""
    if cart is None or cart.pk is None:
        return Totals(currency=currency), []
    items = (
        CartItem.objects.filter(cart=cart)
        .select_related("product", "product__category__parent")
        .annotate(unit_amount=F(f"product__{price_column(currency)}"))
    )
    lines, unavailable = [], []
    for item in items:
        if item.unit_amount is None or not item.product.is_active:
            unavailable.append(item)
            continue
        lines.append(
            PricedLine(
                product=item.product,
                quantity=item.quantity,
                unit_amount=item.unit_amount,
                vat_rate=item.product.vat_rate,
                item_id=item.pk,
                brief=item.brief,
            )
        )
    coupon = None
    if cart.coupon_code and lines:
        coupon = check_coupon(code=cart.coupon_code, lines=lines, currency=currency, organization=organization)
        if coupon.valid:
            lines = allocate_discount(coupon.discount, lines, eligible=coupon_covers(cart.coupon_code))
    if organization:
        lines = buyer_vat(organization, lines)
    return Totals(currency=currency, lines=lines, coupon=coupon), unavailable


def buyer_vat(organization, lines):
    """`lines` (at the products' French rates) with the VAT the organization's invoice will charge:
    billing decides it from the buyer."""
    rates = billing_selectors.vat_rates(organization=organization, lines=[(line.vat_rate, line.taxable) for line in lines])
    return [replace(line, vat_rate=rate) for line, rate in zip(lines, rates, strict=True)]


def _categories_of(product):
    """A product's category slug and its parent's: a coupon for a category covers its sub-categories."""
    category = product.category
    return {category.slug, category.parent.slug} if category.parent_id else {category.slug}


def coupon_refs(lines):
    """What a promo code may be limited to: the cart's product slugs and category slugs (a
    sub-category's parent included)."""
    products = sorted({line.product.slug for line in lines})
    categories = set().union(*(_categories_of(line.product) for line in lines))
    return products, sorted(categories)


def coupon_covers(code):
    """A predicate on cart lines: whether the promo code discounts the line's product."""
    scope = coupon_selectors.scope_of(code=code)
    return lambda line: scope.covers(product_ref=line.product.slug, category_refs=_categories_of(line.product))


def coupon_base(code, lines):
    """The amount a promo code discounts: the lines it covers (all lines when it covers none, so
    that validation refuses it with its reason)."""
    covers = coupon_covers(code)
    covered = [line for line in lines if covers(line)] or lines
    return sum(line.subtotal for line in covered)


def check_coupon(*, code, lines, currency, organization):
    products, categories = coupon_refs(lines)
    return coupon_services.validate(
        code=code, organization=organization, amount=coupon_base(code, lines), currency=currency,
        product_refs=products, category_refs=categories,
    )  # fmt: skip


def user_cart(*, organization, user):
    return Cart.objects.filter(organization=organization, user=user).first()


def cart_quantity(cart):
    if cart is None:
        return 0
    return sum(cart.items.values_list("quantity", flat=True))


# --- orders ------------------------------------------------------------------------------------


def paid_checkout_count():
    """How many checkouts were paid, across the shop (the base of a promo code's share)."""
    return Order.objects.filter(status__in=[Order.Status.PAID, Order.Status.FULFILLED, Order.Status.REFUNDED]).count()


def orders_for(*, organization):
    return Order.objects.filter(organization=organization).order_by("-created_at", "-pk")


def order_for(*, organization, pk):
    order = orders_for(organization=organization).filter(pk=pk).prefetch_related("lines").first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order


def order_totals_vat_by_rate(order):
    """[(rate, base, vat)] of a placed order, from its frozen lines."""
    lines = [
        PricedLine(
            product=None,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            vat_rate=line.vat_rate,
            discount_amount=line.discount_amount,
        )
        for line in order.lines.all()
    ]
    return Totals(currency=order.currency, lines=lines).vat_by_rate
