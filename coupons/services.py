"""Every coupon write: the one validation used by cart, checkout, subscriptions and the API,
race-safe reservation and its confirmation or release, and the staff operations.

Refusals carry a stable reason code (REASONS) and a message that names the fix. `reserve` runs the
same checks under the coupon's row lock, so overall and per-organization limits hold when many
checkouts race for the last uses.
"""

import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import Conflict, Unprocessable, ValidationFailed
from core.formats import format_datetime
from core.money import check_currency, format_money
from coupons import selectors
from coupons.models import USAGE_MACHINE, Coupon, CouponMinimum, CouponUsage

logger = logging.getLogger("webox.coupons")

_terms_handlers = []


def register_terms_changed_handler(handler):
    """handler() runs in the transaction of every write of a coupon's terms (created, changed or
    deleted, through the API, the admin or a campaign): the back office's MRR discounts by them."""
    if handler not in _terms_handlers:
        _terms_handlers.append(handler)
    return handler


def terms_changed():
    for handler in _terms_handlers:
        handler()

REASONS = (
    "unknown",
    "inactive",
    "not_yet_valid",
    "expired",
    "used_up",
    "used_up_for_organization",
    "below_minimum",
    "not_applicable",
    "not_eligible",
    "first_payment_only",
    "currency_mismatch",
)
TARGET_TYPES = tuple(CouponUsage.Target.values)
CAMPAIGN_MAX_CODES = 1000
CAMPAIGN_SUFFIX_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed safely


@dataclass(frozen=True)
class CouponCheck:
    valid: bool
    code: str
    reason: str  # "" when valid, else one of REASONS
    message: str
    discount: int  # minor units of the cart's currency; 0 when refused
    final_amount: int


class Refused(Exception):
    def __init__(self, reason, message):
        self.reason, self.message = reason, message
        super().__init__(message)


# --- validation -------------------------------------------------------------------------------


def _check_input(amount, currency):
    check_currency(currency)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValidationFailed(
            _("The amount must be a whole number of minor units, zero or more."),
            code="invalid_amount",
            fields={"amount": [_("Enter a whole number of minor units (cents for EUR, francs for XOF).")]},
        )


def _money(amount, currency, organization):
    """In the language of the page or app that asked (the request's)."""
    return format_money(amount, currency)


def _check(coupon, *, organization, amount, currency, product_refs, category_refs, plan_code, now):
    """Raise Refused with the first reason `coupon` does not apply; return the discount otherwise."""
    code = coupon.code
    if not coupon.is_active:
        raise Refused("inactive", _("The code %(code)s is no longer active. Remove it or use another code.") % {"code": code})
    if coupon.valid_from > now:
        start = format_datetime(coupon.valid_from)
        message = _("The code %(code)s starts on %(date)s: use it from then.") % {"code": code, "date": start}
        raise Refused("not_yet_valid", message)
    if coupon.valid_to and coupon.valid_to <= now:
        end = format_datetime(coupon.valid_to)
        message = _("The code %(code)s expired on %(date)s. Remove it or use another code.") % {"code": code, "date": end}
        raise Refused("expired", message)
    minimums = {m.currency: m.amount for m in coupon.minimums.all()}
    if coupon.discount_type == Coupon.DiscountType.FIXED_AMOUNT and coupon.currency != currency:
        raise Refused(
            "currency_mismatch",
            _(
                "The code %(code)s takes %(discount)s off purchases in %(coupon_currency)s only; this one is in "
                "%(currency)s. Use a code for %(currency)s purchases."
            )
            % {
                "code": code,
                "discount": _money(coupon.amount_off, coupon.currency, organization),
                "coupon_currency": coupon.currency,
                "currency": currency,
            },
        )
    if minimums and currency not in minimums:
        raise Refused(
            "currency_mismatch",
            _(
                "The code %(code)s applies to purchases in %(currencies)s only; this one is in %(currency)s. "
                "Use a code for %(currency)s purchases."
            )
            % {"code": code, "currencies": ", ".join(sorted(minimums)), "currency": currency},
        )
    _check_applicable(coupon, product_refs=product_refs, category_refs=category_refs, plan_code=plan_code)
    minimum = minimums.get(currency, 0)
    if amount < minimum:
        raise Refused(
            "below_minimum",
            _("The code %(code)s needs a purchase of at least %(minimum)s: add %(missing)s more.")
            % {
                "code": code,
                "minimum": _money(minimum, currency, organization),
                "missing": _money(minimum - amount, currency, organization),
            },
        )
    if coupon.eligibility != Coupon.Eligibility.ALL:
        has_paid = organization is not None and selectors.organization_has_paid(organization=organization)
        if coupon.eligibility == Coupon.Eligibility.NEW_CUSTOMERS and has_paid:
            raise Refused(
                "not_eligible", _("The code %(code)s is for new customers only (before their first payment).") % {"code": code}
            )
        if coupon.eligibility == Coupon.Eligibility.EXISTING_CUSTOMERS and not has_paid:
            raise Refused(
                "not_eligible",
                _("The code %(code)s is for existing customers: it works once you have paid a first invoice.") % {"code": code},
            )
    if coupon.first_payment_only and organization is not None:
        kind = "subscription" if plan_code else "order"
        if selectors.organization_has_paid(organization=organization, source_type=kind):
            if kind == "subscription":
                message = _("The code %(code)s applies to a first subscription only, and you have already paid one.")
            else:
                message = _("The code %(code)s applies to a first order only, and you have already paid one.")
            raise Refused("first_payment_only", message % {"code": code})
    if coupon.max_uses and coupon.uses >= coupon.max_uses:
        message = _("The code %(code)s has been used as many times as allowed. Remove it or use another code.")
        raise Refused("used_up", message % {"code": code})
    if coupon.max_uses_per_organization and organization is not None:
        used = selectors.live_usages_count(coupon=coupon, organization=organization)
        if used >= coupon.max_uses_per_organization:
            raise Refused(
                "used_up_for_organization",
                ngettext(
                    "Your organization has already used the code %(code)s %(count)d time, the most allowed. Use another code.",
                    "Your organization has already used the code %(code)s %(count)d times, the most allowed. Use another code.",
                    used,
                )
                % {"code": code, "count": used},
            )
    return selectors.discount_for(terms=selectors.terms_of(coupon), amount=amount, currency=currency)


