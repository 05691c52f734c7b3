"""The figures and tables of the back office, each table exportable to CSV and each report to PDF.

A table is plain data (columns and rows of values); money cells are `Money` so the page and the
PDF show them formatted and the CSV gets the plain decimal amount."""

import csv
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice import cache, metrics
from billing import analytics
from billing.selectors import dunning_steps_reached
from core.money import format_money, to_decimal
from coupons.selectors import coupon_performance
from generation.selectors import jobs_by_kind_and_provider
from support import selectors as support_selectors
from usage.selectors import top_consumers


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str

    def __str__(self):
        return format_money(self.amount, self.currency)

    def csv(self):
        return str(to_decimal(self.amount, self.currency))


@dataclass
class Table:
    name: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    links: list = field(default_factory=list)  # per row: [(label, url)], shown on the page only

    def csv_response(self, filename):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{self.name}.csv"'
        writer = csv.writer(response)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_cell(cell) for cell in row])
        return response


def _csv_cell(cell):
    if isinstance(cell, Money):
        return cell.csv()
    text = "" if cell is None else str(cell)
    # A cell starting like a formula would run in a spreadsheet: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def pdf_response(*, template, context, filename):
    from weasyprint import HTML

    html = render_to_string(template, context)
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


# --- Revenue dashboard -------------------------------------------------------------------------


def _only(per_currency, currency):
    return {code: value for code, value in per_currency.items() if not currency or code == currency}


def dashboard_figures(*, start, end, currency=""):
    """Everything the revenue dashboard shows, each family cached until its data changes."""
    params = (start, end, currency)
    return {
        **cache.cached("revenue", cache.SUBSCRIPTIONS, params, lambda: _subscription_figures(start, end, currency)),
        **cache.cached("cash", cache.INVOICES, (*params, timezone.localdate()), lambda: _cash_figures(start, end, currency)),
    }


def _subscription_figures(start, end, currency):
    per_organization = analytics.organization_mrr()
    mrr = _only(analytics.mrr_by_currency(per_organization), currency)
    customers = analytics.paying_customers(per_organization)
    movement = _only(analytics.mrr_movement(history=metrics.history(until=end), start=start, end=end), currency)
    return {
        "mrr": mrr,
        "arr": analytics.arr_by_currency(mrr),
        "arpu": analytics.arpu(mrr=mrr, customers=customers),
        "customers": _only(customers, currency),
        "statuses": analytics.status_counts(),
        "movement": movement,
        "churn": analytics.churn_rates(movement),
    }


def _cash_figures(start, end, currency):
    return {
        "collected": _only(analytics.collected_by_month(start=start, end=end), currency),
        "receivables": _only(analytics.receivables(today=timezone.localdate()), currency),
    }


def movement_table(figures):
    table = Table(
        "movement",
        _("MRR movement"),
        [
            _("Month"),
            _("Currency"),
            _("New"),
            _("Expansion"),
            _("Contraction"),
            _("Churned"),
            _("Reactivation"),
            _("Net"),
            _("MRR at end"),
        ],
    )
    for code, months in figures["movement"].items():
        for m in months:
            table.rows.append(
                [
                    f"{m.month:%Y-%m}",
                    code,
                    *(Money(v, code) for v in (m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.net, m.mrr_end)),
                ]
            )
    return table


def collected_table(figures):
    table = Table(
        "collected",
        _("Revenue collected"),
        [_("Month"), _("Currency"), _("Payments received"), _("Refunds paid out"), _("Collected")],
    )
    for code, months in figures["collected"].items():
        for month, received, refunded, net in months:
            table.rows.append([f"{month:%Y-%m}", code, Money(received, code), Money(refunded, code), Money(net, code)])
    return table


def receivables_table(figures):
    labels = ["not_due", *(label for label, _, _ in analytics.AGE_BUCKETS)]
    table = Table(
        "receivables",
        _("Outstanding and overdue by age"),
        [
            _("Currency"),
            _("Invoices"),
            _("Outstanding"),
            _("Not yet due"),
            *(_("%(range)s days") % {"range": label} for label in labels[1:]),
        ],
    )
    for code, row in figures["receivables"].items():
        table.rows.append(
            [code, row["invoices"], Money(row["outstanding"], code), *(Money(row[label], code) for label in labels)]
        )
    return table


def dashboard_tables(figures):
    return [movement_table(figures), collected_table(figures), receivables_table(figures)]


# --- Reports -----------------------------------------------------------------------------------


def overdue_tables(*, start=None, end=None, currency=""):
    """Every overdue invoice today (the period does not apply: what is owed now is what matters)."""
    today = timezone.localdate()
    table = Table(
        "overdue",
        _("Overdue invoices"),
        [
            _("Invoice"),
            _("Organization"),
            _("Due date"),
            _("Days overdue"),
            _("Age"),
            _("Total"),
            _("Amount due"),
            _("Payment attempts"),
            _("Dunning step"),
        ],
    )
    invoices = list(analytics.overdue_invoices(today=today, currency=currency))
    steps = dunning_steps_reached(invoice_ids=[invoice.pk for invoice in invoices])
    for invoice in invoices:
        days = (today - invoice.due_date).days
        table.rows.append(
            [
                invoice.number,
                invoice.organization.name,
                invoice.due_date.isoformat(),
                days,
                analytics.age_bucket(days),
                Money(invoice.total, invoice.currency),
                Money(invoice.amount_due_now, invoice.currency),
                invoice.payment_attempts,
                steps.get(invoice.pk, _("none yet")),
            ]
        )
        table.links.append(
            [
                ("Open", reverse("admin:billing_invoice_change", args=[invoice.pk])),
                ("Credit note", reverse("admin:billing_invoice_credit_note", args=[invoice.pk])),
                ("Organization", reverse("admin:accounts_organization_change", args=[invoice.organization_id])),
            ]
        )
    return [table]


