"""Every write of the storefront: carts, placing an order (checkout), and the order's
transitions pending → paid → fulfilled, or canceled / refunded.

Billing and generation are reached only through their functions (docs/architecture.md), imported
inside the functions that use them: CatalogConfig.ready() imports this module, and it must not
depend on the order in which the other apps' modules load.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as account_services
from accounts.selectors import language_for
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.payments import refund_invoice
from catalog import cache, conf, selectors
from catalog.models import ORDER_MACHINE, Cart, CartItem, Order, OrderLine, Product
from core.errors import Conflict, DomainError, InvalidTransition, NotFound, Unprocessable, ValidationFailed
from core.i18n import lazy_text
from core.money import check_currency
from coupons import services as coupon_services
from generation import selectors as generation_selectors
from generation import services as generation_services
from notifications.services import notify

logger = logging.getLogger("webox.catalog")

MAX_QUANTITY = 99
MAX_BRIEF = 2000
SESSION_CART = "cart_id"


def withdraw(*, products):
    """Take products off sale (staff); returns how many."""
    count = products.update(is_active=False)
    cache.changed()
    return count


def parse_quantity(value):
    """A quantity from outside: a whole number from 1 to MAX_QUANTITY, or a clear error."""
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        quantity = None
    if quantity is None or str(quantity) != str(value).strip() or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(
            _("The quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY},
            code="invalid_quantity",
            fields={"quantity": [_("Enter a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY}]},
        )
    return quantity


# --- carts -------------------------------------------------------------------------------------


def cart_for_request(request, *, organization, create):
    """The visitor's cart: the user's cart in their organization once signed in, else the
    anonymous cart whose id is kept in the session. None when there is none and `create` is off."""
    user = request.user
    if user.is_authenticated and organization:
        if create:
            return Cart.objects.get_or_create(organization=organization, user=user)[0]
        return selectors.user_cart(organization=organization, user=user)
    cart_id = request.session.get(SESSION_CART)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_CART] = cart.pk
    return cart


def _sellable(product_slug, currency):
    """The active product with its price in `currency`, or the reason it cannot be sold."""
    try:
        product = Product.objects.get(slug=product_slug, is_active=True)
    except Product.DoesNotExist:
        raise NotFound(_("This product does not exist or is no longer sold."), code="product_not_found") from None
    if not product.prices.filter(currency=currency).exists():
        raise ValidationFailed(
            _("“%(name)s” is not sold in %(currency)s.") % {"name": product.name, "currency": currency},
            code="currency_not_available",
        )
    return product


def _check_stock(product, quantity):
    if product.stock is None:
        return
    if product.stock == 0:
        raise Conflict(_("“%(name)s” is sold out.") % {"name": product.name}, code="sold_out")
    if quantity > product.stock:
        raise Conflict(
            _("Only %(stock)s left of “%(name)s”.") % {"stock": product.stock, "name": product.name},
            code="quantity_above_stock",
            fields={"quantity": [_("At most %(stock)s.") % {"stock": product.stock}]},
        )


def parse_brief(product, brief):
    """A service's brief: optional text, at most MAX_BRIEF characters; other kinds take none."""
    brief = (brief or "").strip()
    if brief and product.kind != Product.Kind.SERVICE:
        raise ValidationFailed(
            _("Only generation services take a brief."), code="brief_not_allowed", fields={"brief": [_("Not for this product.")]}
        )
    if len(brief) > MAX_BRIEF:
        raise ValidationFailed(
            _("A brief is limited to %(max)s characters.") % {"max": MAX_BRIEF},
            code="brief_too_long",
            fields={"brief": [_("Too long.")]},
        )
    return brief


@transaction.atomic
def add_item(*, cart, product_slug, quantity, currency, brief=""):
    """Add `quantity` of a product (added to what the cart already holds). A service's `brief`,
    when given, replaces the one already in the cart for that product."""
    check_currency(currency)
    quantity = parse_quantity(quantity)
    product = _sellable(product_slug, currency)
    brief = parse_brief(product, brief)
    item = CartItem.objects.select_for_update().filter(cart=cart, product=product).first()
    new_quantity = quantity + (item.quantity if item else 0)
    if new_quantity > MAX_QUANTITY:
        raise ValidationFailed(_("At most %(max)s of one product per order.") % {"max": MAX_QUANTITY}, code="invalid_quantity")
    _check_stock(product, new_quantity)
    if item:
        item.quantity = new_quantity
        item.brief = brief or item.brief
        item.save(update_fields=["quantity", "brief"])
    else:
        item = CartItem.objects.create(cart=cart, product=product, quantity=quantity, brief=brief)
    cart.save(update_fields=["updated_at"])
    return item


