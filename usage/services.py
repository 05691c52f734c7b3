"""Writes about usage: counting, flushing counters, storage, quotas, alerts and add-ons."""

import logging
from datetime import timedelta

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.entitlements import require_entitled, suspension_reason
from accounts.models import Organization
from accounts.selectors import language_for, membership
from billing import selectors as billing_selectors
from billing import services as billing_services
from core.errors import Conflict, Forbidden, QuotaExceeded, ValidationFailed
from core.i18n import lazy_text
from core.tasks import after_commit
from notifications.services import notify
from usage import conf, selectors
from usage.counters import counter_key, parse_key, store
from usage.models import (
    ADDON_MACHINE,
    COUNTER_METRICS,
    GAUGE_METRICS,
    AddonPrice,
    AddonPurchase,
    Metric,
    UsageAlert,
    UsageFlush,
    UsageRecord,
)

logger = logging.getLogger("webox.usage")


def _check_metric(metric, allowed):
    if metric not in allowed:
        raise ValidationFailed(
            _("“%(metric)s” is not a metric that can be recorded this way.") % {"metric": metric}, code="invalid_metric"
        )


def record(*, organization, metric, amount=1):
    """Count `amount` of a counter metric (traffic_bytes, api_requests, generation_credits) in the
    cache, with no database access; the minute flush moves it into UsageRecord. Credits come once
    per job, not per request, so their alerts are checked at once, after the caller's commit;
    request counters are checked by the flush."""
    _check_metric(metric, COUNTER_METRICS)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationFailed(_("The amount must be an integer."), code="invalid_amount")
    if amount:
        record_for(organization.pk, {metric: amount})
    if amount > 0 and metric == Metric.GENERATION_CREDITS:
        after_commit("usage_alerts", lambda: check_alerts(organization=organization, metrics=[metric]))


def record_for(organization_id, amounts, *, wait=True):
    """Count several counters of one organization by id (the middleware: no organization row).
    wait=False queues them for this process's sender thread: no Redis round trip for the caller."""
    month = selectors.month_start()
    counters = store()
    (counters.add if wait else counters.add_soon)(
        {counter_key(organization_id, metric, month): amount for metric, amount in amounts.items()}
    )


def flush_counters():
    """Move the cache counters into UsageRecord: first any batch left in flight by a crashed (or
    concurrent) flusher, then a fresh one. Each batch counts once (UsageFlush.token is unique).
    Returns the number of counters applied, then checks the alerts of whoever moved (limits
    computed once per organization for the whole flush)."""
    counters = store()
    batches = counters.batches_in_flight()
    token, values = counters.take()
    if token:
        batches.append((token, values))
    applied, totals = 0, {}
    for batch_token, batch in batches:
        written = _apply_batch(batch_token, batch)
        if written is not None:
            applied += len(batch)
            totals.update(written)
        counters.drop(batch_token)
    _check_flushed_alerts(totals)
    return applied


# Rows per INSERT: three parameters each stays under SQLite's parameter limit.
_UPSERT_ROWS = 5000


def _apply_batch(token, batch):
    """Write one batch under its token, in one transaction: {(org_id, metric): this month's new
    total} for what it changed, or None if another flusher already wrote it."""
    by_month = {}
    for key, value in batch.items():
        org_id, metric, month = parse_key(key)
        by_month.setdefault(month, []).append((org_id, metric, value))
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsageFlush.objects.create(token=token, counters=len(batch))
        except IntegrityError:
            logger.info("usage_flush_skipped token=%s reason=already_applied", token)
            return None
        totals = {}
        for month in sorted(by_month):
            for chunk in _chunks(sorted(by_month[month]), _UPSERT_ROWS):  # one lock order for every flusher
                totals.update(_upsert_records(month, chunk))
    logger.info("usage_flushed token=%s counters=%s", token, len(batch))
    return totals


