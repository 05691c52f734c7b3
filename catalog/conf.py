"""Catalog settings from the environment (listed in the README)."""

import environ

env = environ.Env()


def pending_order_hours():
    """How long an unpaid order holds its limited units and promo code before it is canceled."""
    return env.int("CATALOG_PENDING_ORDER_HOURS", default=24)