def _item(cart, item_id):
    item = CartItem.objects.select_related("product").filter(cart=cart, pk=item_id).first() if cart else None
    if item is None:
        raise NotFound(_("This item is not in your cart."), code="cart_item_not_found")
    return item


@transaction.atomic
def set_quantity(*, cart, item_id, quantity):
    item = _item(cart, item_id)
    quantity = parse_quantity(quantity)
    _check_stock(item.product, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def remove_item(*, cart, item_id):
    _item(cart, item_id).delete()


def clear_cart(*, cart):
    if cart is not None:
        cart.items.all().delete()


@transaction.atomic
def merge_carts(*, source, target):
    """Move an anonymous cart's items into a user's cart at login: quantities add up, capped at
    the per-product maximum and at what is left of a limited offer (a sold-out one is dropped)."""
    for item in source.items.select_related("product"):
        existing = target.items.filter(product=item.product).first()
        wanted = item.quantity + (existing.quantity if existing else 0)
        cap = MAX_QUANTITY if item.product.stock is None else min(MAX_QUANTITY, item.product.stock)
        quantity = min(wanted, cap)
        if existing and quantity > 0:
            existing.quantity = quantity
            existing.brief = existing.brief or item.brief
            existing.save(update_fields=["quantity", "brief"])
        elif existing:
            existing.delete()
        elif quantity > 0 and item.product.is_active:
            CartItem.objects.create(cart=target, product=item.product, quantity=quantity, brief=item.brief)
    if source.coupon_code and not target.coupon_code:
        target.coupon_code = source.coupon_code
        target.save(update_fields=["coupon_code", "updated_at"])
    source.delete()
    logger.info("cart_merged target=%s", target.pk)
    return target


def merge_session_cart(*, request, user, organization):
    """At login: the anonymous cart of this session joins the user's cart in `organization`."""
    cart_id = request.session.pop(SESSION_CART, None)
    source = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if source is None or organization is None:
        return None
    target, _ = Cart.objects.get_or_create(organization=organization, user=user)
    return merge_carts(source=source, target=target)


def purge_anonymous_carts(*, older_than):
    """Anonymous carts nobody touched since `older_than` (their sessions are gone)."""
    _, per_model = Cart.objects.filter(user__isnull=True, updated_at__lt=older_than).delete()
    return per_model.get(Cart._meta.label, 0)


# --- checkout ----------------------------------------------------------------------------------


def billing_defaults(organization):
    """The checkout's billing details: the organization's billing identity, as its invoices print it."""
    details = {name: getattr(organization, name) for name in account_services.BILLING_IDENTITY_FIELDS}
    details["legal_name"] = organization.display_legal_name
    return details


def _reserve_stock(lines):
    """Take each limited product's units in one conditional UPDATE, so concurrent checkouts of
    the last units cannot both succeed (the row's new value is checked by the database)."""
    for line in lines:
        if line.product.stock is None:
            continue
        taken = Product.objects.filter(pk=line.product.pk, stock__gte=line.quantity).update(stock=F("stock") - line.quantity)
        if not taken:
            raise Conflict(_("“%(name)s” sold out before your order was placed.") % {"name": line.product.name}, code="sold_out")
        cache.changed()  # the units left are shown in the shop


def _release_stock(order):
    for line in order.lines.select_related("product"):
        if Product.objects.filter(pk=line.product_id, stock__isnull=False).update(stock=F("stock") + line.quantity):
            cache.changed()


def payment_methods_for(currency):
    """What checkout offers: a card always, mobile money where billing takes it (XOF)."""
    return [
        value
        for value in Order.PaymentMethod.values
        if value != Order.PaymentMethod.MOBILE_MONEY or billing_selectors.takes_mobile_money(currency)
    ]


def checkout(*, cart, organization, user, billing, payment_method, expected_total=None):
    """Place the cart as an order and hand it to billing for the invoice and the payment.

    `billing`: the billing identity typed at checkout (any of accounts' BILLING_IDENTITY_FIELDS).
    What differs from the organization's is saved to it first, through accounts (owners and admins
    only; checked as in its settings, VIES asked outside any transaction), so the invoice, its VAT
    included, says what was typed. `expected_total`, when a client sends the total it showed, must
    match the server's (a stale or tampered total is refused; a new identity may change the VAT).
    Returns the order; its invoice is billing's.
    """
    if payment_method not in payment_methods_for(organization.currency):
        raise ValidationFailed(
            _("Choose a payment method."),
            code="invalid_payment_method",
            fields={"payment_method": [_("Not offered for payments in %(currency)s.") % {"currency": organization.currency}]},
        )
    unknown = set(billing) - set(account_services.BILLING_IDENTITY_FIELDS)
    if unknown:
        raise ValidationFailed(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if not cart.items.exists():
        raise ValidationFailed(_("Your cart is empty."), code="empty_cart")
    shown = billing_defaults(organization)
    changed = {name: value for name, value in billing.items() if value != shown[name]}
    if changed:
        account_services.update_organization(organization=organization, user=user, **changed)
    return _place_order(
        cart=cart, organization=organization, user=user, payment_method=payment_method, expected_total=expected_total
    )


@transaction.atomic
def _place_order(*, cart, organization, user, payment_method, expected_total):
    currency = organization.currency
    cart = Cart.objects.select_for_update().get(pk=cart.pk, organization=organization)
    totals, unavailable = selectors.cart_totals(cart=cart, currency=currency, organization=organization)
    if unavailable:
        names = ", ".join(item.product.name for item in unavailable)
        raise Conflict(
            _("Remove what can no longer be bought before checking out: %(names)s.") % {"names": names},
            code="product_unavailable",
        )
    if not totals.lines:
        raise ValidationFailed(_("Your cart is empty."), code="empty_cart")
    if totals.coupon and not totals.coupon.valid:
        raise Unprocessable(totals.coupon.message, code=totals.coupon.reason, fields={"code": [totals.coupon.message]})
    if expected_total is not None and int(expected_total) != totals.total:
        raise Conflict(_("The total changed since it was shown; review your cart and confirm again."), code="total_mismatch")
    _reserve_stock(totals.lines)

    order = Order.objects.create(
        organization=organization,
        user=user,
        currency=currency,
        payment_method=payment_method,
        subtotal=totals.subtotal,
        discount=totals.discount,
        vat=totals.vat,
        total=totals.total,
        coupon_code=cart.coupon_code if totals.coupon else "",
    )
    order.number = f"CMD-{order.pk:06d}"
    order.save(update_fields=["number"])
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            product_name=line.product.name,
            kind=line.product.kind,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            vat_rate=line.vat_rate,
            discount_amount=line.discount_amount,
            vat_amount=line.vat_amount,
            total_amount=line.total,
            brief=line.brief,
        )
        for line in totals.lines
    )
    if order.coupon_code:
        _reserve_coupon(order, totals, user)
    invoice = billing_services.create_invoice(
        organization=organization,
        lines=[
            billing_services.LineSpec(
                description=f"{line.product.name} ({order.number})",
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                french_rate=line.product.vat_rate,
                discount_amount=line.discount_amount,
                product_ref=line.product.slug,
            )
            for line in totals.lines
        ],
        source_type="order",
        source_id=order.pk,
        coupon_code=order.coupon_code or None,
        user=user,
    )
    if invoice.total != order.total:  # both priced by billing's VAT decision: a difference is a bug, never billed
        raise Conflict(_("The total changed since it was shown; review your cart and confirm again."), code="total_mismatch")
    # The order shows whom it was billed to as the invoice says it.
    order.invoice_id, buyer = invoice.pk, invoice.buyer
    order.billing_name, order.billing_email, order.vat_number = buyer["name"], buyer["email"], buyer["vat_number"]
    order.billing_address = "\n".join(buyer["address_lines"])
    order.save(update_fields=["invoice_id", "billing_name", "billing_email", "billing_address", "vat_number"])
    cart.items.all().delete()
    cart.coupon_code = ""
    cart.save(update_fields=["coupon_code", "updated_at"])
    logger.info("order_placed order=%s total=%s currency=%s", order.number, order.total, currency)
    return order


