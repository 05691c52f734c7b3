"""The VAT decision (billing.tax) for every invoice source: buyers × (shop, subscription, add-on),
the EU distance-sales threshold and its running total, and the mention each invoice prints."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from billing import services, tax
from billing.documents.facturx import facturx_xml
from billing.documents.pdf import vat_mentions
from billing.models import DistanceSalesYear, Invoice
from billing.tests.factories import PlanFactory, invoice, line
from catalog import services as catalog_services
from catalog.models import Cart, CartItem
from catalog.tests.factories import ProductFactory
from usage import services as usage_services
from usage.tests.factories import AddonTypeFactory

pytestmark = pytest.mark.django_db

DE_VAT = "DE136695976"  # passes the German checksum
FR_VAT = "FR40303265045"

# buyer: (country, is_business, VAT number, VIES's answer, distance sales already made this year in euros)
BUYERS = {
    "fr_business": ("FR", True, FR_VAT, "valid", 0),
    "fr_consumer": ("FR", False, "", "", 0),
    "de_business_valid": ("DE", True, DE_VAT, "valid", 0),
    "de_business_vies_refused": ("DE", True, "DE811569869", "invalid", 0),
    "de_business_vies_refused_above": ("DE", True, "DE811569869", "invalid", 10_000),
    "de_business_bad_checksum": ("DE", True, "DE136695977", "", 0),
    "de_consumer_below": ("DE", False, "", "", 0),
    "de_consumer_above": ("DE", False, "", "", 10_000),
    "ch_business": ("CH", True, "CHE-116.281.710 MWST", "", 0),
    "sn_business": ("SN", True, "", "", 0),
    "sn_consumer": ("SN", False, "", "", 0),
}

# buyer: (rate on a 20 % service, basis, Factur-X category, words of the French mention)
EXPECTED = {
    "fr_business": ("20.00", "fr", "S", None),
    "fr_consumer": ("20.00", "fr", "S", None),
    "de_business_valid": ("0.00", "eu_reverse_charge", "AE", "Autoliquidation"),
    "de_business_vies_refused": ("20.00", "eu_consumer_fr", "S", None),
    "de_business_vies_refused_above": ("19.00", "eu_consumer_oss", "S", "259 D"),
    "de_business_bad_checksum": ("20.00", "eu_consumer_fr", "S", None),
    "de_consumer_below": ("20.00", "eu_consumer_fr", "S", None),
    "de_consumer_above": ("19.00", "eu_consumer_oss", "S", "259 D"),
    "ch_business": ("0.00", "outside_eu_business", "G", "259-1"),
    "sn_business": ("0.00", "outside_eu_business", "G", "259-1"),
    "sn_consumer": ("0.00", "outside_eu_consumer", "G", "259 B"),
}


def buyer(organization, name):
    country, is_business, vat_number, vies, sales = BUYERS[name]
    organization.country, organization.is_business, organization.vat_number = country, is_business, vat_number
    organization.vat_check_status = vies
    organization.save()
    if sales:
        DistanceSalesYear.objects.create(year=services.platform_today().year, net_eur_cents=sales * 100)
    return organization


def shop_invoice(user, organization):
    product = ProductFactory(slug="pack", eur=1000, vat_rate=Decimal("20.00"))
    cart = Cart.objects.create(user=user, organization=organization)
    CartItem.objects.create(cart=cart, product=product, quantity=2)
    order = catalog_services.checkout(cart=cart, organization=organization, user=user, billing={}, payment_method="card")
    return order, Invoice.objects.get(pk=order.invoice_id)


def subscription_invoice(organization):
    plan = PlanFactory(code="pro", tier="pro", prices={"EUR": 3100}, trial_days=0)
    return services.subscribe(organization=organization, plan=plan).invoices.get()


def addon_invoice(organization):
    AddonTypeFactory(prices={"EUR": 500})
    _purchase, addon = usage_services.purchase_addon(organization=organization, code="storage", quantity=1)
    return addon


@pytest.mark.parametrize("name", list(BUYERS))
def test_every_source_is_taxed_by_the_buyer(name, user, organization):
    buyer(organization, name)
    rate, basis, category, mention = EXPECTED[name]
    order, shop = shop_invoice(user, organization)
    subscription = subscription_invoice(organization)
    addon = addon_invoice(organization)
    for inv in (shop, subscription, addon):
        lines = list(inv.lines.all())
        assert {(ln.vat_rate, ln.tax_basis, ln.vat_category) for ln in lines} == {(Decimal(rate), basis, category)}, inv
        assert inv.vat_total == sum(ln.vat_amount for ln in lines) == round(inv.net_total * Decimal(rate) / 100)
        mentions = vat_mentions(lines, "fr")
        assert (mention in mentions[0]) if mention else mentions == []
        assert f">{category}<" in facturx_xml(inv).decode()
    # What the shop showed and charged is what the invoice says.
    assert (order.vat, order.total) == (shop.vat_total, shop.total)
    assert order.lines.get().vat_rate == Decimal(rate)


def test_reverse_charge_says_autoliquidation_in_both_languages(organization):
    buyer(organization, "de_business_valid")
    inv = invoice(organization, [line()])
    for lang in ("fr", "en"):
        assert "Autoliquidation" in vat_mentions(list(inv.lines.all()), lang)[0]
    assert "art. 196" in vat_mentions(list(inv.lines.all()), "en")[0]


def test_a_reduced_french_rate_follows_the_product_below_the_threshold(organization):
    buyer(organization, "de_consumer_below")
    inv = invoice(organization, [line(unit_amount=1000, french_rate="5.50")])
    assert (inv.lines.get().vat_rate, inv.vat_total) == (Decimal("5.50"), 55)


@override_settings(EU_DISTANCE_SALES_THRESHOLD_EUR=100)
def test_the_sale_that_passes_the_threshold_takes_the_destination_rate_and_the_total_is_kept(organization):
    buyer(organization, "de_consumer_below")
    first = invoice(organization, [line(unit_amount=6000)])  # 60 € of 100 €
    second = invoice(organization, [line(unit_amount=5000)])  # 110 €: over
    assert [inv.lines.get().tax_basis for inv in (first, second)] == ["eu_consumer_fr", "eu_consumer_oss"]
    assert second.lines.get().vat_rate == Decimal("19.00")
    assert DistanceSalesYear.objects.get(year=services.platform_today().year).net_eur_cents == 11000
    # French and non-EU sales do not count towards it.
    buyer(organization, "fr_consumer")
    invoice(organization, [line(unit_amount=5000)])
    assert DistanceSalesYear.objects.get().net_eur_cents == 11000


@override_settings(EU_DISTANCE_SALES_THRESHOLD_EUR=100)
def test_credit_notes_take_their_eu_consumer_sales_off_the_year_of_the_invoice_they_correct(organization):
    buyer(organization, "de_consumer_below")
    sold = invoice(organization, [line(unit_amount=6000)])  # 60 € net, 72 € with French VAT
    services.issue_credit_note(invoice=sold, amount=1200, reason="Goodwill")  # 10 € net of it
    assert DistanceSalesYear.objects.get().net_eur_cents == 5000
    services.issue_credit_note(invoice=sold, reason="Cancelled")  # the rest
    assert DistanceSalesYear.objects.get().net_eur_cents == 0
    # Back under the threshold: a 60 € sale is taxed in France again.
    assert invoice(organization, [line(unit_amount=6000)]).lines.get().tax_basis == "eu_consumer_fr"
    # A credit note on a French sale leaves the total alone.
    buyer(organization, "fr_consumer")
    services.issue_credit_note(invoice=invoice(organization, [line(unit_amount=5000)]), reason="Cancelled")
    assert DistanceSalesYear.objects.get().net_eur_cents == 6000


def test_last_years_total_above_the_threshold_keeps_the_destination_rate(organization):
    buyer(organization, "de_consumer_below")
    DistanceSalesYear.objects.create(year=services.platform_today().year - 1, net_eur_cents=1_000_001)
    assert invoice(organization, [line()]).lines.get().tax_basis == "eu_consumer_oss"


def test_xof_sales_count_at_the_fixed_parity(other_organization):
    buyer(other_organization, "de_consumer_below")
    invoice(other_organization, [line(unit_amount=655957)])
    assert DistanceSalesYear.objects.get().net_eur_cents == 100000


def test_the_rate_table_is_dated():
    assert tax.standard_rate("SK", date(2024, 12, 31)) == Decimal("20.00")
    assert tax.standard_rate("SK", date(2025, 1, 1)) == Decimal("23.00")
    assert tax.standard_rate("FI", date(2025, 1, 1)) == Decimal("25.50")


def test_a_credit_note_reverses_the_invoices_tax(organization):
    buyer(organization, "de_business_valid")
    inv = invoice(organization, [line(unit_amount=1000), line(unit_amount=500, product_ref="x")])
    note = services.issue_credit_note(invoice=inv, amount=700, reason="Goodwill")
    assert {(ln.vat_rate, ln.tax_basis) for ln in note.lines.all()} == {(Decimal("0.00"), "eu_reverse_charge")}
    assert vat_mentions(list(note.lines.all()), "fr")[0].startswith("Autoliquidation")
