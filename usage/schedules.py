from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="usage: flush counters",
        task="usage.tasks.flush_counters",
        every_seconds=60,
        description="Moves the traffic, API request and credit counters from the cache into monthly usage.",
    ),
    Periodic(
        name="usage: recount storage",
        task="usage.tasks.recompute_storage",
        crontab={"minute": "0", "hour": "4"},
        description="Sets each organization's storage use from what is really stored (corrects drift).",
    ),
    Periodic(
        name="usage: end add-on periods",
        task="usage.tasks.end_addon_periods",
        crontab={"minute": "0", "hour": "5"},
        description="Renews add-ons whose period ended (new invoice) or expires them when renewal is off.",
    ),
    Periodic(
        name="usage: check limits",
        task="usage.tasks.check_limits",
        crontab={"minute": "0", "hour": "6"},
        description="Sends the 80/95/100 % and projection alerts not sent yet this month.",
    ),
]