def _reserve_coupon(order, totals, user):
    """Hold one use of the order's promo code (race-safe in the coupons app); the discount it
    grants must be the one the lines were priced with."""
    products, categories = selectors.coupon_refs(totals.lines)
    usage = coupon_services.reserve(
        code=order.coupon_code, organization=order.organization, user=user, currency=order.currency,
        amount=selectors.coupon_base(order.coupon_code, totals.lines),
        target_type="order", target_id=order.pk, product_refs=products, category_refs=categories,
    )  # fmt: skip
    if usage.discount != totals.discount:
        raise Conflict(_("The promo code's discount changed; review your cart and confirm again."), code="coupon_changed")


# --- coupons -----------------------------------------------------------------------------------


def apply_coupon(*, cart, code, organization, currency):
    """Put a promo code on the cart once the coupons app accepts it for this cart; a refusal is
    raised with its reason and message, and the cart is left as it was."""
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("Enter a promo code."), code="coupon_missing", fields={"code": [_("Enter a promo code.")]})
    totals, _lines = selectors.cart_totals(cart=cart, currency=currency, organization=organization)
    if not totals.lines:
        raise ValidationFailed(_("Add something to your cart before a promo code."), code="empty_cart")
    check = selectors.check_coupon(code=code, lines=totals.lines, currency=currency, organization=organization)
    if not check.valid:
        raise Unprocessable(check.message, code=check.reason, fields={"code": [check.message]})
    cart.coupon_code = check.code
    cart.save(update_fields=["coupon_code", "updated_at"])
    return check


