"""Idempotent demo data for local use: the fixed demo logins, then each app's own `demo.seed()`.

Apps add their demo data in `<app>/demo.py` with `def seed(log)`, run in INSTALLED_APPS order.
Refuses to run when DEBUG is off, so demo passwords never reach production.
"""

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_LOGINS = [
    ("staff@webox.test", "webox-staff", "staff: Django Admin (2FA not enforced for this demo account while DEBUG is on)"),
    ("alice@webox.test", "webox-demo", "customer, organization in EUR"),
    ("bob@webox.test", "webox-demo", "customer, organization in XOF"),
    ("finance@webox.test", "webox-staff", "finance staff: /backoffice/ dashboard, refunds (enrols 2FA at first login)"),
    ("agent@webox.test", "webox-agent", "support agent: /support/agent/, no billing access (2FA not enforced while DEBUG is on)"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo data (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with public passwords: it only runs with DEBUG=true.")
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            with transaction.atomic():
                importlib.import_module(module_name).seed(log=self.stdout.write)
            self.stdout.write(f"  demo data: {config.label}")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for email, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {email} / {password}  ({role})")