def _chunks(items, size):
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _upsert_records(month, rows):
    """Add [(org_id, metric, amount)] to UsageRecord for `month` in one INSERT ... ON CONFLICT DO
    UPDATE. Counts of a since-deleted organization are dropped with it (the join). Returns
    {(org_id, metric): new value} if `month` is this month, else {} (nothing to alert on)."""
    ops, meta = connection.ops, UsageRecord._meta
    table, orgs = ops.quote_name(meta.db_table), ops.quote_name(Organization._meta.db_table)
    org, metric, month_column, value, updated = (
        ops.quote_name(meta.get_field(name).column) for name in ("organization", "metric", "month", "value", "updated_at")
    )
    if connection.vendor == "postgresql":
        # Three arrays instead of three placeholders a row: the statement stays small however many rows.
        source = "unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS src(o, m, v)"
        params = [[row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]]
    else:
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        source = f"(SELECT column1 AS o, column2 AS m, column3 AS v FROM (VALUES {values})) AS src"
        params = [param for row in rows for param in row]
    sql = (
        f"INSERT INTO {table} ({org}, {metric}, {month_column}, {value}, {updated}) "
        f"SELECT src.o, src.m, %s, src.v, %s FROM {source} JOIN {orgs} ON {orgs}.id = src.o "
        # WHERE true: SQLite's grammar needs it between INSERT ... SELECT and ON CONFLICT.
        f"WHERE true ON CONFLICT ({org}, {metric}, {month_column}) "
        f"DO UPDATE SET {value} = {table}.{value} + EXCLUDED.{value}, {updated} = EXCLUDED.{updated} "
        f"RETURNING {org}, {metric}, {value}"
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [ops.adapt_datefield_value(month), now, *params])
        rows = cursor.fetchall()
    return {(row[0], row[1]): row[2] for row in rows} if month == selectors.month_start() else {}


def prune_flushes():
    cutoff = timezone.now() - timedelta(days=conf.FLUSH_RETENTION_DAYS)
    return UsageFlush.objects.filter(flushed_at__lt=cutoff).delete()[0]


def _storage_record(organization):
    """This month's storage record, started from last month's level."""
    month = selectors.month_start()
    record = UsageRecord.objects.filter(organization=organization, metric=Metric.STORAGE_BYTES, month=month).first()
    if record is None:
        carried = (
            UsageRecord.objects.filter(organization=organization, metric=Metric.STORAGE_BYTES, month__lt=month)
            .order_by("-month")
            .first()
        )
        record, _ = UsageRecord.objects.get_or_create(
            organization=organization,
            metric=Metric.STORAGE_BYTES,
            month=month,
            defaults={"value": carried.value if carried else 0},
        )
    return record


@transaction.atomic
def adjust_storage(*, organization, delta_bytes):
    """Add (write) or subtract (delete) bytes of the organization's stored files, at once."""
    if not isinstance(delta_bytes, int) or isinstance(delta_bytes, bool):
        raise ValidationFailed(_("delta_bytes must be an integer."), code="invalid_amount")
    record = _storage_record(organization)
    # Never below zero: deleting a file stored before metering began must not make the level negative.
    UsageRecord.objects.filter(pk=record.pk).update(value=F("value") + delta_bytes, updated_at=timezone.now())
    UsageRecord.objects.filter(pk=record.pk, value__lt=0).update(value=0)
    if delta_bytes > 0:
        check_alerts(organization=organization, metrics=[Metric.STORAGE_BYTES])


@transaction.atomic
def set_gauge(*, organization, metric, value):
    """Report the current value of a gauge (concurrent_jobs)."""
    _check_metric(metric, GAUGE_METRICS)
    if not isinstance(value, int) or value < 0:
        raise ValidationFailed(_("A gauge value is a non-negative integer."), code="invalid_amount")
    UsageRecord.objects.update_or_create(
        organization=organization, metric=metric, month=selectors.month_start(), defaults={"value": value}
    )


