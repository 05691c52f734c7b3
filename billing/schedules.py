from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="billing: renew subscriptions",
        task="billing.tasks.renew_subscriptions",
        crontab={"minute": "5"},
        description="Ends canceled subscriptions, applies downgrades and invoices the next period.",
    ),
    Periodic(
        name="billing: overdue invoices",
        task="billing.tasks.notify_overdue_invoices",
        crontab={"minute": "0", "hour": "8"},
        description="Tells organizations once about each invoice past its due date.",
    ),
]
