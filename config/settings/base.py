"""WeBox settings shared by every profile.

A profile module (`local`, `test`, `production`) imports this one and then decides what differs:
`DEBUG`, the secrets, the hosts, static files and the data stores (through `use_data_stores`).
Nothing here depends on `DEBUG`, and `DEBUG` itself is off unless a profile turns it on.

Everything comes from environment variables (django-environ). The embedded stores let a fresh
machine run the whole process set with nothing but Python: SQLite, a disk cache and a SQLite
channel layer that the web server, the worker and beat share, a filesystem Celery broker.
`DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis. Every variable is in the README.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

import config.deploy_checks  # noqa: F401 (registers check --deploy's report of unsafe defaults)
from billing import conf as billing_conf

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Where the embedded stores, uploaded files and the beat schedule live on this machine.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = False
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "accounts.apps.WeBoxAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "django_celery_results",
    "django_htmx",
    "axes",
    "channels",
    # WeBox apps, in dependency order (seed_demo runs their demo data in this order).
    "core",
    "accounts",
    "notifications",
    "billing",
    "coupons",
    "catalog",
    "usage",
    "generation",
    "support",
    "blog",
    "search",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "usage.middleware.UsageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.OrganizationMiddleware",
    "accounts.middleware.OrganizationTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    # After the user and organization are known: their language and time zone win over the browser's.
    "accounts.middleware.PreferencesMiddleware",
    # Last, so that its 400 page is rendered for a known user in their language.
    "core.middleware.RejectNullCharactersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.organization",
                "notifications.context_processors.unread",
                "billing.context_processors.billing_banner",
                "catalog.context_processors.cart",
                "billing.context_processors.payment_test_mode",
            ],
        },
    },
]

# --- Data stores (the profiles call use_data_stores) ----------------------------------------------
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="webox")
# SQLite shared by the web server, the worker and beat: WAL lets readers go on while one writes,
# a writer waits up to 20 s for the lock, and every transaction takes the write lock when it
# begins (IMMEDIATE), so a transaction that read first never fails to upgrade ("database is locked").
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def database(url, **extra):
    config = env.db_url_config(url)
    config.update(ATOMIC_REQUESTS=False, CONN_MAX_AGE=env.int("CONN_MAX_AGE", default=0), **extra)
    if config["ENGINE"].endswith("sqlite3"):
        config["OPTIONS"] = {**config.get("OPTIONS", {}), **SQLITE_OPTIONS}
    pool_size = env.int("DATABASE_POOL_SIZE", default=0)
    if pool_size and config["ENGINE"].endswith("postgresql"):
        # A new PostgreSQL connection per request or socket costs more than most pages' queries:
        # the web processes (bin/web) keep a pool; a connection is checked before each reuse.
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "pool": {"min_size": 1, "max_size": pool_size, "timeout": 10}}
        config.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=True)
    return config


def redis_options():
    """redis-py 8 gives every socket a 5 s timeout, the length of channels_redis's blocking read:
    an idle WebSocket then died with TimeoutError. Reads wait longer than any blocking command,
    connections are kept alive and checked before reuse, and a Redis that is down is known in 2 s."""
    return {"socket_connect_timeout": 2, "socket_timeout": 30, "socket_keepalive": True, "health_check_interval": 25}


def redis_cache(url):
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 5},
    }


def redis_channel_layer(url):
    """channels_redis keeps the messages of all the sockets of one web process in one Redis key
    and refuses (a send) or drops (a group send, logged) what exceeds its `capacity`: at the
    default 100, a burst of pushes to many users lost a quarter of them. The capacity now covers a
    process's worth of sockets with a burst each; `expiry` is how long a message waits for a
    process that stopped reading (a minute), and a broadcast is one message per process anyway."""
    return {
        "BACKEND": "notifications.layers.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, **redis_options()}],
            "prefix": CACHE_KEY_PREFIX,
            "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=20000),
            "expiry": 60,
        },
    }


def embedded_cache(folder):
    """diskcache's Django backend: SQLite files that every process of the machine shares, with
    atomic increments across processes (the usage counters and rate limits rely on them)."""
    return {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(folder), "TIMEOUT": 300, "SHARDS": 4}


def use_data_stores(settings, *, database_url, redis_url):
    """Set the database, cache, channel layer and Celery broker from two URLs.

    Without `redis_url`, everything is embedded and still shared between processes: the disk
    cache above, the channel layer of channels-lite on a SQLite file of its own (so event polling
    never waits on the application's write lock), and kombu's filesystem broker.
    """
    var = settings["VAR_DIR"]
    settings["DATABASES"] = {"default": database(database_url)}
    settings["REDIS_URL"] = redis_url
    settings["CELERY_BROKER_URL"] = env("CELERY_BROKER_URL", default=redis_url or "filesystem://")
    if redis_url:
        settings["CACHES"] = {"default": redis_cache(redis_url)}
        settings["CHANNEL_LAYERS"] = {"default": redis_channel_layer(redis_url)}
    else:
        settings["CACHES"] = {"default": embedded_cache(var / "cache")}
        settings["DATABASES"]["channels"] = database(f"sqlite:///{var / 'channels.sqlite3'}")
        settings["DATABASE_ROUTERS"] = ["core.db_routers.ChannelLayerRouter"]
        settings["INSTALLED_APPS"] = [*settings["INSTALLED_APPS"], "channels_lite"]
        settings["CHANNEL_LAYERS"] = {
            "default": {"BACKEND": "channels_lite.layers.core.SQLiteChannelLayer", "CONFIG": {"database": "channels"}}
        }
    if settings["CELERY_BROKER_URL"].startswith("filesystem://"):
        folder = Path(env("CELERY_BROKER_FOLDER", default=str(var / "broker")))
        settings["CELERY_BROKER_TRANSPORT_OPTIONS"] = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }


# --- Auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=env.int("EMAIL_VERIFICATION_DAYS", default=3))
INVITATION_MAX_AGE = timedelta(days=7)

# Brute-force protection (django-axes): lock an account after N failures, from whatever addresses
# (a password reset lifts the lock); each address is limited by the "auth" throttle as well.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# django-axes would also lock addresses; the address side is a rate limit on every login instead
# (the "auth" throttle, page and API), so that a carrier-grade NAT address shared by thousands of
# app users is never locked by a few people's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Behind a load balancer, the client address is in X-Forwarded-For: say how many proxies to trust,
# or every client would share the balancer's address (and one could lock out anyone's email).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]

# Staff act only after a TOTP check: admin, back office, agent desk, staff downloads and the staff
# API (core.permissions); the local profile exempts the demo staff, with DEBUG only.
OTP_TOTP_ISSUER = "WeBox"
ADMIN_2FA_EXEMPT_EMAILS = []
RECOVERY_CODE_COUNT = 10

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",  # drf-spectacular's, plus anonymous_methods
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.RequestRateThrottle"],  # one round trip per request
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        # Per client address: logins (failures also lock the account, django-axes) and sign-ups.
        "auth": env("THROTTLE_AUTH", default="10/min"),
        "register": env("THROTTLE_REGISTER", default="10/min"),
        # Per user of the token: refresh and logout (mobile users share carrier-grade NAT addresses).
        "refresh": env("THROTTLE_REFRESH", default="20/min"),
        # Per address and per target email: reset links and verification emails.
        "email_address": env("THROTTLE_EMAIL_ADDRESS", default="10/hour"),
        "email_target": env("THROTTLE_EMAIL_TARGET", default="3/hour"),
        "public_form": env("THROTTLE_PUBLIC_FORM", default="5/min"),
        "coupon_validate": env("THROTTLE_COUPON_VALIDATE", default="10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The client address behind TRUSTED_PROXY_COUNT proxies (0: REMOTE_ADDR, X-Forwarded-For ignored).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Unset: simplejwt signs with SECRET_KEY.
    **({"SIGNING_KEY": env("JWT_SIGNING_KEY")} if env("JWT_SIGNING_KEY", default="") else {}),
    "USER_ID_FIELD": "id",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WeBox API",
    "DESCRIPTION": "AI generation storefront, billing, usage, support and notifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI's files come from drf-spectacular-sidecar (pinned), served as static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's errors, in the error envelope (401, 403, 404, 400/409/422, 429).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.schema.document_errors"],
    # Choice sets that share a field name across apps get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": "accounts.models.Organization.Currency",
        "CurrencyCodeEnum": "core.money.CURRENCY_CHOICES",
        "InvoiceStatusEnum": "billing.models.invoicing.Invoice.Status",
        "TicketStatusEnum": "support.models.Status",
        "SupportPriorityEnum": "support.models.Priority",
        "PaymentMethodKindEnum": "billing.models.payments.MethodKind",
    },
}

# --- Internationalisation ----------------------------------------------------------------------
# French first. The language of a request: the user's setting, else the organization's, else the
# browser's (the language cookie the switcher sets, then Accept-Language), else LANGUAGE_CODE.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
# One catalogue per app (`<app>/locale/`) and one for the project's templates, static JS and config
# (`locale/`), the apps' first: makemessages files each string under the first path whose parent
# holds the source file. docs/i18n.md has the commands.
LOCALE_PATHS = [
    *(BASE_DIR / app / "locale" for app in INSTALLED_APPS if (BASE_DIR / app / "locale").is_dir()),
    BASE_DIR / "locale",
]
# Django's date formats made to agree with Babel's (core.formats), for the admin and forms.
FORMAT_MODULE_PATH = ["core.django_formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The time zone scheduled tasks are expressed in (09:00 dunning, 02:00 retries, ...).
PLATFORM_TIME_ZONE = env("PLATFORM_TIME_ZONE", default="Europe/Paris")
SUPPORTED_CURRENCIES = ["EUR", "XOF"]
# A staging install that takes simulated payments (the sandbox provider) with DEBUG off must say
# so here; every page then shows TEST MODE. Production refuses to start with the sandbox otherwise.
PAYMENT_TEST_MODE = env.bool("PAYMENT_TEST_MODE", default=False)

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"  # only public uploads are served there (core.media)
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": env("DEFAULT_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Email -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="WeBox <no-reply@webox.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery (the broker is chosen with the data stores) -----------------------------------------
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BEAT_SCHEDULER = "core.beat:Scheduler"  # django-celery-beat's, with a heartbeat
# Workers and beat write a heartbeat this often; three missed ones mean the process is down.
HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=10)
CELERY_TIMEZONE = PLATFORM_TIME_ZONE
# Work queued this long ago and still undone was lost (broker down, worker killed): the sweepers
# (billing.sweep, notifications.tasks.sweep_emails) queue it again.
SWEEP_AFTER_SECONDS = env.int("SWEEP_AFTER_SECONDS", default=120)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Business ----------------------------------------------------------------------------------
# EU distance sales to consumers a year (net, euros) above which their own country's VAT applies
# (art. 259 D CGI); the running total is kept per calendar year (billing.tax).
EU_DISTANCE_SALES_THRESHOLD_EUR = env.int("EU_DISTANCE_SALES_THRESHOLD_EUR", default=10_000)

# The EU's VAT number check (accounts.vies); it cannot be reached from the test machines.
VIES_URL = env("VIES_URL", default="https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number")
VIES_TIMEOUT = env.float("VIES_TIMEOUT", default=5.0)
# Stored VIES answers are asked again once this old (or while VIES was unavailable), at most
# VIES_RECHECK_BATCH numbers an hour (accounts.tasks.recheck_vat_numbers): a number VIES stops
# confirming loses the reverse charge from the next invoice.
VIES_RECHECK_DAYS = env.int("VIES_RECHECK_DAYS", default=30)
VIES_RECHECK_BATCH = env.int("VIES_RECHECK_BATCH", default=50)

# The seller's identity, printed on every invoice and credit note (art. R123-237 of the Commercial
# Code: legal form, share capital, RCS number and city) and copied onto each at its issue. The
# defaults are a development company (its numbers pass their checksums): a deployment sets its own,
# or refuses to start (config/deploy_checks.py, webox.E006). `routing_address` is the seller's
# electronic invoicing address in the French directory (BT-34, scheme 0225): its SIREN when unset.
SELLER_DEVELOPMENT_DEFAULTS = {
    "name": "WeBox",
    "legal_form": "SAS",
    "share_capital": "10000",  # euros
    "rcs_city": "Paris",
    "siren": "123456709",
    "vat_number": "FR83123456709",
    "address_line": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
    "email": "billing@webox.test",
    "routing_address": "",
}


def seller_from_environment():
    return {
        name: env(f"SELLER_{'SHARE_CAPITAL_EUR' if name == 'share_capital' else name.upper()}", default=default)
        for name, default in SELLER_DEVELOPMENT_DEFAULTS.items()
    }


SELLER = seller_from_environment()

# --- Security headers (the production profile adds HTTPS, HSTS and secure cookies) -----------------
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (written through to the database): a signed-in page does not
# pay a session query. Ending a session (logout, "end other sessions", a credentials change) goes
# through the session store, which deletes both copies. While the cache is down, sessions are read
# from the database alone (core.sessions).
SESSION_ENGINE = "core.sessions"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; keep default.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): every script and stylesheet is a file of the site itself,
# no inline script, event handler, <style> element or style attribute (pages pass data through
# data-attributes and json_script; bars are SVG rectangles whose width is an attribute, and scripts
# set styles through the CSSOM, which the policy allows). Django Admin's pages need nothing more.
# The socket (ws: or wss:, same host) is 'self' for connect-src. When Stripe is offered, the pay
# page's card field loads Stripe.js, which frames Stripe's pages and calls its API.
STRIPE_CSP = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def content_security_policy(payment_providers):
    directives = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [NONE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
    if "stripe" in payment_providers:
        for directive, sources in STRIPE_CSP.items():
            directives[directive] = [*(s for s in directives[directive] if s != NONE), *sources]
    return {"DIRECTIVES": directives}


CONTENT_SECURITY_POLICY = content_security_policy(billing_conf.PAYMENT_PROVIDERS)

# --- Logging: one structured line per event, with request id, user and organization ------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "core.logging.ContextFilter"},
        "redact": {"()": "core.logging.RedactSecretsFilter"},
        "outage": {"()": "core.logging.OutageFilter"},
    },
    "formatters": {"kv": {"()": "core.logging.KeyValueFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kv", "filters": ["context", "redact"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["outage"]},
        "axes": {"level": "WARNING"},
        "celery": {"level": "INFO"},
        "channels_redis": {"level": "INFO"},  # says how many sockets a group send dropped (over capacity)
        # uvicorn's own handlers print paths as they came (query strings included): ours redact.
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
