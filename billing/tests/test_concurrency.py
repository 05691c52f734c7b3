"""Real concurrent connections on PostgreSQL: invoice numbers stay gapless and unique."""

import threading

import pytest
from django.db import connection

from billing import services
from billing.models import Invoice
from billing.tests.factories import invoice
from conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_finalizations_get_gapless_numbers(organization):
    drafts = [invoice(organization, finalize=False) for _ in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def finalize(draft):
        try:
            barrier.wait()
            services.finalize_invoice(invoice=draft)
        except Exception as exc:  # collected and asserted below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalize, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 21))
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == 20 and all(n.endswith(f"{s:06d}") for n, s in zip(sorted(numbers), sequences, strict=True))


def _in_threads(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_same_idempotency_key_twice_at_once_makes_one_payment(organization):
    from billing import payments
    from billing.models import Payment

    inv = invoice(organization)
    results, errors = _in_threads(
        2,
        lambda: payments.pay_invoice(
            organization=organization,
            invoice=inv,
            provider="sandbox",
            details={"card_number": "4000002760003184"},
            idempotency_key="same-key",
        ),
    )
    assert errors == []
    assert Payment.objects.count() == 1
    assert {payment.pk for payment, _ in results} == {Payment.objects.get().pk}
    assert sorted(replayed for _, replayed in results) == [False, True]


def test_two_different_payments_at_once_one_wins(organization):
    from billing import payments
    from billing.models import Payment
    from core.errors import Conflict

    inv = invoice(organization)
    results, errors = _in_threads(
        2,
        lambda: payments.pay_invoice(
            organization=organization, invoice=inv, provider="sandbox", details={"card_number": "4000002760003184"}
        ),
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert Payment.objects.count() == 1


def test_two_dunning_runs_at_once_take_each_step_once(organization, user, mailoutbox):
    from datetime import timedelta

    from billing import dunning
    from billing.models import DunningEvent

    overdue = [invoice(organization, source_id=str(n)) for n in range(6)]
    today = overdue[0].due_date + timedelta(days=8)  # D+3 and D+7 due on each invoice
    _results, errors = _in_threads(2, lambda: dunning.run_dunning(today=today, batch_size=2))
    assert errors == []
    assert DunningEvent.objects.count() == 12
    assert set(DunningEvent.objects.values_list("outcome", flat=True)) == {"sent"}
    reminders = [m.subject for m in mailoutbox if m.subject.startswith(("Reminder:", "Urgent:"))]
    assert len(reminders) == len(set(reminders)) == 12  # one per invoice and step, whichever run took it
