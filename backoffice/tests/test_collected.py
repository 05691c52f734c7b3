"""Revenue collected is the cash that moved: payments received less refunds paid out, per
currency; credit notes that returned no money and invoices paid from the balance count for nothing."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from billing import analytics, payments, services
from billing.tests.factories import invoice

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242424242424242"}


def pay_by_card(organization, inv):
    payment, _ = payments.pay_invoice(organization=organization, invoice=inv, provider="sandbox", details=CARD)
    payment.refresh_from_db()
    return payment


def test_collected_is_payments_less_refunds_paid_out(organization, other_organization, run_on_commit):
    def moment(minute):
        return time_machine.travel(datetime(2026, 10, 5, 10, minute, tzinfo=UTC), tick=False)

    with moment(0), run_on_commit(execute=True):
        by_card = invoice(organization, [services.LineSpec("Pack", 1, 2000, 20)])  # 24.00 €
        payment = pay_by_card(organization, by_card)
        by_hand = invoice(organization, [services.LineSpec("Setup", 1, 1000, 20)])  # 12.00 €
        services.issue_credit_note(invoice=by_hand, amount=200, reason="Discount agreed before paying")
        never_paid = invoice(organization, [services.LineSpec("Audit", 1, 5000, 20)])
        services.void_invoice(invoice=never_paid, reason="Sent by mistake")  # a credit note, no money
        xof = invoice(other_organization, [services.LineSpec("Pack", 1, 25000, 0)])
        pay_by_card(other_organization, xof)
    with moment(1):
        services.mark_invoice_paid(invoice=by_hand, amount=1000, reference="bank-transfer-7")
    with moment(2):
        services.issue_credit_note(invoice=by_hand, amount=300, reason="Goodwill")  # to the balance, no money
    with time_machine.travel(datetime(2026, 11, 3, 10, tzinfo=UTC), tick=False), run_on_commit(execute=True):
        payments.refund_payment(payment=payment, amount=500, reason="Half a pack unused")
        from_balance = invoice(organization, [services.LineSpec("Extra", 1, 250, 20)])  # 3.00 € paid by the balance
    from_balance.refresh_from_db()
    assert from_balance.status == "paid" and from_balance.balance_applied == 300

    figures = analytics.collected_by_month(start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert figures["EUR"] == [(date(2026, 10, 1), 2400 + 1000, 0, 3400), (date(2026, 11, 1), 0, 500, -500)]
    assert figures["XOF"] == [(date(2026, 10, 1), 25000, 0, 25000), (date(2026, 11, 1), 0, 0, 0)]
