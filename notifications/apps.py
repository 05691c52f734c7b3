from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and emails"

    def ready(self):
        from notifications.kinds import register

        register("broadcast", email=False)
