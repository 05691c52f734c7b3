from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="support: SLA warnings and breaches",
        task="support.tasks.check_sla",
        crontab={"minute": "*/5"},
        description="Flags tickets at 80% of an SLA target and at its breach; tells the assignee and the support leads.",
    ),
    Periodic(
        name="support: close resolved tickets",
        task="support.tasks.close_resolved_tickets",
        crontab={"minute": "15"},
        description="Closes tickets resolved more than 7 days ago (the customer's reopen window).",
    ),
]
