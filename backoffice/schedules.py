from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="backoffice: record MRR",
        task="backoffice.tasks.record_mrr",
        crontab={"minute": "30", "hour": "0"},
        description="Writes each organization's MRR for the month, so changes made without a signal "
        "(bulk imports, a coupon's last discounted cycle) still reach the MRR movement report.",
    ),
]