def _check_applicable(coupon, *, product_refs, category_refs, plan_code):
    """A coupon limited to plans applies to those subscriptions only; one limited to products or
    categories applies to a cart holding at least one of them; an unrestricted one to anything."""
    plans, products, categories = set(coupon.plans), set(coupon.products), set(coupon.categories)
    if plan_code:
        if plan_code in plans or not (plans or products or categories):
            return
        raise Refused(
            "not_applicable",
            _("The code %(code)s does not apply to the %(plan)s plan. Choose another plan or code.")
            % {"code": coupon.code, "plan": plan_code},
        )
    if not (plans or products or categories) or products & set(product_refs) or categories & set(category_refs):
        return
    if products or categories:
        raise Refused(
            "not_applicable",
            _("The code %(code)s does not apply to the items in your cart. Add an eligible item or use another code.")
            % {"code": coupon.code},
        )
    raise Refused(
        "not_applicable", _("The code %(code)s is for subscriptions only. Use it when choosing a plan.") % {"code": coupon.code}
    )


def _load(code, *, lock=False):
    code = selectors.normalize_code(code)
    queryset = Coupon.objects.select_for_update() if lock else Coupon.objects.all()
    coupon = queryset.filter(code=code).prefetch_related("minimums").first()
    if coupon is None:
        raise Refused("unknown", _("The code %(code)s does not exist. Check its spelling.") % {"code": code})
    return coupon


def validate(*, code, organization, amount, currency, product_refs=(), category_refs=(), plan_code=None):
    """Whether `code` applies to a purchase of `amount` minor units of `currency`, and the discount.

    `organization` may be None (an anonymous visitor): customer history and per-organization
    limits are then checked at reservation, once the buyer is known."""
    _check_input(amount, currency)
    normalized = selectors.normalize_code(code)
    try:
        coupon = _load(normalized)
        discount = _check(
            coupon,
            organization=organization,
            amount=amount,
            currency=currency,
            product_refs=product_refs,
            category_refs=category_refs,
            plan_code=plan_code,
            now=timezone.now(),
        )
    except Refused as refusal:
        return CouponCheck(False, normalized, refusal.reason, refusal.message, 0, amount)
    discount_text = _money(discount, currency, organization)
    message = _("The code %(code)s takes %(discount)s off.") % {"code": coupon.code, "discount": discount_text}
    return CouponCheck(True, coupon.code, "", message, discount, amount - discount)


