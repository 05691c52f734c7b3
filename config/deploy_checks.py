"""What a deployment must not run with: development secrets, the sandbox payment provider and the
development company as the seller of its invoices.

One list of problems, read two ways: the production profile refuses to start on any of them
(`refuse_unsafe_defaults`, called at the end of config/settings/production.py, so every process
of the set stops and says why), and `manage.py check --deploy` reports each of them on any profile
whose DEBUG is off (the system check below, registered when the settings load). It lives beside
the settings, not in an app: it reads billing's payment configuration, which core may not import.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from billing import conf as payments

# The secrets the repository itself holds (development and test profiles, the payment sandbox):
# anyone can read them, so they sign nothing in production.
DEVELOPMENT_SECRET_PREFIXES = ("dev-only-insecure-key-", "test-only-secret-key-", "django-insecure-")
SANDBOX_DEFAULT_SECRET = "sandbox-dev-secret"

# Each real provider and the variables it cannot work without.
PROVIDER_SECRETS = {
    "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
    "mobile_money": ("MOBILE_MONEY_BASE_URL", "MOBILE_MONEY_API_KEY", "MOBILE_MONEY_WEBHOOK_SECRET"),
}


def _development_secret(value):
    return bool(value) and str(value).startswith(DEVELOPMENT_SECRET_PREFIXES)


# What identifies the development company that SELLER defaults to (its city or legal form may
# well be the real seller's): printed on an invoice, any of them makes it a false document.
SELLER_IDENTIFIERS = ("siren", "vat_number", "address_line", "email")

SETTINGS_READ = ("DEBUG", "SECRET_KEY", "SIMPLE_JWT", "PAYMENT_TEST_MODE", "SELLER", "SELLER_DEVELOPMENT_DEFAULTS")


def problems(settings):
    """[(check id, message)] for a settings mapping (the names in SETTINGS_READ); none with DEBUG on."""
    if settings["DEBUG"]:
        return []
    found = []
    if _development_secret(settings["SECRET_KEY"]):
        found.append(("webox.E001", "SECRET_KEY is a development key from the repository: set a secret of your own."))
    if _development_secret(settings["SIMPLE_JWT"].get("SIGNING_KEY", "")):
        found.append(("webox.E002", "JWT_SIGNING_KEY is a development key from the repository: set a secret of your own."))
    providers = list(payments.PAYMENT_PROVIDERS)
    if "sandbox" in providers and not settings["PAYMENT_TEST_MODE"]:
        found.append((
            "webox.E003",
            "The sandbox payment provider is enabled (PAYMENT_PROVIDERS) with DEBUG off: anyone could pay with a test "
            "card or a forged sandbox webhook. Name the real providers, or set PAYMENT_TEST_MODE=true for a staging "
            "install (every page then says TEST MODE).",
        ))
    if "sandbox" in providers and payments.SANDBOX_WEBHOOK_SECRET == SANDBOX_DEFAULT_SECRET:
        found.append(("webox.E004", "SANDBOX_WEBHOOK_SECRET is the public development secret: set a secret of your own."))
    defaults = settings["SELLER_DEVELOPMENT_DEFAULTS"]
    left = [key for key in SELLER_IDENTIFIERS if settings["SELLER"].get(key) == defaults[key]]
    # A staging install (PAYMENT_TEST_MODE, TEST MODE on every page) issues test documents only.
    if left and not settings["PAYMENT_TEST_MODE"]:
        names = ", ".join(f"SELLER_{key.upper()}" for key in left)
        found.append((
            "webox.E006",
            f"The seller's identity is still the development company's ({names}): every invoice would carry it. "
            "Set the company's own SELLER_* values (docs/deploy.md).",
        ))
    for provider, names in PROVIDER_SECRETS.items():
        missing = [name for name in names if provider in providers and not getattr(payments, name)]
        if missing:
            found.append(("webox.E005", f"The {provider} payment provider is enabled without {', '.join(missing)}."))
    return found


def refuse_unsafe_defaults(settings):
    """Raise ImproperlyConfigured listing every problem of a profile's settings (its globals())."""
    found = problems(settings)
    if found:
        raise ImproperlyConfigured(
            "This process refuses to start (see docs/deploy.md):\n" + "\n".join(f"- {message}" for _id, message in found)
        )


@register(Tags.security, deploy=True)
def check_unsafe_defaults(app_configs, **kwargs):
    found = problems({name: getattr(settings, name) for name in SETTINGS_READ})
    return [Error(message, id=check_id) for check_id, message in found]
