from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from accounts import entitlements
        from billing import services
        from notifications import kinds

        for kind in ("invoice_issued", "invoice_paid", "invoice_overdue", "credit_note_issued", "payment_failed"):
            kinds.register(kind, email=True, template=f"billing/emails/{kind}")
        entitlements.register(_suspension_reason)
        services.register_invoice_paid_handler("subscription", services._subscription_paid)


def _suspension_reason(organization):
    from billing.selectors import is_suspended

    if organization is not None and is_suspended(organization):
        return "Your subscription is suspended until the overdue invoices are paid."
    return None