@transaction.atomic
def reserve(
    *, code, organization, user, amount, currency, target_type, target_id, product_refs=(), category_refs=(), plan_code=None
):
    """Hold one use of `code` for an order or subscription being created. The coupon row is locked
    for the checks and the count, so concurrent reservations are serialized and never pass a limit.
    Raises Unprocessable whose code is the refusal reason."""
    _check_input(amount, currency)
    if target_type not in TARGET_TYPES:
        raise ValidationFailed(
            _("target_type must be one of %(choices)s.") % {"choices": ", ".join(TARGET_TYPES)}, code="invalid_target"
        )
    try:
        coupon = _load(code, lock=True)
        discount = _check(
            coupon,
            organization=organization,
            amount=amount,
            currency=currency,
            product_refs=product_refs,
            category_refs=category_refs,
            plan_code=plan_code,
            now=timezone.now(),
        )
    except Refused as refusal:
        raise Unprocessable(refusal.message, code=refusal.reason, fields={"code": [refusal.message]}) from None
    # Conditional increment as well as the lock: the counter can never pass max_uses.
    if not Coupon.objects.filter(Q(max_uses=0) | Q(uses__lt=F("max_uses")), pk=coupon.pk).update(uses=F("uses") + 1):
        message = _("The code %(code)s has been used as many times as allowed.") % {"code": coupon.code}
        raise Unprocessable(message, code="used_up")
    try:
        with transaction.atomic():
            usage = CouponUsage.objects.create(
                coupon=coupon,
                organization=organization,
                user=user,
                target_type=target_type,
                target_id=str(target_id),
                original_amount=amount,
                discount=discount,
                final_amount=amount - discount,
                currency=currency,
            )
    except IntegrityError:
        if target_type == "subscription":
            message = _("This subscription already has a coupon.")
        else:
            message = _("This order already has a coupon.")
        raise Conflict(message, code="coupon_already_applied") from None
    logger.info(
        "coupon_reserved coupon=%s org=%s target=%s:%s discount=%s %s",
        coupon.code, organization.pk, target_type, target_id, discount, currency,
    )  # fmt: skip
    return usage


def _live_usage(target_type, target_id):
    return (
        CouponUsage.objects.select_for_update()
        .filter(target_type=target_type, target_id=str(target_id))
        .exclude(status=CouponUsage.Status.RELEASED)
        .first()
    )


@transaction.atomic
def confirm(*, target_type, target_id):
    """The order or subscription was paid: its reserved use becomes final, with the paid invoice.
    Safe to call twice, and a no-op for a target that holds no coupon."""
    usage = _live_usage(target_type, target_id)
    if usage is None or usage.status == CouponUsage.Status.CONFIRMED:
        return usage
    USAGE_MACHINE.advance(
        usage,
        CouponUsage.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        invoice=selectors.paid_invoice_for(target_type=target_type, target_id=target_id),
    )
    logger.info("coupon_confirmed usage=%s target=%s:%s", usage.pk, target_type, target_id)
    return usage


@transaction.atomic
def release(*, target_type, target_id):
    """The order was canceled or expired: its reserved use is given back. A confirmed (paid) use
    stays counted; a target with nothing reserved is a no-op, so calling twice is safe."""
    usage = _live_usage(target_type, target_id)
    if usage is None or usage.status != CouponUsage.Status.RESERVED:
        return usage
    USAGE_MACHINE.advance(usage, CouponUsage.Status.RELEASED, released_at=timezone.now())
    Coupon.objects.filter(pk=usage.coupon_id).update(uses=F("uses") - 1)
    logger.info("coupon_released usage=%s target=%s:%s", usage.pk, target_type, target_id)
    return usage


# --- staff operations -------------------------------------------------------------------------


def _raise_invalid(error):
    fields = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    first = next(iter(fields.values()))[0]
    raise ValidationFailed(first, fields=fields) from None


def _clean_minimums(minimums):
    cleaned = {}
    for minimum in minimums:
        currency, amount = minimum.get("currency"), minimum.get("amount")
        check_currency(currency)
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationFailed(
                _("A minimum purchase must be a positive whole number of minor units."),
                fields={"minimums": [_("%(currency)s: enter a positive amount in minor units.") % {"currency": currency}]},
            )
        if currency in cleaned:
            raise ValidationFailed(
                _("Two minimums for %(currency)s: keep one.") % {"currency": currency},
                fields={"minimums": [_("%(currency)s given twice.") % {"currency": currency}]},
            )
        cleaned[currency] = amount
    return cleaned


def _check_scope(**given):
    """The scope references given (None: left as they are), each one checked against what exists
    (selectors.scope_choices) and kept once, sorted."""
    scope = {}
    for kind, refs in given.items():
        if refs is None:
            continue
        refs = sorted(set(refs))
        known = {ref for ref, _label in selectors.scope_choices(kind)}
        unknown = [ref for ref in refs if ref not in known]
        if unknown:
            raise ValidationFailed(
                _("The coupon's scope names something that does not exist."),
                fields={kind: [_("Not found: %(references)s.") % {"references": ", ".join(unknown)}]},
            )
        scope[kind] = refs
    return scope


