import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.test import override_settings
from pypdf import PdfReader

from billing import services
from billing.models import Invoice, InvoiceLine
from billing.tests.factories import invoice, line
from core.errors import Conflict, ValidationFailed
from core.money import percent_of

pytestmark = pytest.mark.django_db


def test_eur_rounding_half_up_once_per_line(organization):
    # 3 × 3.33 = 9.99; 10% discount 0.999 → 1.00; net 8.99; VAT 20% 1.798 → 1.80
    # 1 × 0.25 at 5.5%: VAT 0.01375 → 0.01; 1 × 0.10 at 5.5%: 0.0055 → 0.01 (half-up on each line)
    lines = [
        line(quantity=3, unit_amount=333, discount_amount=percent_of(999, Decimal("10"))),
        line(unit_amount=25, french_rate="5.50"),
        line(unit_amount=10, french_rate="5.50"),
    ]
    inv = invoice(organization, lines)
    assert [(ln.net_amount, ln.vat_amount) for ln in inv.lines.all()] == [(899, 180), (25, 1), (10, 1)]
    assert (inv.subtotal, inv.discount_total, inv.net_total, inv.vat_total, inv.total) == (1034, 100, 934, 182, 1116)


def test_xof_rounding_has_no_decimals(other_organization):
    # 7 × 1 333 XOF = 9 331; 15% discount 1 399.65 → 1 400; net 7 931; VAT 18% 1 427.58 → 1 428
    discount = percent_of(9331, Decimal("15"))
    inv = invoice(other_organization, [line(quantity=7, unit_amount=1333, french_rate="18.00", discount_amount=discount)])
    assert inv.currency == "XOF"
    assert (inv.net_total, inv.vat_total, inv.total) == (7931, 1428, 9359)


def test_bad_lines_change_nothing(organization):
    for bad in (line(quantity=0), line(discount_amount=2000), line(french_rate="120"), line(description=" ")):
        with pytest.raises(ValidationFailed):
            invoice(organization, [line(), bad])
    with pytest.raises(ValidationFailed):
        services.create_invoice(organization=organization, lines=[], source_type="manual", source_id=1)
    with pytest.raises(ValidationFailed):
        invoice(organization, source_type="gift")
    assert not Invoice.objects.exists()


def test_finalized_invoice_refuses_edits_and_deletion(organization):
    inv = invoice(organization)
    inv.total = 1
    with pytest.raises(Conflict):
        inv.save()
    fresh = Invoice.objects.get(pk=inv.pk)
    fresh.buyer = {"name": "Someone else"}
    with pytest.raises(Conflict):
        fresh.save()
    with pytest.raises(Conflict):
        fresh.delete()
    with pytest.raises(Conflict):
        Invoice.objects.filter(pk=inv.pk).delete()
    a_line = InvoiceLine.objects.get(invoice=inv)
    a_line.unit_amount = 1
    with pytest.raises(Conflict):
        a_line.save()
    with pytest.raises(Conflict):
        a_line.delete()
    fresh = Invoice.objects.get(pk=inv.pk)
    assert fresh.total == 1200 and fresh.buyer["name"] == organization.name and fresh.lines.get().unit_amount == 1000


def test_draft_can_be_edited_and_deleted(organization):
    inv = invoice(organization, finalize=False)
    inv.coupon_code = "X"
    inv.save()
    inv.delete()
    assert not Invoice.objects.exists()


def test_number_is_unique_in_the_database(organization):
    first, second = invoice(organization), invoice(organization)
    assert (first.number[-6:], second.number[-6:]) == ("000001", "000002")
    with pytest.raises(IntegrityError), transaction.atomic():  # past the model's guard (and PostgreSQL's trigger)
        models.QuerySet(Invoice).filter(pk=second.pk).update(number=first.number)


