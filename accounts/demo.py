"""Demo people: a staff user and two customers in two organizations (EUR and XOF)."""

from django.utils import timezone

from accounts.models import Membership, Organization, User


def demo_user(email, password, **fields):
    user, created = User.objects.get_or_create(email=email, defaults={**fields, "email_verified_at": timezone.now()})
    if created:
        user.set_password(password)
        user.save()
    return user


def demo_organization(owner, slug, **fields):
    org, _ = Organization.objects.get_or_create(slug=slug, defaults=fields)
    Membership.objects.get_or_create(user=owner, organization=org, defaults={"role": Membership.Role.OWNER})
    if owner.default_organization_id is None:
        owner.default_organization = org
        owner.save(update_fields=["default_organization"])
    return org


def seed(log):
    demo_user("staff@webox.test", "webox-staff", first_name="Sam", last_name="Staff", is_staff=True, is_superuser=True)
    alice = demo_user("alice@webox.test", "webox-demo", first_name="Alice", last_name="Martin", locale="fr")
    bob = demo_user("bob@webox.test", "webox-demo", first_name="Bob", last_name="Diallo", locale="fr")
    demo_organization(
        alice,
        "alice-studio",
        name="Alice Studio",
        legal_name="Alice Studio SARL",
        currency="EUR",
        locale="fr",
        address_line1="8 rue des Lilas",
        postal_code="69001",
        city="Lyon",
        country="FR",
        vat_number="FR61842315004",
        siren="842315004",
        billing_email="alice@webox.test",
        time_zone="Europe/Paris",
    )
    demo_organization(
        bob,
        "bob-digital",
        name="Bob Digital",
        legal_name="Bob Digital SUARL",
        currency="XOF",
        locale="fr",
        address_line1="Rue 10, Point E",
        city="Dakar",
        country="SN",
        billing_email="bob@webox.test",
        time_zone="Africa/Dakar",
    )
