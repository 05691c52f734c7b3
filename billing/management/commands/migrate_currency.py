"""Move an organization to another currency, deliberately: `manage.py migrate_currency alice-studio
XOF --staff staff@webox.test --reason "Moved to Dakar"`. Refused while anything is in flight in the
old currency; nothing is converted (billing.services.currency)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization, User
from billing.services import migrate_currency
from core.errors import DomainError


class Command(BaseCommand):
    help = "Move an organization to another currency (staff, with a reason; nothing is converted)."

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug")
        parser.add_argument("currency", help="ISO code, e.g. XOF")
        parser.add_argument("--staff", required=True, help="Email of the staff member responsible")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, organization, currency, staff, reason, **options):
        org = Organization.objects.filter(slug=organization).first()
        user = User.objects.filter(email__iexact=staff, is_staff=True).first()
        if org is None or user is None:
            raise CommandError("No such organization or staff member.")
        try:
            migrate_currency(organization=org, currency=currency.upper(), user=user, reason=reason)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{org.slug} now uses {currency.upper()}.")