def _save(coupon, *, minimums):
    try:
        coupon.full_clean()
    except ValidationError as error:
        _raise_invalid(error)
    cleaned = None if minimums is None else _clean_minimums(minimums)
    try:
        with transaction.atomic():
            coupon.save()
    except IntegrityError:  # the same code created at the same moment by someone else
        raise ValidationFailed(
            _("The code %(code)s already exists.") % {"code": coupon.code}, fields={"code": [_("This code already exists.")]}
        ) from None
    if cleaned is not None:
        coupon.minimums.all().delete()
        CouponMinimum.objects.bulk_create(CouponMinimum(coupon=coupon, currency=c, amount=a) for c, a in cleaned.items())
    terms_changed()
    return coupon


# The terms that decide how much money a coupon takes off: audited on every change, wherever it is
# made (admin, API).
AUDITED_FIELDS = (
    "code", "is_active", "discount_type", "percent_off", "amount_off", "currency", "duration", "duration_months",
    "valid_from", "valid_to", "max_uses", "max_uses_per_organization", "eligibility", "first_payment_only",
)  # fmt: skip


@transaction.atomic
def create_coupon(*, minimums=(), plans=None, products=None, categories=None, **fields):
    """A new coupon from staff input (API or admin); bad input raises ValidationFailed, nothing saved.
    `plans`, `products`, `categories`: plan codes, product and category slugs (none: every one)."""
    scope = _check_scope(plans=plans, products=products, categories=categories)
    coupon = _save(Coupon(**fields, **scope), minimums=minimums)
    logger.info("coupon_created coupon=%s", coupon.code)
    return coupon


@transaction.atomic
def update_coupon(*, coupon, minimums=None, plans=None, products=None, categories=None, **fields):
    """Change a coupon; its scope and minimums are replaced only when given."""
    coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    if "code" in fields and selectors.normalize_code(fields["code"]) != coupon.code and coupon.usages.exists():
        raise Conflict(
            _("This coupon has been used: its code cannot change. Create a new coupon instead."), code="coupon_used"
        )
    scope = _check_scope(plans=plans, products=products, categories=categories)
    for name, value in {**fields, **scope}.items():
        setattr(coupon, name, value)
    coupon = _save(coupon, minimums=minimums)
    logger.info("coupon_updated coupon=%s fields=%s", coupon.code, ",".join(sorted(fields)))
    return coupon


@transaction.atomic
def delete_coupon(*, coupon):
    """Only a coupon never used may go; one with usages keeps its history and is deactivated instead."""
    coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    if coupon.usages.exists():
        raise Conflict(
            _("The code %(code)s has been used, so its history must stay: deactivate it instead.") % {"code": coupon.code},
            code="coupon_used",
        )
    logger.info("coupon_deleted coupon=%s", coupon.code)
    coupon.delete()
    terms_changed()


def deactivate(*, coupon):
    Coupon.objects.filter(pk=coupon.pk).update(is_active=False, updated_at=timezone.now())
    coupon.refresh_from_db()
    logger.info("coupon_deactivated coupon=%s", coupon.code)
    return coupon


@transaction.atomic
def create_campaign(*, prefix, count, minimums=(), **fields):
    """`count` unique single-use codes PREFIX-XXXXXXXX sharing the same terms (`fields`)."""
    prefix = selectors.normalize_code(prefix)
    if not 1 <= count <= CAMPAIGN_MAX_CODES:
        raise ValidationFailed(
            _("Create from 1 to %(max)s codes at a time.") % {"max": CAMPAIGN_MAX_CODES},
            fields={"count": [_("1 to %(max)s.") % {"max": CAMPAIGN_MAX_CODES}]},
        )
    fields = {**fields, "max_uses": 1, "max_uses_per_organization": 1}
    codes = set()
    while len(codes) < count:
        wanted = {
            f"{prefix}-{''.join(secrets.choice(CAMPAIGN_SUFFIX_ALPHABET) for _char in range(8))}"
            for _code in range(count - len(codes))
        }
        codes |= wanted - set(Coupon.objects.filter(code__in=wanted).values_list("code", flat=True))
    codes = sorted(codes)
    # The terms are the same for every code: validate them once, on the first, then insert in bulk.
    first = create_coupon(code=codes[0], minimums=minimums, **fields)
    rest = Coupon.objects.bulk_create(Coupon(code=code, **fields) for code in codes[1:])
    CouponMinimum.objects.bulk_create(
        CouponMinimum(coupon=coupon, currency=m.currency, amount=m.amount) for coupon in rest for m in first.minimums.all()
    )
    logger.info("coupon_campaign_created prefix=%s count=%s", prefix, count)
    return [first, *rest]
