from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = _("AI generation")

    def ready(self):
        from accounts import dashboard
        from generation import selectors as dashboard_selectors

        dashboard.register(dashboard_selectors.dashboard_panel)
        from accounts.services import register_organization_created
        from billing.services import register_subscription_changed_handler
        from generation.services import grant_credits, sync_plan_credits
        from notifications import kinds
        from usage.selectors import register_credit_summary
        from usage.services import register_delivery

        kinds.register("generation_completed")
        kinds.register("generation_failed")
        register_delivery("generation_credits", grant_credits)  # credits add-ons land on the ledger
        register_subscription_changed_handler(sync_plan_credits)  # the plan's credits follow its paid periods
        register_organization_created(sync_plan_credits)  # a new organization starts with the Free plan's month
        register_credit_summary(dashboard_selectors.credit_summary)  # usage pages and alerts read the ledger
