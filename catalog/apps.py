from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Shop")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from billing.services import (
            register_invoice_paid_handler,
            register_invoice_refunded_handler,
            register_invoice_voided_handler,
        )
        from catalog import selectors, signals
        from catalog.services import handle_invoice_paid, handle_invoice_refunded, handle_invoice_voided
        from coupons.selectors import register_checkout_count
        from notifications import kinds

        register_invoice_paid_handler("order", handle_invoice_paid)
        register_invoice_voided_handler("order", handle_invoice_voided)
        register_invoice_refunded_handler("order", handle_invoice_refunded)
        kinds.register("order_confirmed", email=True, template="catalog/emails/order_confirmed")
        kinds.register("order_canceled")
        user_logged_in.connect(merge_cart_at_login, dispatch_uid="catalog.merge_cart_at_login")
        signals.connect()
        register_checkout_count(selectors.paid_checkout_count)


def merge_cart_at_login(sender, request, user, **kwargs):
    """The cart filled before logging in is kept: it joins the user's cart."""
    from accounts.selectors import resolve_organization
    from catalog.services import merge_session_cart

    if request is None or not hasattr(request, "session"):
        return
    merge_session_cart(request=request, user=user, organization=resolve_organization(request, user))
