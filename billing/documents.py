"""Invoice and credit-note PDFs (WeasyPrint, from Django templates) and the Factur-X XML.

An EUR invoice whose buyer has a VAT number is a Factur-X PDF/A-3: WeasyPrint renders PDF/A-3b,
the factur-x library embeds the CII XML (EN 16931 profile) after checking it against its XSD.
"""

from decimal import Decimal

from babel.dates import format_date
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from lxml import etree

from billing.pricing import EU_COUNTRIES, vat_breakdown
from core.money import to_decimal

LABELS = {
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "number": "Number",
        "issue_date": "Date of issue",
        "due_date": "Due date",
        "seller": "Seller",
        "buyer": "Billed to",
        "vat_number": "VAT number",
        "siren": "SIREN",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price excl. VAT",
        "discount": "Discount",
        "vat_rate": "VAT",
        "amount_ht": "Amount excl. VAT",
        "vat_breakdown": "VAT by rate",
        "base": "Taxable amount",
        "vat_amount": "VAT amount",
        "subtotal": "Subtotal excl. VAT",
        "total_discount": "Discounts",
        "total_ht": "Total excl. VAT",
        "total_vat": "Total VAT",
        "total_ttc": "Total incl. VAT",
        "paid": "Paid",
        "credited": "Credited",
        "due": "Amount due",
        "refers_to": "Credit note for invoice",
        "reason": "Reason",
        "payment_terms": "Payment due within {days} days of the invoice date, by {due}. No discount for early payment.",
        "penalties": "Late payment: penalties at three times the French legal interest rate, plus a fixed recovery fee "
        "of 40 EUR (art. L441-10 and D441-5 of the French Commercial Code).",
        "reverse_charge": "Reverse charge: VAT to be paid by the customer (art. 196 of Directive 2006/112/EC).",
        "outside_eu": "VAT not applicable, art. 259-1 of the French General Tax Code (CGI).",
        "facturx": "Electronic invoice (Factur-X, EN 16931): the structured data is embedded in this PDF.",
    },
    "fr": {
        "invoice": "Facture",
        "credit_note": "Avoir",
        "number": "Numéro",
        "issue_date": "Date d'émission",
        "due_date": "Date d'échéance",
        "seller": "Vendeur",
        "buyer": "Facturé à",
        "vat_number": "N° TVA intracommunautaire",
        "siren": "SIREN",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "Prix unitaire HT",
        "discount": "Remise",
        "vat_rate": "TVA",
        "amount_ht": "Montant HT",
        "vat_breakdown": "TVA par taux",
        "base": "Base HT",
        "vat_amount": "Montant TVA",
        "subtotal": "Sous-total HT",
        "total_discount": "Remises",
        "total_ht": "Total HT",
        "total_vat": "Total TVA",
        "total_ttc": "Total TTC",
        "paid": "Déjà réglé",
        "credited": "Avoirs",
        "due": "Net à payer",
        "refers_to": "Avoir sur la facture",
        "reason": "Motif",
        "payment_terms": "Paiement à {days} jours date de facture, au plus tard le {due}. Pas d'escompte pour paiement anticipé.",
        "penalties": "En cas de retard de paiement : pénalités au taux de trois fois le taux d'intérêt légal, et indemnité "
        "forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de commerce).",
        "reverse_charge": "Autoliquidation : TVA due par le preneur (art. 283-2 du CGI, art. 196 de la directive 2006/112/CE).",
        "outside_eu": "TVA non applicable, art. 259-1 du CGI.",
        "facturx": "Facture électronique (Factur-X, EN 16931) : les données structurées sont jointes à ce PDF.",
    },
}


def language(locale):
    return "fr" if (locale or "").startswith("fr") else "en"


def needs_facturx(invoice):
    return invoice.currency == "EUR" and bool(invoice.buyer.get("vat_number"))


def vat_mention(document, lines, lang):
    """The legal reason for 0% VAT lines, from the buyer's country and VAT number."""
    if not any(line.vat_rate == 0 for line in lines):
        return ""
    country = document.buyer.get("country", "")
    if country in EU_COUNTRIES and country != "FR" and document.buyer.get("vat_number"):
        return LABELS[lang]["reverse_charge"]
    return LABELS[lang]["outside_eu"]


def _date(value, lang):
    return format_date(value, "d MMMM yyyy", locale="fr_FR" if lang == "fr" else "en_GB") if value else ""


def _render(template, context, *, pdf_a=False):
    from weasyprint import HTML

    with translation.override(context["lang"]):  # numbers such as VAT rates in the document's language
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b" if pdf_a else None)


def invoice_pdf(invoice):
    lang = language(invoice.locale)
    labels = LABELS[lang]
    lines = list(invoice.lines.all())
    facturx = needs_facturx(invoice)
    context = {
        "doc": invoice,
        "kind": labels["invoice"],
        "labels": labels,
        "lang": lang,
        "lines": lines,
        "vat_breakdown": vat_breakdown(lines),
        "issue_date": _date(invoice.issue_date, lang),
        "due_date": _date(invoice.due_date, lang),
        "vat_mention": vat_mention(invoice, lines, lang),
        "payment_terms": labels["payment_terms"].format(days=invoice.payment_terms_days, due=_date(invoice.due_date, lang)),
        "facturx": facturx,
    }
    pdf = _render("billing/pdf/invoice.html", context, pdf_a=facturx)
    if facturx:
        from facturx import generate_from_binary

        pdf = generate_from_binary(
            pdf,
            facturx_xml(invoice),
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            lang="fr-FR" if lang == "fr" else "en-GB",
        )
    return pdf


