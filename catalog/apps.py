from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Shop")

    def ready(self):
        from billing.services import (
            register_invoice_paid_handler,
            register_invoice_refunded_handler,
            register_invoice_voided_handler,
        )
        from catalog import selectors, signals
        from catalog.services import handle_invoice_paid, handle_invoice_refunded, handle_invoice_voided
        from coupons.selectors import register_checkout_count, register_scope_source
        from notifications import kinds

        register_invoice_paid_handler("order", handle_invoice_paid)
        register_invoice_voided_handler("order", handle_invoice_voided)
        register_invoice_refunded_handler("order", handle_invoice_refunded)
        kinds.register("order_confirmed", email=True, template="catalog/emails/order_confirmed")
        kinds.register("order_canceled")
        signals.connect()
        register_checkout_count(selectors.paid_checkout_count)
        register_scope_source("products", selectors.product_choices)
        register_scope_source("categories", selectors.category_choices)