def test_credit_note_never_above_the_invoice(organization):
    inv = invoice(organization, [line(unit_amount=1000), line(unit_amount=500, french_rate="5.50")])  # 1200 + 528 = 1728
    services.mark_invoice_paid(invoice=inv, amount=inv.total, reference="p1")
    note = services.issue_credit_note(invoice=inv, amount=1000, reason="Goodwill")
    assert note.total == 1000 and sum(ln.total_amount for ln in note.lines.all()) == 1000
    assert note.net_total + note.vat_total == 1000
    with pytest.raises(ValidationFailed):
        services.issue_credit_note(invoice=inv, amount=729, reason="Too much")
    services.issue_credit_note(invoice=inv, amount=728, reason="The rest")
    inv.refresh_from_db()
    assert (inv.amount_credited, inv.status) == (1728, "paid")
    with pytest.raises(ValidationFailed):
        services.issue_credit_note(invoice=inv, amount=1, reason="Nothing left")
    assert inv.credit_notes.count() == 2


def test_refund_never_above_what_was_paid(organization):
    inv = invoice(organization)
    with pytest.raises(ValidationFailed):
        services.refund_to_credit_note(invoice=inv, amount=100, refund_reference="re_1")
    assert not inv.credit_notes.exists()


def _pdf_text(path):
    with default_storage.open(path, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_pdf_shows_what_an_accountant_needs_and_adds_up(organization, run_on_commit, mailoutbox, user):
    organization.locale = "fr"
    organization.legal_name, organization.city, organization.address_line1 = "Alice Studio SARL", "Lyon", "8 rue des Lilas"
    organization.save()
    with run_on_commit(execute=True):
        inv = invoice(
            organization,
            [line("Pack 100 images", quantity=2, unit_amount=1250), line("Ebook", unit_amount=999, french_rate="5.50")],
        )
    inv.refresh_from_db()
    text, _ = _pdf_text(inv.pdf_file)
    flat = " ".join(text.split()).replace("\u202f", " ").replace("\xa0", " ")
    for expected in (
        inv.number,
        "Alice Studio SARL",
        "8 rue des Lilas",
        "WeBox SAS",
        "FR83123456709",
        "SAS au capital de 10 000,00 €",
        "RCS Paris 123 456 709",
        "12 rue de la Paix",
        "75002 Paris",
        "Pack 100 images",
        "Ebook",
        "25,00 €",
        "9,99 €",
        "Total HT",
        "34,99 €",
        "Total TTC",
        "5,55 €",
        "0,55 €",
        "40,54 €",
        "40 €",
        "Pas d'escompte",
        "trois fois le taux d'intérêt légal",
    ):
        assert expected in flat, expected
    # VAT: 25.00 × 20% = 5.00 and 9.99 × 5.5% = 0.549 → 0.55; 34.99 + 5.55 = 40.54
    assert inv.net_total + inv.vat_total == inv.total == 4054
    assert [m.subject for m in mailoutbox] == [f"Facture {inv.number} émise"]
    assert mailoutbox[0].attachments[0][0] == f"{inv.number}.pdf"


def test_pdf_rendered_once(organization, run_on_commit):
    with run_on_commit(execute=True):
        inv = invoice(organization)
    inv.refresh_from_db()
    first = inv.pdf_file
    services.store_invoice_pdf(invoice=inv)
    assert Invoice.objects.get(pk=inv.pk).pdf_file == first


def test_xof_pdf_prints_without_decimals(other_organization, run_on_commit):
    other_organization.country = "SN"
    other_organization.save()
    with run_on_commit(execute=True):
        inv = invoice(other_organization, [line("Pack", quantity=3, unit_amount=4000, french_rate="0")])
    inv.refresh_from_db()
    text, _ = _pdf_text(inv.pdf_file)
    flat = " ".join(text.split()).replace("\u202f", " ").replace("\xa0", " ")
    assert "12 000 F CFA" in flat and "12 000,00" not in flat
    assert "259-1" in flat  # outside the EU: why there is no VAT


def test_facturx_xml_validates_and_matches_totals(organization, run_on_commit):
    from facturx import get_facturx_xml_from_pdf, xml_check_xsd
    from lxml import etree

    organization.vat_number, organization.postal_code, organization.city = "FR40303265045", "69001", "Lyon"
    organization.siren = "303265045"
    organization.save()
    with run_on_commit(execute=True):
        inv = invoice(
            organization,
            [
                line("Pro plan", unit_amount=1900),
                line("Unused time", unit_amount=-950),
                line("Ebook", unit_amount=999, french_rate="5.50", discount_amount=100),
            ],
        )
    inv.refresh_from_db()
    with default_storage.open(inv.pdf_file, "rb") as handle:
        filename, xml = get_facturx_xml_from_pdf(handle.read())
    assert filename == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}

    def amount(tag):
        return Decimal(root.find(f".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{tag}", ns).text)

    assert amount("TaxBasisTotalAmount") == Decimal(inv.net_total) / 100 == Decimal("18.49")
    assert amount("TaxTotalAmount") == Decimal(inv.vat_total) / 100
    assert amount("GrandTotalAmount") == Decimal(inv.total) / 100
    assert sum(Decimal(n.text) for n in root.iterfind(".//ram:LineTotalAmount", ns)) == 2 * amount("TaxBasisTotalAmount")
    assert root.find(".//ram:BuyerTradeParty/ram:SpecifiedTradeRegistration", ns) is None
    assert root.find(".//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", ns).text == "FR40303265045"