def remove_coupon(*, cart):
    if cart is not None and cart.coupon_code:
        cart.coupon_code = ""
        cart.save(update_fields=["coupon_code", "updated_at"])


# --- order transitions -------------------------------------------------------------------------


@transaction.atomic
def mark_paid(*, order):
    ORDER_MACHINE.advance(order, Order.Status.PAID, paid_at=timezone.now())
    if order.coupon_code:
        coupon_services.confirm(target_type="order", target_id=order.pk)
    for line in order.lines.all():
        Product.objects.filter(pk=line.product_id).update(popularity=F("popularity") + line.quantity)
    cache.changed()  # the shop's order
    return order


@transaction.atomic
def fulfil(*, order, invoice=None):
    """Deliver a paid order: credits to the balance, downloads opened, generation jobs started."""
    ORDER_MACHINE.check(order.status, Order.Status.FULFILLED)
    lines = list(order.lines.select_related("product"))
    credits = sum(line.product.credits * line.quantity for line in lines if line.kind == Product.Kind.CREDITS)
    if credits:
        # One grant per order: generation keeps one purchase entry per order reference.
        generation_services.grant_credits(
            organization=order.organization, amount=credits, reason="purchase", order_ref=order.number
        )
    for line in lines:
        if line.kind != Product.Kind.SERVICE:
            continue
        product = line.product
        jobs = [
            generation_services.submit_job(
                organization=order.organization,
                user=order.user,
                kind=product.job_kind,
                provider=product.job_provider,
                model=product.job_model,
                prompt=line.brief or product.job_prompt,
                params=product.job_params,
                prepaid=True,
            )
            for _ in range(line.quantity)
        ]
        line.job_ids = [job.pk for job in jobs]
        line.save(update_fields=["job_ids"])
    ORDER_MACHINE.advance(order, Order.Status.FULFILLED, fulfilled_at=timezone.now(), fulfilment_error="")
    _confirm(order, invoice)
    logger.info("order_fulfilled order=%s", order.number)
    return order


