"""The customer dashboard's answer to "where do I stand": plan and renewal, credits, usage against
limits, invoices to pay, recent jobs and tickets. Read only, through each app's selectors."""

from dataclasses import dataclass

from billing import selectors as billing
from generation import selectors as generation
from support import selectors as support
from usage import selectors as usage

RECENT = 5


@dataclass
class Credits:
    available: int  # what the ledger holds now (plan grants and purchased packs together)
    included: int | None  # what the plan gives each period (None: unlimited)
    used_this_month: int


def where_i_stand(*, organization):
    invoices = billing.invoices_for(organization=organization)
    plan_limits = billing.plan_limits(organization=organization)
    return {
        "subscription": billing.live_subscription(organization=organization),
        "plan": billing.current_plan(organization=organization),
        "next_invoice_at": billing.next_invoice_at(organization=organization),
        "credits": Credits(
            available=generation.credit_balance(organization=organization),
            included=plan_limits["generation_credits"],
            used_this_month=usage.current_usage(organization=organization, metric="generation_credits"),
        ),
        "usage": [row for row in usage.usage_summary(organization=organization) if row.metric != "memory_mb"],
        "invoices_to_pay": [invoice for invoice in invoices.filter(status="open").order_by("due_date")[:RECENT]],
        "jobs": generation.jobs_for(organization=organization).order_by("-created_at")[:RECENT],
        "tickets": support.tickets_for(organization=organization).order_by("-updated_at")[:RECENT],
    }
