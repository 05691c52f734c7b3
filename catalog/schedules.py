from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="catalog.purge_anonymous_carts",
        task="catalog.tasks.purge_anonymous_carts",
        crontab={"minute": "30", "hour": "3"},
        description="Delete anonymous carts untouched for 30 days.",
    ),
    Periodic(
        name="catalog.expire_pending_orders",
        task="catalog.tasks.expire_pending_orders",
        crontab={"minute": "15"},
        description="Cancel orders unpaid after CATALOG_PENDING_ORDER_HOURS, releasing their units and promo codes.",
    ),
]