def check_quota(*, organization, metric, amount):
    """Refuse (QuotaExceeded, code quota_exceeded) what would take a hard metric past its limit,
    naming the add-ons that would raise it. memory_mb is per job: `amount` alone is compared."""
    if metric not in Metric.values:
        raise ValidationFailed(_("Unknown metric “%(metric)s”.") % {"metric": metric}, code="invalid_metric")
    if not selectors.is_hard(metric):
        return
    limit = selectors.limit_for(organization=organization, metric=metric)
    if limit is None:
        return
    if metric == Metric.MEMORY_MB:
        used = 0
    elif metric == Metric.STORAGE_BYTES and not transaction.get_autocommit():
        # Inside the caller's transaction the storage row stays locked until it commits, so a
        # check followed by adjust_storage() holds the limit against concurrent uploads.
        used = UsageRecord.objects.select_for_update().get(pk=_storage_record(organization).pk).value
    else:
        used = selectors.current_usage(organization=organization, metric=metric)
    if used + amount <= limit:
        return
    buy = selectors.addons_raising(organization=organization, metric=metric)
    values = {"metric": Metric(metric).label.lower(), "used": used, "amount": amount, "limit": limit}
    message = _("This would exceed your %(metric)s limit (%(used)s used + %(amount)s requested > %(limit)s).") % values
    if buy:
        message += " " + _("Buy an add-on (%(addons)s) or upgrade your plan.") % {"addons": ", ".join(buy)}
    else:
        message += " " + _("Upgrade your plan to raise it.")
    raise QuotaExceeded(
        message,
        fields={"metric": metric, "limit": limit, "used": used, "requested": amount, "buy": buy},
    )


def storage_size(organization):
    """Bytes in the organization's storage folders, walking default_storage (excluded folders aside)."""
    prefix = selectors.storage_prefix(organization).rstrip("/")
    excluded = {f"{prefix}/{name.strip('/')}" for name in conf.STORAGE_EXCLUDED}
    return sum(_folder_size(folder.rstrip("/"), excluded) for folder in selectors.storage_folders(organization))


def _folder_size(folder, excluded):
    if folder in excluded:
        return 0
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    total = sum(default_storage.size(f"{folder}/{name}") for name in files)
    return total + sum(_folder_size(f"{folder}/{name}", excluded) for name in dirs)


def recompute_storage(*, organization):
    """Set this month's storage level from what is really stored (corrects any drift)."""
    size = storage_size(organization)
    with transaction.atomic():
        record = _storage_record(organization)
        UsageRecord.objects.filter(pk=record.pk).update(value=size, updated_at=timezone.now())
    return size


def _format(metric, value):
    if metric in selectors.BYTE_METRICS:
        return filesizeformat(value)
    return intcomma(value)


_format_lazy = lazy(_format, str)  # formatted when read, in the reader's language


def check_alerts(*, organization, metrics=None):
    """Send the 80/95/100 % alerts (and the month-end projection alert) not sent yet this month.
    When several levels are crossed at once, one message names the highest; each level is stored
    so it never goes out again this month. Returns the alerts created."""
    month, now = selectors.month_started_at(), timezone.now()
    all_limits = selectors.limits(organization=organization)
    created = []
    for metric in metrics or selectors.DISPLAYED_METRICS:
        if metric == Metric.GENERATION_CREDITS:
            created += _check_credit_alerts(organization)
            continue
        limit = all_limits.get(metric)
        if _alerted(metric, limit):
            used = selectors.current_usage(organization=organization, metric=metric)
            created += _send_alerts(organization, month, metric, used, limit, _due_levels(metric, used, limit, now))
    return created


def _check_credit_alerts(organization):
    """Credits are alerted on from the ledger, not the month's counter: 80/95/100 % of the credits
    the plan included this period used (purchased credits come after them), once per level and
    period, the message telling what is left and what happens at zero."""
    credits = selectors.credit_summary(organization=organization)
    if credits is None or not credits.included:
        return []
    used, limit = credits.included_spent, credits.included
    pct = selectors.percent(used, limit)
    levels = [(str(level), used) for level in conf.ALERT_LEVELS if pct >= level]
    period = selectors.credit_alert_period(credits)
    return _send_alerts(organization, period, Metric.GENERATION_CREDITS, used, limit, levels, credits=credits)


