"""The few live counters on the admin index, each shown only to a role that may see its list."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.analytics import overdue_invoices, status_counts
from generation.selectors import active_job_count
from support.selectors import active_ticket_count


def live_counters(user):
    counters = []
    today = timezone.localdate()
    if user.has_perm("billing.view_invoice"):
        url = reverse("backoffice:report", args=["overdue"])
        counters.append((_("Overdue invoices"), overdue_invoices(today=today).count(), url))
    if user.has_perm("billing.view_subscription"):
        counts = status_counts()
        url = reverse("admin:billing_subscription_changelist")
        counters.append((_("Past-due subscriptions"), counts["past_due"], url + "?status__exact=past_due"))
        counters.append((_("Suspended subscriptions"), counts["suspended"], url + "?status__exact=suspended"))
    if user.has_perm("support.view_ticket"):
        url = reverse("admin:support_ticket_changelist")
        counters.append((_("Open tickets"), active_ticket_count(), url))
    if user.has_perm("generation.view_generationjob"):
        url = reverse("admin:generation_generationjob_changelist")
        counters.append((_("Jobs running"), active_job_count(), url))
    return counters
