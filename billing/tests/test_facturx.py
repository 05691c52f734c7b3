"""Factur-X for every invoice and credit note to a business, as an outside validator reads it: the
XML taken out of the rendered PDF passes the XSD, the EN 16931 schematron and the French CTC
"Flux 2" schematron (billing.tests.schematron), for each buyer of the tax matrix that gets one,
from each invoice source; the PDF/A's document information agrees with its XMP metadata."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from facturx import get_facturx_xml_from_pdf
from lxml import etree
from pypdf import PdfReader

from billing import services
from billing.documents.facturx import facturx_xml, xmp_metadata
from billing.models import DistanceSalesYear, Invoice
from billing.tests.factories import PlanFactory, invoice, line
from billing.tests.schematron import errors
from catalog import services as catalog_services
from catalog.models import Cart, CartItem
from catalog.tests.factories import ProductFactory
from usage import services as usage_services
from usage.tests.factories import AddonTypeFactory

pytestmark = pytest.mark.django_db

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}

# The buyers of the tax matrix that get Factur-X (businesses): country, VAT number, VIES, SIREN,
# currency; and what their documents say: VAT category, BAR treatment, BT-49 (scheme, id).
BUSINESSES = {
    "fr_business": ("FR", "FR40303265045", "valid", "303265045", "EUR", "S", "B2B", ("0225", "303265045")),
    "de_business_valid": ("DE", "DE136695976", "valid", "", "EUR", "AE", "B2BINT", ("EM", "billing@buyer.test")),
    "ch_business": ("CH", "CHE-116.281.710 MWST", "", "", "EUR", "G", "B2BINT", ("EM", "billing@buyer.test")),
    "sn_business": ("SN", "", "", "", "XOF", "G", "B2BINT", ("EM", "billing@buyer.test")),
}


@pytest.fixture
def business(request, organization, other_organization, user, other_user):
    name = request.param
    country, vat_number, vies, siren, currency, *_expected = BUSINESSES[name]
    org, owner = (organization, user) if currency == "EUR" else (other_organization, other_user)
    org.country, org.is_business, org.vat_number, org.vat_check_status, org.siren = country, True, vat_number, vies, siren
    org.billing_email, org.address_line1, org.postal_code, org.city = "billing@buyer.test", "1 Main Street", "10115", "City"
    org.save()
    return name, org, owner


def _sources(org, owner):
    """An invoice from each source (shop order, subscription, add-on), finalized and rendered."""
    product = ProductFactory(slug="pack", eur=1000, xof=6500, vat_rate=Decimal("20.00"))
    cart = Cart.objects.create(user=owner, organization=org)
    CartItem.objects.create(cart=cart, product=product, quantity=2)
    order = catalog_services.checkout(cart=cart, organization=org, user=owner, billing={}, payment_method="card")
    plan = PlanFactory(code="pro", tier="pro", prices={"EUR": 3100, "XOF": 20000}, trial_days=0)
    subscription = services.subscribe(organization=org, plan=plan)
    AddonTypeFactory(prices={"EUR": 500, "XOF": 3300})
    _purchase, addon = usage_services.purchase_addon(organization=org, code="storage", quantity=1)
    return [Invoice.objects.get(pk=order.invoice_id), subscription.invoices.get(), addon]


def _xml(document):
    document.refresh_from_db()
    with default_storage.open(document.pdf_file, "rb") as handle:
        filename, xml = get_facturx_xml_from_pdf(handle.read())
    assert filename == "factur-x.xml"
    return xml


def _text(root, path):
    return root.findtext(path, namespaces=NS)


@pytest.mark.parametrize("business", list(BUSINESSES), indirect=True)
def test_invoices_and_credit_notes_pass_the_en16931_and_french_schematrons(business, run_on_commit):
    name, org, owner = business
    _country, vat_number, _vies, siren, currency, category, treatment, address = BUSINESSES[name]
    with run_on_commit(execute=True):
        invoices = _sources(org, owner)
        notes = [
            services.issue_credit_note(invoice=invoices[0], amount=invoices[0].total, reason="Refund"),  # every line
            services.issue_credit_note(invoice=invoices[1], amount=invoices[1].total // 3, reason="Refund"),  # a part
        ]
    for document in [*invoices, *notes]:
        xml = _xml(document)
        assert errors(xml) == {"en16931": [], "br-fr-flux2": []}, document.number
        root = etree.fromstring(xml)
        is_note = document in notes
        assert _text(root, "rsm:ExchangedDocument/ram:TypeCode") == ("381" if is_note else "380")
        assert _text(root, ".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
        notes_by_subject = {
            _text(note, "ram:SubjectCode"): _text(note, "ram:Content") for note in root.iterfind(".//ram:IncludedNote", NS)
        }
        assert set(notes_by_subject) == {"PMT", "PMD", "AAB", "BAR"} and notes_by_subject["BAR"] == treatment
        assert "40 €" in notes_by_subject["PMT"] and "escompte" in notes_by_subject["AAB"]
        seller_uri = root.find(".//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID", NS)
        assert (seller_uri.get("schemeID"), seller_uri.text) == ("0225", document.seller["siren"])
        buyer_uri = root.find(".//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID", NS)
        assert (buyer_uri.get("schemeID"), buyer_uri.text) == address
        legal = root.find(".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", NS)
        assert (legal.get("schemeID"), legal.text) == ("0002", siren) if siren else legal is None
        assert {c.text for c in root.iterfind(".//ram:ApplicableTradeTax/ram:CategoryCode", NS)} == {category}
        taxes = {t.get("currencyID"): Decimal(t.text) for t in root.iterfind(".//ram:TaxTotalAmount", NS)}
        if currency == "EUR":
            assert taxes == {"EUR": Decimal(document.vat_total) / 100} and document.eur_rate is None
        else:  # BR-FR-CO-12: the VAT total in euros too, at XOF's fixed parity recorded on the document
            assert _text(root, ".//ram:TaxCurrencyCode") == "EUR"
            assert document.eur_rate == Decimal("655.957")
            assert taxes == {"XOF": Decimal(document.vat_total), "EUR": Decimal(document.vat_total_eur) / 100}
        reference = root.find(".//ram:InvoiceReferencedDocument", NS)
        if is_note:  # BT-25, BT-26: the invoice it corrects
            assert _text(reference, "ram:IssuerAssignedID") == document.invoice.number
            assert _text(reference, ".//qdt:DateTimeString") == document.invoice.issue_date.strftime("%Y%m%d")
        else:
            assert reference is None


def test_vat_in_euros_is_recorded_at_the_fixed_parity_and_printed(other_organization, run_on_commit):
    other_organization.country, other_organization.is_business = "FR", False  # French VAT, billed in XOF
    other_organization.save()
    with run_on_commit(execute=True):
        # 3 × 65 596 F CFA = 196 788 at 20 % = 39 357.6 → 39 358 F CFA = 60.0009 € → 60.00 €
        inv = invoice(other_organization, [line("Pack", quantity=3, unit_amount=65596)])
    inv.refresh_from_db()
    assert (inv.vat_total, inv.eur_rate, inv.vat_total_eur) == (39358, Decimal("655.957"), 6000)
    with default_storage.open(inv.pdf_file, "rb") as handle:
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(handle).pages).split())
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Total TVA en euros : 60,00 € (1 EUR = 655,957 XOF, parité fixe)" in text
    assert "Catégorie de l'opération : prestation de services" in text
    assert services.issue_credit_note(invoice=inv, amount=inv.total, reason="Refund").vat_total_eur == 6000


@pytest.mark.parametrize("kind", ["invoice", "credit_note"])
def test_pdf_document_information_agrees_with_its_xmp_metadata(kind, organization, run_on_commit):
    organization.vat_number, organization.vat_check_status, organization.siren = "FR40303265045", "valid", "303265045"
    organization.save()
    with run_on_commit(execute=True):
        document = invoice(organization, [line("Pro plan", unit_amount=1900)])
        if kind == "credit_note":
            document = services.issue_credit_note(invoice=document, amount=500, reason="Refund")
    document.refresh_from_db()
    with default_storage.open(document.pdf_file, "rb") as handle:
        pdf = handle.read()
    info = {key: str(value) for key, value in PdfReader(io.BytesIO(pdf)).metadata.items()}
    xmp = xmp_metadata(pdf)
    assert set(xmp) == {"/Title", "/Author", "/Subject", "/Creator", "/Producer", "/CreationDate", "/ModDate"}
    assert info == xmp
    assert xmp["/Title"] == f"{'Credit note' if kind == 'credit_note' else 'Invoice'} {document.number}"
    assert PdfReader(io.BytesIO(pdf)).pdf_header == "%PDF-1.7"  # PDF/A-3 is built on PDF 1.7


@pytest.mark.parametrize(
    "country, is_business, vat_number, vies, sales_eur",
    [
        ("FR", False, "", "", 0),  # a consumer
        ("DE", True, "DE811569869", "invalid", 0),  # a business VIES refuses: taxed as a consumer, French VAT
        ("DE", True, "DE811569869", "invalid", 10_000),  # the same above the threshold: German VAT (OSS)
    ],
)
def test_sales_taxed_as_to_consumers_get_a_plain_pdf(
    organization, run_on_commit, country, is_business, vat_number, vies, sales_eur
):
    organization.country, organization.is_business = country, is_business
    organization.vat_number, organization.vat_check_status = vat_number, vies
    organization.billing_email = "billing@buyer.test"
    organization.save()
    DistanceSalesYear.objects.create(year=services.platform_today().year, net_eur_cents=sales_eur * 100)
    with run_on_commit(execute=True):
        inv = invoice(organization)
        note = services.issue_credit_note(invoice=inv, amount=100, reason="Refund")
    for document in (inv, note):
        document.refresh_from_db()
        with default_storage.open(document.pdf_file, "rb") as handle:
            assert get_facturx_xml_from_pdf(handle.read(), check_xsd=False) == (False, False)
    if sales_eur:
        # Why: a sale taxed at another member state's rate is not a French e-invoice; its rules refuse the rate.
        assert inv.lines.get().vat_rate == Decimal("19.00")
        assert {rule for rule, _flag, _text in errors(facturx_xml(inv))["br-fr-flux2"]} == {
            "BR-FR-16_BT-119",
            "BR-FR-16_BT-152",
        }


@pytest.mark.parametrize(
    "country, vat_number, siren, routing, scheme",
    [
        ("FR", "FR40303265045", "303265045", "303265045_30326504500011_AP", "0225"),
        ("DE", "DE136695976", "", "e-invoices@buyer.test", "EM"),
    ],
)
def test_the_buyers_routing_address_is_its_electronic_address(organization, country, vat_number, siren, routing, scheme):
    organization.country, organization.vat_number, organization.vat_check_status = country, vat_number, "valid"
    organization.siren, organization.einvoicing_address, organization.billing_email = siren, routing, "billing@buyer.test"
    organization.save()
    document = invoice(organization, [line("Pro plan", unit_amount=1900)])
    note = services.issue_credit_note(invoice=document, amount=500, reason="Refund")
    for xml in (facturx_xml(document), facturx_xml(note)):
        assert errors(xml) == {"en16931": [], "br-fr-flux2": []}
        uri = etree.fromstring(xml).find(".//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID", NS)
        assert (uri.get("schemeID"), uri.text) == (scheme, routing)


def test_a_french_business_without_its_siren_is_invoiced_as_a_pdf_until_it_gives_it(organization, client_user, run_on_commit):
    organization.vat_number, organization.vat_check_status, organization.billing_email = "FR40303265045", "valid", "b@x.test"
    organization.save()
    assert "data-billing-identity-gaps" in client_user.get(reverse("billing:overview")).content.decode()
    with run_on_commit(execute=True):
        before = invoice(organization, [line("Pro plan", unit_amount=1900)])
    before.refresh_from_db()
    assert before.number and before.buyer["siren"] == ""  # issued all the same
    with default_storage.open(before.pdf_file, "rb") as handle:
        assert get_facturx_xml_from_pdf(handle.read(), check_xsd=False) == (False, False)
    # Without it, the French rules refuse the e-invoice: the buyer's SIREN and an address starting with it.
    rules = {rule for rule, _flag, _text in errors(facturx_xml(before))["br-fr-flux2"]}
    assert rules == {"BR-FR-11_BT-47", "BR-FR-21_BT-49"}

    organization.siren = "303265045"
    organization.save()
    assert "data-billing-identity-gaps" not in client_user.get(reverse("billing:overview")).content.decode()
    with run_on_commit(execute=True):
        after = invoice(organization, [line("Pro plan", unit_amount=1900)])
    assert errors(_xml(after)) == {"en16931": [], "br-fr-flux2": []}
