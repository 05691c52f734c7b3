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