def credit_note_pdf(note):
    lang = language(note.locale)
    labels = LABELS[lang]
    lines = list(note.lines.all())
    context = {
        "doc": note,
        "kind": labels["credit_note"],
        "labels": labels,
        "lang": lang,
        "lines": lines,
        "vat_breakdown": vat_breakdown(lines),
        "issue_date": _date(note.issue_date, lang),
        "invoice": note.invoice,
        "vat_mention": vat_mention(note, lines, lang),
    }
    return _render("billing/pdf/invoice.html", context)


def save_pdf(name, content):
    if default_storage.exists(name):
        default_storage.delete(name)  # a half-written file from a crashed run: the new one replaces it
    return default_storage.save(name, ContentFile(content))


# --- Factur-X (UN/CEFACT CII D16B, EN 16931 profile) -----------------------------------------------

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def _el(parent, tag, text=None, **attrs):
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attrs)
    if text is not None:
        node.text = str(text)
    return node


def _amount(minor, currency):
    return f"{to_decimal(minor, currency):.2f}"


def _xml_date(parent, tag, value):
    _el(_el(parent, tag), "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _category(invoice, rate):
    if rate > 0:
        return "S", None
    if invoice.buyer.get("country") in EU_COUNTRIES:
        return "AE", "Reverse charge"
    return "G", "Export outside the EU"


def _party(parent, tag, *, name, address_line, postcode, city, country, vat_number, legal_id=""):
    party = _el(parent, tag)
    _el(party, "ram:Name", name)
    if legal_id:
        _el(_el(party, "ram:SpecifiedLegalOrganization"), "ram:ID", legal_id, schemeID="0002")
    address = _el(party, "ram:PostalTradeAddress")
    if postcode:
        _el(address, "ram:PostcodeCode", postcode)
    if address_line:
        _el(address, "ram:LineOne", address_line)
    if city:
        _el(address, "ram:CityName", city)
    _el(address, "ram:CountryID", country)
    if vat_number:
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_number, schemeID="VA")


def facturx_xml(invoice):
    """The invoice as CII XML, amounts taken from its rounded lines and totals."""
    cur = invoice.currency
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", "urn:cen.eu:en16931:2017")
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", "380")
    _xml_date(document, "ram:IssueDateTime", invoice.issue_date)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")

    lines = list(invoice.lines.all())
    for index, line in enumerate(lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", index)
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        # EN 16931 forbids negative prices (BR-27): a credit line is a negative quantity instead.
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", _amount(abs(line.unit_amount), cur))
        quantity = line.quantity if line.unit_amount >= 0 else -line.quantity
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", f"{quantity}", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", _category(invoice, line.vat_rate)[0])
        _el(tax, "ram:RateApplicablePercent", f"{line.vat_rate:.2f}")
        if line.discount_amount:
            allowance = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
            _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
            _el(allowance, "ram:ActualAmount", _amount(line.discount_amount, cur))
            _el(allowance, "ram:Reason", "Discount")
        _el(
            _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"),
            "ram:LineTotalAmount",
            _amount(line.net_amount, cur),
        )

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    seller, buyer = invoice.seller, invoice.buyer
    _party(
        agreement,
        "ram:SellerTradeParty",
        name=seller["name"],
        address_line=seller.get("address", ""),
        postcode="",
        city="",
        country=seller.get("country", "FR"),
        vat_number=seller.get("vat_number", ""),
        legal_id=seller.get("siren", ""),
    )
    _party(
        agreement,
        "ram:BuyerTradeParty",
        name=buyer["name"],
        address_line=buyer.get("address_line1", ""),
        postcode=buyer.get("postal_code", ""),
        city=buyer.get("city", ""),
        country=buyer.get("country", "FR"),
        vat_number=buyer.get("vat_number", ""),
    )
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", cur)
    for rate, base, vat in vat_breakdown(lines):
        code, reason = _category(invoice, rate)
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(vat, cur))
        _el(tax, "ram:TypeCode", "VAT")
        if reason:
            _el(tax, "ram:ExemptionReason", reason)
        _el(tax, "ram:BasisAmount", _amount(base, cur))
        _el(tax, "ram:CategoryCode", code)
        _el(tax, "ram:RateApplicablePercent", f"{Decimal(rate):.2f}")
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", LABELS["fr"]["penalties"])
    _xml_date(terms, "ram:DueDateDateTime", invoice.due_date)
    sums = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", _amount(invoice.net_total, cur))
    _el(sums, "ram:TaxBasisTotalAmount", _amount(invoice.net_total, cur))
    _el(sums, "ram:TaxTotalAmount", _amount(invoice.vat_total, cur), currencyID=cur)
    _el(sums, "ram:GrandTotalAmount", _amount(invoice.total, cur))
    _el(sums, "ram:TotalPrepaidAmount", _amount(0, cur))
    _el(sums, "ram:DuePayableAmount", _amount(invoice.total, cur))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