def _confirm(order, invoice):
    attachments = []
    # Billing renders the PDF in a task after the invoice is finalized: attached when already there.
    if invoice is not None and invoice.pdf_file:
        attachments.append({"filename": f"{invoice.number}.pdf", "path": invoice.pdf_file, "mimetype": "application/pdf"})
    notify(
        order.user or order.organization,
        "order_confirmed",
        title=lazy_text(gettext_lazy("Order %(number)s is paid"), number=order.number),
        body=gettext_lazy(
            "Thank you! Your order is paid and delivered: credits are on your balance, downloads and jobs on the order page."
        ),
        link=reverse("catalog:order_detail", args=[order.pk]),
        context={"order": order, "lines": list(order.lines.all())},
        attachments=attachments,
        related=order,
        organization=order.organization,
    )


@transaction.atomic
def cancel_order(*, order, reason=""):
    """Cancel an unpaid order and give back its limited units and its promo code's use."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    ORDER_MACHINE.advance(order, Order.Status.CANCELED, canceled_at=timezone.now())
    _release_stock(order)
    if order.coupon_code:
        coupon_services.release(target_type="order", target_id=order.pk)
    logger.info("order_canceled order=%s reason=%s", order.number, reason)
    return order


def expire_pending_orders(*, now=None):
    """Cancel orders left unpaid for CATALOG_PENDING_ORDER_HOURS: their invoices are voided and
    their limited units and promo codes go back on sale. Returns how many were canceled."""
    cutoff = (now or timezone.now()) - timedelta(hours=conf.pending_order_hours())
    canceled = 0
    for order in Order.objects.filter(status=Order.Status.PENDING, created_at__lt=cutoff).select_related("organization", "user"):
        try:
            with transaction.atomic():
                request_cancel(order=order, reason=gettext_lazy("Not paid in time"))
                notify(
                    order.user or order.organization, "order_canceled",
                    title=lazy_text(gettext_lazy("Order %(number)s is canceled"), number=order.number),
                    body=gettext_lazy(
                        "It was not paid in time, so what it reserved is back on sale. You can order again from the shop."
                    ),
                    link=reverse("catalog:order_detail", args=[order.pk]), organization=order.organization,
                )  # fmt: skip
        except DomainError as exc:  # paid or voided meanwhile: its state already says what to do
            logger.info("order_expiry_skipped order=%s code=%s", order.number, exc.code)
            continue
        canceled += 1
    return canceled


@transaction.atomic
def refund_order(*, order, amount=None):
    """Record a refund of `amount` (all that is left when None) on the order. Billing calls it,
    through its refunded handler, once the provider has paid the money back and the credit note
    exists; staff start refunds with `refund_order_payment`.

    A partial refund keeps the order as it was (delivered, its downloads open) with the amount
    recorded; the refund that reaches its total makes it refunded. Its credit packs give back
    their share of the credits (all of them once wholly refunded) as far as they are unspent;
    what was already spent is recorded on the order."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    left = order.total - order.refunded_amount
    amount = left if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= left:
        message = _("The refund must be between 1 and %(left)s (minor units).") % {"left": left}
        raise ValidationFailed(message, code="invalid_refund_amount", fields={"amount": [message]})
    refunded = order.refunded_amount + amount
    if refunded == order.total:
        ORDER_MACHINE.advance(order, Order.Status.REFUNDED, refunded_amount=refunded, refunded_at=timezone.now())
    else:
        order.refunded_amount, order.refunded_at = refunded, timezone.now()
        order.save(update_fields=["refunded_amount", "refunded_at", "updated_at"])
    _take_back_credits(order)
    logger.info("order_refunded order=%s amount=%s refunded=%s of %s", order.number, amount, refunded, order.total)
    return order


def _take_back_credits(order):
    """The credits the refunds so far answer for: the packs' credits times the money refunded over
    the order's total (a refund is shared over the order's lines in proportion, as its credit note
    shares it over the VAT rates), in integers and rounded down, so the customer keeps a
    part-credit until the refunds reach the total, which takes back all of them; less what earlier
    refunds took back or found spent. Counted on the refunds so far, several partial refunds take
    back exactly what one refund of their sum would."""
    granted = generation_selectors.purchased_credits(organization=order.organization, order_ref=order.number)
    if not granted:
        return
    full = order.refunded_amount == order.total
    due = granted if full else granted * order.refunded_amount // order.total
    due -= order.credits_taken_back + order.credits_spent_before_refund
    if due <= 0 and not full:
        return
    taken, spent = generation_services.claw_back_credits(
        organization=order.organization,
        order_ref=order.number,
        credits=max(due, 0),
        note=_for_customer(order, refund_reason(order)),
        final=full,
    )
    order.credits_taken_back += taken
    order.credits_spent_before_refund += spent
    order.save(update_fields=["credits_taken_back", "credits_spent_before_refund", "updated_at"])