def _check_flushed_alerts(totals):
    """check_alerts() for everyone a flush moved, {(org_id, metric): this month's recorded total}.
    Limits are read once, and only for the organizations whose total could reach a level of the
    lowest limit any plan sets; the levels already sent only for those past a level of their own."""
    month, now, floors = selectors.month_started_at(), timezone.now(), selectors.lowest_plan_limits()
    # Credits are alerted from the ledger as they are spent (record), not from the counters.
    least = {
        metric: _least_due(metric, floor, now)
        for metric, floor in floors.items()
        if metric != Metric.GENERATION_CREDITS and _alerted(metric, floor)
    }
    near = {
        (org_id, metric): used
        for (org_id, metric), used in totals.items()
        if metric in least and used >= least[metric] and _due_levels(metric, used, floors[metric], now)
    }
    due = {}
    for chunk in _chunks(sorted({org_id for org_id, _metric in near}), _UPSERT_ROWS):
        all_limits = selectors.limits_many(organization_ids=chunk)
        for (org_id, metric), used in near.items():
            limit = all_limits.get(org_id, {}).get(metric)
            levels = _due_levels(metric, used, limit, now) if _alerted(metric, limit) else []
            if levels:
                due[org_id, metric] = (used, limit, levels)
    if not due:
        return []
    sent = set(
        UsageAlert.objects.filter(organization_id__in={org_id for org_id, _ in due}, period_start=month).values_list(
            "organization_id", "metric", "level"
        )
    )
    organizations = Organization.objects.in_bulk({org_id for org_id, _ in due})
    created = []
    # One transaction for every alert of the flush (rows, notifications, emails): one commit
    # instead of several per alert; the pushes and sends leave once it commits.
    with transaction.atomic():
        for (org_id, metric), (used, limit, levels) in sorted(due.items()):
            levels = [(level, value) for level, value in levels if (org_id, metric, level) not in sent]
            if levels and org_id in organizations:
                created += _send_alerts(organizations[org_id], month, metric, used, limit, levels)
    return created


def _alerted(metric, limit):
    """Whether a metric is alerted on at all: it has a limit, and it is not memory (a per-job limit)."""
    return bool(limit) and metric != Metric.MEMORY_MB


def _least_due(metric, limit, now):
    """A use below which no level of `_due_levels` can be due against `limit` (rounded down, so
    never above the exact bound): a flush compares most counters to it instead of working out
    their levels one by one."""
    least = min(conf.ALERT_LEVELS) * limit // 100
    if metric in COUNTER_METRICS:
        # The projection passes the limit once used > limit × elapsed / month (see selectors.projection).
        least = min(least, selectors.projection_floor(limit, now))
    return least


def _due_levels(metric, used, limit, now):
    """[(level, value)] reached by `used` against `limit`: 80/95/100 % with `used`, then the
    projection level with the projected month-end value when a counter's pace passes the limit."""
    pct = selectors.percent(used, limit)
    due = [(str(level), used) for level in conf.ALERT_LEVELS if pct >= level]
    projected = selectors.projection(used, now, metric=metric)
    if metric in COUNTER_METRICS and projected > limit and pct < 100:
        due.append((UsageAlert.Level.PROJECTION, projected))
    return due


def _send_alerts(organization, period_start, metric, used, limit, levels, credits=None):
    """Record each due level (the unique constraint keeps it to once a period, whoever else is
    checking) and tell the members: one message for the highest level crossed, one for the projection."""
    pct = selectors.percent(used, limit)
    created = [_new_alert(organization, metric, period_start, level, value, limit) for level, value in levels]
    created = [alert for alert in created if alert]
    crossed = [alert for alert in created if alert.level != UsageAlert.Level.PROJECTION]
    if crossed and credits is not None:
        _notify_credit_alert(organization, crossed[-1], pct, credits)
    elif crossed:
        _notify_alert(organization, crossed[-1], pct)
    for alert in created:
        if alert.level == UsageAlert.Level.PROJECTION:
            _notify_alert(organization, alert, pct)
    return created


