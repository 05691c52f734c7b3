from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage and add-ons"

    def ready(self):
        from notifications.kinds import register

        register("usage_alert", email=True, template="usage/emails/usage_alert")
