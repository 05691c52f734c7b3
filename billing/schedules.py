from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="billing: renew subscriptions",
        task="billing.tasks.renew_subscriptions",
        crontab={"minute": "5"},  # hourly
        description="Ends canceled subscriptions, applies downgrades and invoices the next period.",
    ),
    Periodic(
        name="billing: dunning",
        task="billing.tasks.run_dunning",
        crontab={"minute": "0", "hour": "9"},
        description="Overdue invoices: the dunning policy's reminders, suspension warning and suspension, once per step.",
    ),
    Periodic(
        name="billing: payment retries",
        task="billing.tasks.retry_failed_payments",
        crontab={"minute": "0", "hour": "2"},
        description="Retries failed invoice payments with the default method (+1, +3, +6 days by default).",
    ),
    Periodic(
        name="billing: payment status poller",
        task="billing.tasks.poll_pending_payments",
        every_seconds=120,
        description="Asks the providers where payments in flight for two minutes stand (mobile money waiting for the "
        "phone, lost callbacks): their status is the truth.",
    ),
    Periodic(
        name="billing: trials",
        task="billing.tasks.process_trials",
        crontab={"minute": "0", "hour": "3"},
        description="Reminds trials ending in 3 days; converts ended trials with a payment method, suspends the others.",
    ),
    Periodic(
        name="billing: re-drive undone work",
        task="billing.tasks.sweep_undone",
        every_seconds=60,
        description="Queues again invoice and credit-note documents and emails, webhook events and dunning "
        "steps whose task was lost (broker down, worker killed); each is done once.",
    ),
]
