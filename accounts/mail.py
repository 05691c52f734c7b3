"""The emails accounts send (address verification, invitations, password resets) go out through
notifications' send_email, which notifications registers from NotificationsConfig.ready():
notifications sits above accounts (it notifies users and organizations, in their language), so
accounts never import it."""

from django.core.exceptions import ImproperlyConfigured

_senders = []


def register_sender(send_email):
    _senders[:] = [send_email]


def send_email(**message):
    """notifications.services.send_email(to=, template=, kind=, locale=, context=, related=)."""
    if not _senders:
        raise ImproperlyConfigured("No email sender registered: the notifications app registers it (INSTALLED_APPS).")
    return _senders[0](**message)
