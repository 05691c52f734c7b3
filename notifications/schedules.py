from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="notifications: re-send lost emails",
        task="notifications.tasks.sweep_emails",
        every_seconds=60,
        description="Sends emails still queued whose task was lost (broker down, worker killed) or whose "
        "retry is due; each email is sent once.",
    ),
]