def _new_alert(organization, metric, period_start, level, used, limit):
    """The alert row if this level was not recorded yet this period, else None."""
    try:
        with transaction.atomic():
            return UsageAlert.objects.create(
                organization=organization, metric=metric, period_start=period_start, level=level, used=used, limit=limit
            )
    except IntegrityError:
        return None


def _notify_alert(organization, alert, pct):
    label = Metric(alert.metric).label
    used, limit = _format_lazy(alert.metric, alert.used), _format_lazy(alert.metric, alert.limit)
    if alert.level == UsageAlert.Level.PROJECTION:
        title = lazy_text(gettext_lazy("%(metric)s: on track to pass your limit this month"), metric=label)
        body = gettext_lazy("At this pace you will use about %(used)s of %(limit)s by the end of the month.")
    else:
        title = gettext_lazy("%(metric)s: %(percent)s%% of your monthly limit used")
        title = lazy_text(title, metric=label, percent=alert.level)
        body = gettext_lazy("You have used %(used)s of %(limit)s (%(percent)s%%).")
    if selectors.is_hard(alert.metric):
        then = gettext_lazy("Past the limit, new work is refused until you add resources or upgrade.")
    else:
        then = gettext_lazy("You can keep going; consider an add-on or a bigger plan.")
    facts = lazy_text(body, used=used, limit=limit, percent=pct)
    body = lazy_text(gettext_lazy("%(facts)s %(advice)s"), facts=facts, advice=then)
    context = {
        "metric": label,
        "metric_code": alert.metric,
        "level": alert.level,
        "percent": pct,
        "used": alert.used,
        "limit": alert.limit,
        "is_bytes": alert.metric in selectors.BYTE_METRICS,
        "hard": selectors.is_hard(alert.metric),
    }
    notify(organization, "usage_alert", title=title, body=body, link=reverse("usage:dashboard"), context=context, related=alert)
    logger.info("usage_alert org=%s metric=%s level=%s", organization.pk, alert.metric, alert.level)


def _notify_credit_alert(organization, alert, pct, credits):
    title = lazy_text(
        gettext_lazy("%(metric)s: %(percent)s%% of this period's included credits used"),
        metric=Metric(alert.metric).label,
        percent=alert.level,
    )
    facts = lazy_text(
        gettext_lazy(
            "You have used %(used)s of the %(limit)s credits your plan includes this period (%(percent)s%%). "
            "%(left)s credits left, %(purchased)s of them purchased (they do not expire)."
        ),
        used=intcomma(alert.used),
        limit=intcomma(alert.limit),
        percent=pct,
        left=intcomma(credits.left),
        purchased=intcomma(credits.purchased_left),
    )
    when_empty = selectors.credits_when_empty(organization=organization, credits=credits)
    context = {
        "metric": Metric(alert.metric).label,
        "metric_code": alert.metric,
        "level": alert.level,
        "percent": pct,
        "used": alert.used,
        "limit": alert.limit,
        "credits_left": credits.left,
        "purchased_left": credits.purchased_left,
        "when_empty": when_empty,
        "is_bytes": False,
        "hard": True,
    }
    body = lazy_text(gettext_lazy("%(facts)s %(advice)s"), facts=facts, advice=when_empty)
    notify(organization, "usage_alert", title=title, body=body, link=reverse("usage:dashboard"), context=context, related=alert)
    logger.info("usage_alert org=%s metric=%s level=%s left=%s", organization.pk, alert.metric, alert.level, credits.left)


# --- Add-ons ---------------------------------------------------------------------------------


