"""Support settings read from the environment (with safe defaults), listed in the README."""

from datetime import timedelta
from urllib.parse import urlparse

import environ
from django.conf import settings

env = environ.Env()

# Days a resolved ticket stays open to the customer's "reopen" before it closes by itself.
REOPEN_WINDOW = timedelta(days=env.int("SUPPORT_REOPEN_DAYS", default=7))
# Attachments: how many per message, and the largest accepted file.
MAX_ATTACHMENTS = env.int("SUPPORT_MAX_ATTACHMENTS", default=5)
MAX_ATTACHMENT_BYTES = env.int("SUPPORT_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
# Public contact page: submissions allowed per client address per window (the API uses the
# platform's `public_form` throttle instead).
CONTACT_LIMIT = env.int("SUPPORT_CONTACT_LIMIT", default=5)
CONTACT_WINDOW_SECONDS = env.int("SUPPORT_CONTACT_WINDOW_SECONDS", default=600)


def email_domain():
    """The right-hand side of the Message-Ids that thread a ticket's emails."""
    return env("SUPPORT_EMAIL_DOMAIN", default="") or urlparse(settings.SITE_URL).hostname or "webox.test"
