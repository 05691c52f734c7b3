from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="catalog.purge_anonymous_carts",
        task="catalog.tasks.purge_anonymous_carts",
        crontab={"minute": "30", "hour": "3"},
        description="Delete anonymous carts untouched for 30 days.",
    ),
]
