"""MRR, ARR, movement and churn on a fixture whose answers were computed by hand.

Plans (tax excluded): basic monthly 20.00 EUR / 10 000 XOF, pro monthly 50.00 EUR / 30 000 XOF,
annual yearly 240.00 EUR. A 20% coupon for ever.

  Jan 10  A (EUR) basic                         MRR A = 2000            new EUR +2000
  Jan 15  B (EUR) annual with 20% for ever     240.00 × 0.8 / 12 = 16.00 → new EUR +1600
  Jan 05  C (XOF) basic                         new XOF +10000
  Feb 01  D (XOF) basic on trial                 not counted
  Feb 10  A upgrades to pro                      expansion EUR +3000 (A = 5000)
  Mar 03  C cancels now                          churned XOF −10000
  Apr 07  C subscribes again, pro                reactivation XOF +30000

End of April: MRR EUR 5000 + 1600 = 6600 (ARR 79 200), XOF 30 000 (ARR 360 000);
ARPU EUR 3300, XOF 30 000. Over February–April: EUR keeps its 2 customers (0% churn), XOF loses
its only customer of February's start (100% customer churn, 10 000 / 10 000 = 100% revenue churn).
"""

from datetime import date
from decimal import Decimal

from backoffice import metrics
from billing import analytics


def test_mrr_and_arr_per_currency(history):
    mrr = analytics.mrr_by_currency()
    assert mrr == {"EUR": 6600, "XOF": 30000}
    assert analytics.arr_by_currency(mrr) == {"EUR": 79200, "XOF": 360000}
    assert analytics.arpu(mrr=mrr, customers=analytics.paying_customers()) == {"EUR": 3300, "XOF": 30000}
    assert analytics.status_counts() == {"trialing": 1, "active": 3, "past_due": 0, "suspended": 0}


def movement(start, end):
    return analytics.mrr_movement(history=metrics.history(until=end), start=start, end=end)


def test_movement_by_month(history):
    months = movement(date(2026, 1, 1), date(2026, 4, 30))
    eur = {m.month.month: (m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.mrr_end) for m in months["EUR"]}
    xof = {m.month.month: (m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.mrr_end) for m in months["XOF"]}
    assert eur == {1: (3600, 0, 0, 0, 0, 3600), 2: (0, 3000, 0, 0, 0, 6600), 3: (0, 0, 0, 0, 0, 6600), 4: (0, 0, 0, 0, 0, 6600)}
    assert xof == {
        1: (10000, 0, 0, 0, 0, 10000),
        2: (0, 0, 0, 0, 0, 10000),
        3: (0, 0, 0, -10000, 0, 0),
        4: (0, 0, 0, 0, 30000, 30000),
    }


def test_churn_rates(history):
    assert analytics.churn_rates(movement(date(2026, 2, 1), date(2026, 4, 30))) == {
        "EUR": {"customer": Decimal("0.00"), "revenue": Decimal("0.00")},
        "XOF": {"customer": Decimal("100.00"), "revenue": Decimal("100.00")},
    }


def test_contraction_from_history():
    # A downgrade takes effect at renewal; the movement only needs the month-end values.
    rows = [(1, date(2026, 1, 1), "EUR", 5000), (1, date(2026, 2, 1), "EUR", 2000)]
    (jan, feb) = analytics.mrr_movement(history=rows, start=date(2026, 1, 1), end=date(2026, 2, 28))["EUR"]
    assert (jan.new, feb.contraction, feb.net, feb.mrr_end) == (5000, -3000, -3000, 2000)


def test_the_nightly_run_carries_the_history_into_a_new_month(history):
    import time_machine

    from backoffice.models import MrrSnapshot
    from backoffice.tasks import record_mrr

    with time_machine.travel("2026-05-02 01:00Z", tick=False):
        record_mrr()
        record_mrr()  # idempotent
    may = dict(MrrSnapshot.objects.filter(month=date(2026, 5, 1)).values_list("organization_id", "mrr"))
    # D is still on trial and never paid: it has no history until it does.
    assert may == {history["a"].pk: 5000, history["b"].pk: 1600, history["c"].pk: 30000}
