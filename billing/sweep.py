"""The billing sweeper: work whose task was lost (the broker down when it was queued, a worker
killed while running it) is queued again. Every task it queues is idempotent: the PDF is rendered
once, the "issued" email sent once, a webhook event or a dunning step acted on once."""

from datetime import timedelta

from django.db.models import Q

from billing.dunning import perform_dunning_event
from billing.models import CreditNote, DunningEvent, Invoice, WebhookEvent
from billing.payments.webhooks import process_webhook_event
from billing.services.delivery import render_credit_note_pdf, render_invoice_documents

# Older documents missing a PDF or an email predate this sweeper: staff's "resend" serves them.
HORIZON = timedelta(days=30)
BATCH = 500


def redrive(*, before, counts):
    """Queue again what was left undone before `before`."""
    undelivered = Q(pdf_file="") | Q(issued_notified_at__isnull=True)
    invoices = Invoice.objects.filter(undelivered, updated_at__lt=before, created_at__gte=before - HORIZON).exclude(
        status=Invoice.Status.DRAFT
    )
    notes = CreditNote.objects.filter(Q(pdf_file="") | Q(notified_at__isnull=True), created_at__range=(before - HORIZON, before))
    events = WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED, received_at__lt=before)
    steps = DunningEvent.objects.filter(outcome=DunningEvent.Outcome.PENDING, occurred_at__lt=before)
    for name, queryset, task in (
        ("invoices", invoices, render_invoice_documents),
        ("credit_notes", notes, render_credit_note_pdf),
        ("webhook_events", events, process_webhook_event),
        ("dunning_events", steps, perform_dunning_event),
    ):
        for pk in queryset.order_by("pk").values_list("pk", flat=True)[:BATCH]:
            task.delay(pk)
            counts[name] += 1