def _quantity(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ValidationFailed(
            _("The quantity must be a whole number from 1 to 100."),
            code="invalid_quantity",
            fields={"quantity": [_("Must be a whole number from 1 to 100.")]},
        )
    return value


def _require_manager(organization, user):
    """Owners and admins buy and cancel add-ons (they spend the organization's money)."""
    if user is None:
        return
    member = membership(user, organization)
    if not (member and member.can_manage):
        raise Forbidden(_("Only owners and admins of the organization buy or cancel add-ons."))


def _addon_line(purchase, *, period=""):
    """The invoice line of one period of `purchase`: its dates once known (a renewal), else its
    length from the payment that starts it (a first purchase)."""
    kind = purchase.addon_type
    with translation.override(purchase.organization.locale):  # invoices speak the organization's language
        days = ngettext("%(days)s day from payment", "%(days)s days from payment", kind.period_days) % {"days": kind.period_days}
        description = f"{kind.label()}, {period or days}"
    return billing_services.LineSpec(
        description=description,
        quantity=purchase.quantity,
        unit_amount=purchase.unit_amount,
        product_ref=f"addon:{kind.code}",
    )


def _invoice(purchase, user=None, period=""):
    invoice = billing_services.create_invoice(
        organization=purchase.organization,
        lines=[_addon_line(purchase, period=period)],
        source_type="addon",
        source_id=purchase.pk,
        user=user,
    )
    purchase.invoice_id = invoice.pk
    purchase.save(update_fields=["invoice_id", "updated_at"])
    return invoice


@transaction.atomic
def purchase_addon(*, organization, code, quantity, user=None, renew=True):
    """Buy `quantity` units of an add-on: a pending purchase and its invoice, to pay at
    billing.selectors.pay_url(invoice); it becomes active when the invoice is paid.
    Returns (purchase, invoice)."""
    _require_manager(organization, user)
    require_entitled(organization)
    quantity = _quantity(quantity)
    offer = next((o for o in selectors.offers(organization=organization) if o.addon_type.code == code), None)
    if offer is None:
        raise ValidationFailed(
            _("There is no add-on “%(code)s” for sale.") % {"code": code},
            code="unknown_addon",
            fields={"code": [_("Unknown add-on.")]},
        )
    if not offer.allowed:
        raise Forbidden(
            _("%(addon)s add-ons are not available on your plan. Upgrade to Pro or Business to buy them.")
            % {"addon": offer.addon_type.label()},
            code="addon_not_allowed",
        )
    if offer.unit_amount is None:
        raise ValidationFailed(
            _("%(addon)s is not sold in %(currency)s.") % {"addon": offer.addon_type.label(), "currency": organization.currency},
            code="addon_not_priced",
        )
    purchase = AddonPurchase.objects.create(
        organization=organization,
        addon_type=offer.addon_type,
        quantity=quantity,
        currency=organization.currency,
        unit_amount=offer.unit_amount,
        renew=bool(renew),
        created_by=user,
    )
    invoice = _invoice(purchase, user=user)
    logger.info(
        "addon_purchased purchase=%s org=%s code=%s quantity=%s invoice=%s",
        purchase.pk,
        organization.pk,
        code,
        quantity,
        invoice.pk,
    )
    return purchase, invoice


def _locked_purchase(invoice):
    purchase = (
        AddonPurchase.objects.select_for_update()
        .select_related("addon_type", "organization")
        .filter(pk=invoice.source_id)
        .first()
    )
    if purchase is None or purchase.invoice_id != invoice.pk:
        logger.warning("addon_invoice_ignored invoice=%s source=%s", invoice.pk, invoice.source_id)
        return None
    return purchase


def addon_invoice_paid(invoice):
    """Billing's paid handler for source "addon": activate the purchase for its period. A paid
    renewal only delivers (credits): its period was extended when the invoice was issued."""
    purchase = _locked_purchase(invoice)
    if purchase is None:
        return
    ref = f"addon-{purchase.pk}-invoice-{invoice.pk}"
    if purchase.status == AddonPurchase.Status.ACTIVE:
        _deliver(purchase, ref=ref)
        return
    now = timezone.now()
    ADDON_MACHINE.advance(
        purchase, AddonPurchase.Status.ACTIVE, period_start=now, expires_at=now + timedelta(days=purchase.addon_type.period_days)
    )
    _deliver(purchase, ref=ref)
    _notify_addon(
        purchase,
        "addon_activated",
        lazy_text(gettext_lazy("%(addon)s × %(quantity)s is active"), addon=_label_lazy(purchase), quantity=purchase.quantity),
    )
    logger.info("addon_activated purchase=%s org=%s until=%s", purchase.pk, purchase.organization_id, purchase.expires_at)


# What an active add-on hands over besides its raised limit, per metric, once per paid period:
# deliver(*, organization, amount, reason, order_ref). Generation registers its credits ledger for
# `generation_credits` (GenerationConfig.ready), so usage never imports generation.
_deliveries = {}


def register_delivery(metric, deliver):
    _deliveries[metric] = deliver


def _deliver(purchase, *, ref):
    deliver = _deliveries.get(purchase.addon_type.metric)
    if deliver is None:
        return
    deliver(
        organization=purchase.organization,
        amount=purchase.raises_by,
        reason=f"Add-on {purchase.addon_type.name}",
        order_ref=ref,
    )


def addon_invoice_voided(invoice):
    """Billing's voided handler: an unpaid purchase is canceled, an unpaid renewal ends the add-on."""
    purchase = _locked_purchase(invoice)
    if purchase is None:
        return
    if purchase.status == AddonPurchase.Status.PENDING:
        ADDON_MACHINE.advance(purchase, AddonPurchase.Status.CANCELED, canceled_at=timezone.now(), renew=False)
    elif purchase.status == AddonPurchase.Status.ACTIVE:
        _expire(purchase)


def _for_customer(organization, user, text):
    """The reason on the credit note that voids the add-on's invoice: the customer reads it, in
    their language, long after the request that wrote it."""
    with translation.override(language_for(user, organization)):
        return str(text)


@transaction.atomic
def cancel_addon(*, organization, pk, user=None):
    """Stop the renewal of an active add-on (it stays until its period ends), or cancel an unpaid
    one (its invoice is voided). Another organization's add-on is a 404."""
    purchase = selectors.purchase_for(organization=organization, pk=pk)
    _require_manager(organization, user)
    purchase = AddonPurchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.status == AddonPurchase.Status.ACTIVE:
        if not purchase.renew:
            raise Conflict(_("This add-on is already set to end with its period."), code="already_canceled")
        purchase.renew, purchase.canceled_at = False, timezone.now()
        purchase.save(update_fields=["renew", "canceled_at", "updated_at"])
    elif purchase.status == AddonPurchase.Status.PENDING:
        billing_services.void_invoice(
            invoice=billing_selectors.invoice_for(organization=organization, pk=purchase.invoice_id),
            reason=_for_customer(organization, user, gettext_lazy("Add-on canceled before payment")),
            user=user,
        )
        purchase.refresh_from_db()
    else:
        raise Conflict(
            _("This add-on is already %(status)s.") % {"status": purchase.get_status_display().lower()}, code="already_canceled"
        )
    logger.info("addon_canceled purchase=%s org=%s status=%s", purchase.pk, organization.pk, purchase.status)
    return purchase


def _expire(purchase):
    ADDON_MACHINE.advance(purchase, AddonPurchase.Status.EXPIRED)
    _notify_addon(
        purchase,
        "addon_expired",
        lazy_text(gettext_lazy("%(addon)s × %(quantity)s has expired"), addon=_label_lazy(purchase), quantity=purchase.quantity),
    )
    logger.info("addon_expired purchase=%s org=%s", purchase.pk, purchase.organization_id)


_label_lazy = lazy(lambda purchase: purchase.addon_type.label(), str)


def _notify_addon(purchase, kind, title):
    limit = selectors.limit_for(organization=purchase.organization, metric=purchase.addon_type.metric)
    shown = gettext_lazy("unlimited") if limit is None else _format_lazy(purchase.addon_type.metric, limit)
    metric = Metric(purchase.addon_type.metric).label
    body = lazy_text(gettext_lazy("Your %(metric)s limit is now %(limit)s."), metric=metric, limit=shown)
    notify(purchase.organization, kind, title=title, body=body, link=reverse("usage:dashboard"), related=purchase)


def end_addon_periods(*, now=None):
    """The 05:00 run: each active add-on whose period has ended is renewed (a new period; `_renew`
    says where it is billed) when renewal is on and the organization is in good standing, else expired.
    Idempotent: a renewed add-on's period no longer ends before `now`. Returns the counts."""
    now = now or timezone.now()
    counts = {"renewed": 0, "expired": 0}
    due = AddonPurchase.objects.filter(status=AddonPurchase.Status.ACTIVE, expires_at__lte=now).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            purchase = (
                AddonPurchase.objects.select_for_update()
                .select_related("addon_type", "organization")
                .filter(pk=pk, status=AddonPurchase.Status.ACTIVE, expires_at__lte=now)
                .first()
            )
            if purchase is None:
                continue
            if purchase.renew and purchase.addon_type.is_active and suspension_reason(purchase.organization) is None:
                _renew(purchase)
                counts["renewed"] += 1
            else:
                _expire(purchase)
                counts["expired"] += 1
    return counts


def _renew(purchase):
    """Extend by one period at today's price (staff may have changed it). The period is added to
    the subscription's next invoice when that invoice comes within it; otherwise (no renewing
    subscription, or a yearly one) it is billed on an invoice of its own."""
    price = AddonPrice.objects.filter(addon_type=purchase.addon_type, currency=purchase.currency).first()
    start = purchase.expires_at
    purchase.period_start, purchase.expires_at = start, start + timedelta(days=purchase.addon_type.period_days)
    purchase.unit_amount = price.unit_amount if price else purchase.unit_amount
    purchase.save(update_fields=["period_start", "expires_at", "unit_amount", "updated_at"])
    period = billing_services.period_label(purchase.period_start, purchase.expires_at, purchase.organization.locale)
    next_invoice = billing_selectors.next_invoice_at(organization=purchase.organization)
    if next_invoice is None or next_invoice > purchase.expires_at:
        invoice = _invoice(purchase, period=period)
        logger.info("addon_renewed purchase=%s until=%s invoice=%s", purchase.pk, purchase.expires_at, invoice.pk)
        return
    billing_services.add_pending_charge(
        organization=purchase.organization,
        line=_addon_line(purchase, period=period),
        source_type="addon",
        source_id=purchase.pk,
        key=_charge_key(purchase),
    )
    logger.info("addon_renewed purchase=%s until=%s on_next_invoice=%s", purchase.pk, purchase.expires_at, next_invoice)


def _charge_key(purchase):
    return f"period:{purchase.period_start.isoformat()}"


def _charged_purchases(invoice):
    """(charge, locked purchase) for each add-on renewal a subscription invoice picked up."""
    charges = list(billing_selectors.charges_billed_on(invoice=invoice).filter(source_type="addon").order_by("pk"))
    locked = AddonPurchase.objects.select_for_update().select_related("addon_type", "organization")
    purchases = locked.in_bulk([int(charge.source_id) for charge in charges])
    return [(charge, purchases[int(charge.source_id)]) for charge in charges if int(charge.source_id) in purchases]


def subscription_invoice_paid(invoice):
    """Billing's paid handler for subscription invoices: credits add-ons renewed onto it deliver."""
    for charge, purchase in _charged_purchases(invoice):
        _deliver(purchase, ref=f"addon-{purchase.pk}-charge-{charge.pk}")


def subscription_invoice_voided(invoice):
    """Billing's voided handler for subscription invoices: an add-on whose current period was
    billed on the voided invoice ends, as when its own renewal invoice is voided."""
    for charge, purchase in _charged_purchases(invoice):
        if purchase.status == AddonPurchase.Status.ACTIVE and charge.key == _charge_key(purchase):
            _expire(purchase)