def handle_invoice_paid(invoice):
    """Billing's paid handler for source "order": pay then fulfil, exactly once. The order row is
    locked and its state decides, so a second confirmation finds it fulfilled and does nothing."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=invoice.source_id, organization_id=invoice.organization_id).first()
        if order is None:
            logger.warning("order_paid_unknown invoice=%s source_id=%s", invoice.pk, invoice.source_id)
            return None
        if order.status == Order.Status.PENDING:
            mark_paid(order=order)
        elif order.status != Order.Status.PAID:
            logger.info("order_paid_ignored order=%s status=%s", order.number, order.status)
            return order
        return try_fulfil(order=order, invoice=invoice)


def try_fulfil(*, order, invoice=None):
    """Fulfil in a savepoint. A refused delivery (a plan limit, a suspended account) must not undo
    the payment it runs inside: the order stays paid with the reason, and staff retry it."""
    try:
        with transaction.atomic():
            return fulfil(order=order, invoice=invoice)
    except DomainError as exc:
        order.refresh_from_db()
        order.fulfilment_error = exc.message[:255]
        order.save(update_fields=["fulfilment_error", "updated_at"])
        logger.error("order_fulfilment_failed order=%s code=%s", order.number, exc.code)
        return order


def _for_customer(order, text):
    """Words kept on the customer's records (the reason on a credit note, the note of a credit
    entry) are read later, by the customer: they are written in the customer's language."""
    with translation.override(language_for(order.user, order.organization)):
        return str(text)


def refund_reason(order):
    return lazy_text(gettext_lazy("Refund of order %(number)s"), number=order.number)


def request_cancel(*, order, reason, user=None):
    """A customer or staff cancels an unpaid order: billing voids its invoice, and the voided
    handler below cancels the order, so the invoice can no longer be paid for nothing. `reason`
    (a lazy text) goes on the credit note in the customer's language."""
    ORDER_MACHINE.check(order.status, Order.Status.CANCELED)
    reason = _for_customer(order, reason)
    if order.invoice_id is None:
        return cancel_order(order=order, reason=reason)
    invoice = billing_selectors.invoice_for(organization=order.organization, pk=order.invoice_id)
    billing_services.void_invoice(invoice=invoice, reason=reason, user=user)
    order.refresh_from_db()
    return order


def refund_order_payment(*, order, amount=None, user=None):
    """Give the money back through the payment provider; billing issues the credit note and its
    refunded handler records the refund on the order."""
    if order.status not in (Order.Status.PAID, Order.Status.FULFILLED, Order.Status.REFUNDED):
        raise InvalidTransition(
            _("Order %(number)s is %(status)s: nothing was paid.")
            % {"number": order.number, "status": order.get_status_display().lower()}
        )
    invoice = billing_selectors.paid_invoices(source_type="order", source_id=order.pk).first()
    if invoice is None:
        raise InvalidTransition(_("Order %(number)s has no paid invoice to refund.") % {"number": order.number})
    refund_invoice(invoice=invoice, amount=amount, reason=_for_customer(order, refund_reason(order)), user=user)
    order.refresh_from_db()
    return order


def handle_invoice_refunded(invoice, amount):
    """Billing refunded part or all of the order's invoice: the order says so."""
    order = Order.objects.filter(pk=invoice.source_id, organization_id=invoice.organization_id).first()
    if order is not None:
        refund_order(order=order, amount=amount)
    return order


def handle_invoice_voided(invoice):
    """Billing voided the order's invoice: an unpaid order is canceled and its units released."""
    order = Order.objects.filter(pk=invoice.source_id, organization_id=invoice.organization_id).first()
    if order is not None and order.status == Order.Status.PENDING:
        cancel_order(order=order, reason="invoice voided")
    return order
