"""Payment configuration from the environment (listed in the README). Defaults run offline:
the sandbox provider only, with a development webhook secret."""

import environ

env = environ.Env()

# Providers offered to customers, in this order; the first is the default.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["sandbox"])
SANDBOX_WEBHOOK_SECRET = env("SANDBOX_WEBHOOK_SECRET", default="sandbox-dev-secret")

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")

MOBILE_MONEY_BASE_URL = env("MOBILE_MONEY_BASE_URL", default="").rstrip("/")
MOBILE_MONEY_API_KEY = env("MOBILE_MONEY_API_KEY", default="")
MOBILE_MONEY_WEBHOOK_SECRET = env("MOBILE_MONEY_WEBHOOK_SECRET", default="")
MOBILE_MONEY_TIMEOUT = env.float("MOBILE_MONEY_TIMEOUT", default=10.0)

# A signed webhook older (or newer) than this many seconds is refused as a possible replay.
WEBHOOK_TOLERANCE_SECONDS = env.int("WEBHOOK_TOLERANCE_SECONDS", default=300)
