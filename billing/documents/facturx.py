"""Factur-X: the invoice as UN/CEFACT CII XML (D16B, EN 16931 profile), amounts taken from its
rounded lines and totals, embedded in the PDF/A-3 by the factur-x library after an XSD check.
An EUR invoice whose buyer has a VAT number is a Factur-X invoice."""

from decimal import Decimal

from lxml import etree

from billing.documents.labels import LABELS
from billing.pricing import vat_breakdown
from core.money import to_decimal


def needs_facturx(invoice):
    return invoice.currency == "EUR" and bool(invoice.buyer.get("vat_number"))


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


# BT-120, the exemption reason of a VAT category that charges none.
EXEMPTION_REASON = {"AE": "Autoliquidation - Reverse charge", "G": "Services outside the EU, art. 259-1 / 259 B CGI"}


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
        _el(tax, "ram:CategoryCode", line.vat_category)
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
        name=" ".join(filter(None, [seller["name"], seller.get("legal_form")])),
        address_line=seller.get("address_line") or seller.get("address", ""),
        postcode=seller.get("postal_code", ""),
        city=seller.get("city", ""),
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
        legal_id=buyer.get("siren", ""),
    )
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", cur)
    categories = {line.vat_rate: line.vat_category for line in lines}
    for rate, base, vat in vat_breakdown(lines):
        code = categories[rate]
        reason = EXEMPTION_REASON.get(code)
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


def embed_xml(pdf, invoice, lang):
    """The PDF/A-3 `pdf` with the invoice's XML attached, checked against the XSD first."""
    from facturx import generate_from_binary  # on first use only, like WeasyPrint (billing.documents.pdf)

    return generate_from_binary(
        pdf,
        facturx_xml(invoice),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        lang="fr-FR" if lang == "fr" else "en-GB",
    )
