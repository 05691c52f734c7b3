"""The production profile: the default of manage.py, the ASGI and WSGI applications and Celery.

Nothing falls back to a development value: the secret key, the host names, the site URL, the
database and Redis must be named in the environment, or the process refuses to start and says
which variable is missing. It also refuses a development secret and the sandbox payment provider
unless PAYMENT_TEST_MODE=true names a staging install (config/deploy_checks.py). HTTPS, HSTS and secure
cookies are on; static files are hashed and compressed by `collectstatic` (WhiteNoise).
`manage.py check --deploy` passes without warnings.
"""

from django.core.exceptions import ImproperlyConfigured

from config.deploy_checks import refuse_unsafe_defaults

from .base import *  # noqa: F403
from .base import env, use_data_stores


def required(name):
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"The production profile needs {name} in the environment (see docs/deploy.md). "
            "To work on this machine instead, use DJANGO_SETTINGS_MODULE=config.settings.local (what `make run` does)."
        )
    return value


DEBUG = False
SECRET_KEY = required("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in required("ALLOWED_HOSTS").split(",") if host.strip()]
SITE_URL = required("SITE_URL").rstrip("/")

use_data_stores(globals(), database_url=required("DATABASE_URL"), redis_url=required("REDIS_URL"))

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP to the server itself
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

refuse_unsafe_defaults(globals())
