from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="accounts: VIES re-check",
        task="accounts.tasks.recheck_vat_numbers",
        crontab={"minute": "40"},  # hourly
        description="Asks VIES again about EU VAT numbers last confirmed over VIES_RECHECK_DAYS ago or while it was "
        "unavailable (VIES_RECHECK_BATCH an hour): a number it now refuses loses the reverse charge.",
    ),
]
