"""The local profile: what `make run` starts on a developer's machine.

DEBUG is on (tracebacks, static files served from the source folders, the demo staff login without
2FA). The secrets have development defaults; the data stores are embedded unless `DATABASE_URL` or
`REDIS_URL` name servers.
"""

from .base import *  # noqa: F403
from .base import STORAGES, VAR_DIR, env, use_data_stores

DEBUG = True
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env("SITE_URL", default=f"http://localhost:{env('PORT', default='8000')}").rstrip("/")

use_data_stores(
    globals(),
    database_url=env("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'webox.sqlite3'}"),
    redis_url=env("REDIS_URL", default=""),
)

# Unhashed names, read from the source folders: no collectstatic while developing.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The demo staff accounts (seed_demo) act without a TOTP step, on this profile only (DEBUG).
# finance@webox.test shows the other path: it enrols an authenticator at its first staff page.
ADMIN_2FA_EXEMPT_EMAILS = ["staff@webox.test", "agent@webox.test"]
