"""Staff read amounts as money in the admin, never as the integers in minor units they are stored
as (issue 18): an invoice's and its lines' amounts and its credit notes, in the invoice's currency."""

import re

import pytest
from django.urls import reverse

from billing import services
from billing.tests.factories import invoice, line

pytestmark = pytest.mark.django_db


def page_of(client, url):
    """The page's HTML with Babel's narrow no-break spaces read as spaces, and tags' insides trimmed."""
    html = client.get(url).content.decode().replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html))


def test_an_invoice_page_shows_its_amounts_and_its_lines_as_money(admin_client, organization):
    draft = invoice(organization, [line(unit_amount=1900)])
    page = page_of(admin_client, reverse("admin:billing_invoice_change", args=[draft.pk]))
    assert '<div class="readonly">€19.00</div>' in page and '<div class="readonly">1900</div>' not in page  # subtotal
    assert f'<div class="readonly">€{draft.total / 100:.2f}</div>' in page
    assert '<td class="field-unit_amount_as_money"><p>€19.00</p></td>' in page  # its line


def test_a_franc_invoice_and_its_credit_note_read_in_francs(admin_client, other_organization):
    issued = invoice(other_organization, [line(unit_amount=25500)])
    note = services.issue_credit_note(invoice=issued, amount=issued.total, reason="Cancelled")
    page = page_of(admin_client, reverse("admin:billing_invoice_change", args=[issued.pk]))
    assert '<div class="readonly">F CFA 25,500</div>' in page
    assert f'<td class="field-total_as_money"><p>F CFA {issued.total:,}</p></td>' in page  # the credit note inline
    notes = page_of(admin_client, reverse("admin:billing_creditnote_changelist"))
    assert f'<td class="field-total_as_money">F CFA {note.total:,}</td>' in notes
