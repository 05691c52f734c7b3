from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications and emails")

    def ready(self):
        from accounts.mail import register_sender
        from notifications.kinds import register
        from notifications.services import send_email

        register("broadcast", email=False)
        register_sender(send_email)