def coupon_tables(*, start, end, currency=""):
    rows = coupon_performance(start=start, end=end, currency=currency)
    columns = [_("Code"), _("Name"), _("Currency"), _("Uses"), _("Discount granted"), _("Revenue with the coupon")]

    def line(row):
        code = row["currency"]
        return [
            row["coupon__code"],
            row["coupon__name"],
            code,
            row["uses"],
            Money(row["discount"], code),
            Money(row["revenue"], code),
        ]

    top = Table(
        "top10",
        _("Top 10 coupons by revenue"),
        columns,
        [line(r) for r in sorted(rows, key=lambda r: (-r["revenue"], r["coupon__code"]))[:10]],
    )
    return [top, Table("coupons", _("All coupons used in the period"), columns, [line(r) for r in rows])]


def generation_tables(*, start, end, currency=""):
    jobs = Table(
        "jobs",
        _("Jobs and credits by kind and provider"),
        [_("Kind"), _("Provider"), _("Jobs"), _("Succeeded"), _("Credits charged"), _("Provider cost (USD)")],
    )
    for row in jobs_by_kind_and_provider(start=start, end=end):
        jobs.rows.append(
            [
                row["kind"],
                row["provider"],
                row["jobs"],
                row["succeeded"],
                row["credits"] or 0,
                Money(round((row["cost_micros"] or 0) / 10_000), "USD"),
            ]
        )
    revenue = Table(
        "revenue", _("Revenue from orders (credit packs and services) against provider cost"), [_("Currency"), _("Orders paid")]
    )
    for code, sources_paid in _only(analytics.revenue_by_source(start=start, end=end), currency).items():
        revenue.rows.append([code, Money(sources_paid.get("order", 0), code)])
    return [jobs, revenue]


def support_tables(*, start, end, currency=""):
    stats = support_selectors.ticket_stats(date_from=start, date_to=end)
    overview = Table(
        "overview",
        _("Tickets"),
        [_("Figure"), _("Value")],
        [
            [_("Tickets created"), stats["total"]],
            [_("First response, average (hours)"), _hours(stats["first_response_seconds"]["average"])],
            [_("Resolution, average (hours)"), _hours(stats["resolution_seconds"]["average"])],
            [_("First response within SLA (%)"), stats["sla"]["first_response_met_percent"]],
            [_("Resolution within SLA (%)"), stats["sla"]["resolution_met_percent"]],
            [_("Satisfaction (1-5)"), stats["satisfaction"]["average"]],
            *([_("Status: %(status)s") % {"status": key}, value] for key, value in stats["by_status"].items()),
            *([_("Priority: %(priority)s") % {"priority": key}, value] for key, value in stats["by_priority"].items()),
        ],
    )
    agents = Table(
        "agents",
        _("Per agent"),
        [_("Agent"), _("Assigned"), _("Resolved"), _("First response (hours)"), _("SLA met (%)")],
        [
            [
                a["name"],
                a["assigned"],
                a["resolved"],
                _hours(a["first_response_seconds"]["average"]),
                a["sla"]["first_response_met_percent"],
            ]
            for a in stats["agents"]
        ],
    )
    return [overview, agents]


def _hours(seconds):
    return None if seconds is None else round(seconds / 3600, 1)


def usage_tables(*, start, end, currency=""):
    consumers = Table("consumers", _("Top consumers"), [_("Metric"), _("Rank"), _("Organization"), _("Total")])
    for metric, ranked in top_consumers(start=start, end=end).items():
        for rank, (name, total) in enumerate(ranked, start=1):
            consumers.rows.append([metric, rank, name, total])
    addons = Table("addons", _("Add-on revenue (paid add-on invoices)"), [_("Currency"), _("Revenue")])
    for code, per_source in _only(analytics.revenue_by_source(start=start, end=end), currency).items():
        addons.rows.append([code, Money(per_source.get("addon", 0), code)])
    return [consumers, addons]


REPORTS = {  # name: (title, permission, tables)
    "overdue": (_("Overdue invoices"), "backoffice.view_overdue_report", overdue_tables),
    "coupons": (_("Coupon performance"), "backoffice.view_coupon_report", coupon_tables),
    "generation": (_("Generation"), "backoffice.view_generation_report", generation_tables),
    # Support leads manage the SLA policies, agents do not: the report is the leads' (support's own
    # groups hold support permissions only, so no back-office permission is added to them).
    "support": (_("Support"), "support.change_slapolicy", support_tables),
    "usage": (_("Usage"), "backoffice.view_usage_report", usage_tables),
}
