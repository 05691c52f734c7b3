from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="generation.fail_stale_jobs",
        task="generation.tasks.fail_stale_jobs",
        every_seconds=120,
        description="Fail and refund jobs left running by a crashed worker; start waiting jobs.",
    ),
    Periodic(
        name="generation.expire_credit_grants",
        task="generation.tasks.expire_credit_grants",
        every_seconds=600,
        description="Write off what is left of credit grants past their expiry (a plan period's credits).",
    ),
]
