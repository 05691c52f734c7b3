"""The test profile: what pytest runs (pyproject.toml names it).

It tests the production profile's behaviour in one process. What is the same as production:
`DEBUG` off (the pages, error handlers, admin 2FA rule and media serving users meet in
production; a test that covers a DEBUG-only branch turns it on with the `settings` fixture, and
its production side runs by default), the security headers, the middleware, the API settings,
the database and cache that `DATABASE_URL` and `REDIS_URL` name (PostgreSQL and Redis in CI).
Without them: SQLite and the same disk cache `make run` shares between its processes.

What differs, and why:
- Celery runs tasks inline (`CELERY_TASK_ALWAYS_EAGER`): one process, no worker.
- The channel layer is in memory: one process. The shared layers (channels-lite, Redis) are
  driven across real processes by the end-to-end suite (`e2e/`, `pytest -m e2e`).
- HTTP, not HTTPS: no SSL redirect and no secure-only cookies (the test client and the live
  server speak plain HTTP); `core/tests/test_platform.py` runs `check --deploy` on production.
- Static files keep their source names (no collectstatic before each run); the hashed, compressed
  build of production is made by the end-to-end suite's production run.
- Payments are simulated (`PAYMENT_TEST_MODE`: the sandbox provider, as on a staging install);
  `billing/tests/test_test_mode.py` turns it off to test production's refusal.
- Fixed test secrets, a fast password hasher, emails kept in memory (`mail.outbox`), files in a
  temporary folder.
"""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES, database, embedded_cache, env, redis_cache

DEBUG = False
SECRET_KEY = "test-only-secret-key-" + "t" * 40
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SITE_URL = "http://localhost:8000"  # the links emails carry; tests read them back

VAR_DIR = Path(tempfile.mkdtemp(prefix="webox-test-"))
MEDIA_ROOT = str(VAR_DIR / "media")
STATIC_ROOT = str(VAR_DIR / "staticfiles")

DATABASES = {"default": database(env("DATABASE_URL", default="sqlite:///:memory:"))}
REDIS_URL = env("REDIS_URL", default="")
CACHES = {"default": redis_cache(REDIS_URL) if REDIS_URL else embedded_cache(VAR_DIR / "cache")}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

PAYMENT_TEST_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; hashing is Django's job
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
