from core.schedules import Periodic

PERIODIC_TASKS = [
    Periodic(
        name="blog.publish_due",
        task="blog.tasks.publish_due",
        every_seconds=60,
        description="Mark scheduled articles whose date has come as published (they are visible from that date anyway).",
    ),
]
