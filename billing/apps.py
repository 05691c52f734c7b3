from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from accounts import dashboard
        from billing import selectors as dashboard_selectors

        dashboard.register(dashboard_selectors.dashboard_panel)
        from django.db.models.signals import post_delete, post_save

        from billing.models import Plan

        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(dashboard_selectors.forget_free_plan, sender=Plan, dispatch_uid=f"free_plan_{name}")
        from accounts import entitlements, locks
        from billing import dunning, handlers, selectors
        from billing.models import Invoice
        from billing.payments import webhooks
        from billing.providers import sandbox
        from billing.services import subscriptions
        from coupons.selectors import register_invoice_reads, register_scope_source
        from notifications import kinds

        for kind in (
            "invoice_issued",
            "invoice_paid",
            "credit_note_issued",
            "payment_failed",
            "payment_action_required",
            "dunning_reminder",
            "account_suspended",
            "account_reactivated",
            "trial_ending",
            "trial_ended",
        ):
            kinds.register(kind, email=True, template=f"billing/emails/{kind}")
        entitlements.register(selectors.suspension_reason)
        locks.register(selectors.has_billing_history)
        handlers.register_invoice_paid_handler("subscription", subscriptions.subscription_invoice_paid)
        handlers.register_invoice_voided_handler("subscription", subscriptions.subscription_invoice_voided)
        for source in Invoice.Source.values:
            handlers.register_invoice_paid_handler(source, dunning.reactivate_if_settled)
        sandbox.deliver_webhooks_with(webhooks.deliver_sandbox_webhook)
        register_invoice_reads(paid_invoices=selectors.paid_invoices, coupon_discounts=selectors.coupon_discounts)
        register_scope_source("plans", selectors.plan_choices)
