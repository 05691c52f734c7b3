"""Run a billing task now, as if on a given day: `manage.py run_billing_task dunning --date 2026-04-15`.

The date is a parameter of the services (no clock is faked), so an overdue invoice can be walked
through its dunning steps by running the task for each day. Tasks: dunning, renewals, retries, trials."""

from datetime import date

from celery import current_app
from django.core.management.base import BaseCommand, CommandError

from billing import tasks
from core.models import TaskRun


class Command(BaseCommand):
    help = "Run a billing task (" + ", ".join(tasks.BY_NAME) + ") as if on --date (default today)."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(tasks.BY_NAME))
        parser.add_argument("--date", help="YYYY-MM-DD, in the platform time zone")

    def handle(self, *args, name, date=None, **options):
        if date:
            try:
                self._check(date)
            except ValueError:
                raise CommandError(f"“{date}” is not a date: use YYYY-MM-DD.") from None
        # What the task queues (reminders, emails) runs here too, so the command works without a worker.
        current_app.conf.task_always_eager = True
        tasks.BY_NAME[name](date=date)
        run = TaskRun.objects.filter(task__startswith="billing.").first()
        self.stdout.write(f"{name} ran for {date or 'today'}: {run.outcome if run else '?'} {run.counts if run else {}}")

    @staticmethod
    def _check(value):
        date.fromisoformat(value)