def test_credit_note_pdf_and_email(organization, user, run_on_commit, mailoutbox):
    inv = invoice(organization, [line("Pack", unit_amount=10000)])
    with run_on_commit(execute=True):
        note = services.issue_credit_note(invoice=inv, amount=6000, reason="Goodwill gesture")
    note.refresh_from_db()
    text, _ = _pdf_text(note.pdf_file)
    flat = " ".join(text.split()).replace("\u202f", " ").replace("\xa0", " ")
    for expected in (note.number, inv.number, "Goodwill gesture", "€50.00", "€10.00", "€60.00"):
        assert expected in flat, expected
    assert [m.subject for m in mailoutbox] == [f"Credit note {note.number} issued"]
    assert mailoutbox[0].attachments[0][0] == f"{note.number}.pdf"


@override_settings(SELLER={**settings.SELLER, "share_capital": "37000", "rcs_city": "Lyon"})
def test_a_credit_note_prints_the_sellers_identity_in_its_language(organization, run_on_commit):
    with run_on_commit(execute=True):
        note = services.issue_credit_note(invoice=invoice(organization), amount=100, reason="Goodwill")
    note.refresh_from_db()
    text, _ = _pdf_text(note.pdf_file)
    flat = " ".join(text.split()).replace("\u202f", " ").replace("\xa0", " ")
    assert "SAS with a share capital of €37,000.00" in flat
    assert "Trade and Companies Register (RCS) of Lyon under 123 456 709" in flat
    assert "FR83123456709" in flat and "12 rue de la Paix" in flat


@pytest.mark.parametrize(
    "locale, words, reason",
    [
        ("fr", ("Avoir sur la facture", "TVA", "20", "5,5"), "Remboursement"),
        ("en", ("Credit on invoice", "VAT", "20", "5.5"), "Refund"),
    ],
)
def test_a_credit_note_speaks_its_documents_language_on_every_line(organization, run_on_commit, locale, words, reason):
    organization.locale = locale
    organization.save()
    with run_on_commit(execute=True):
        inv = invoice(organization, [line(unit_amount=1000), line(unit_amount=1000, french_rate="5.50")])
        note = services.issue_credit_note(invoice=inv, amount=1000, reason="Refund")
    credit, vat, standard, reduced = words
    assert sorted(ln.description for ln in note.lines.all()) == [
        f"{credit} {inv.number} ({vat} {standard} %)",
        f"{credit} {inv.number} ({vat} {reduced} %)",
    ]
    note.refresh_from_db()
    text, _ = _pdf_text(note.pdf_file)
    flat = " ".join(text.split()).replace("\u202f", " ").replace("\xa0", " ")
    assert reason in flat and f"{credit} {inv.number}" in flat
    assert ("Credit on invoice" in flat) is (locale == "en")
