"""Factur-X: an invoice (type 380) or a credit note (type 381, referring to the invoice it
corrects) as UN/CEFACT CII XML (D16B, EN 16931 profile), amounts taken from its rounded lines and
totals, embedded in the PDF/A-3 by the factur-x library after an XSD check.

Every document of a sale taxed as business-to-business is a Factur-X one, ready for the French
2026-2027 e-invoicing rules (the CTC "Flux 2" rules BR-FR-*): the legal notes (PMT, PMD, AAB), the business process (BT-23, S1:
services), both parties' electronic addresses (BT-34, BT-49), the French buyer's SIREN (BT-47) and,
outside EUR, the VAT total in euros (BR-FR-CO-12)."""

import io
from decimal import Decimal

from lxml import etree

from accounts.validators import EMAIL, FRENCH_DIRECTORY, routing_scheme
from billing.documents.labels import LABELS
from billing.models import TaxBasis
from billing.pricing import vat_breakdown
from core.money import to_decimal

# A business whose VAT number VIES refuses (or that gave none) is taxed as a consumer (art. 18 of
# Regulation 282/2011): the French rate, or its own country's under the one-stop shop. Such a sale
# is out of the French business-to-business e-invoicing (the platform only e-reports it), and the
# destination's rate is not among the rates its rules allow (BR-FR-16).
CONSUMER_BASES = frozenset({TaxBasis.EU_CONSUMER_FR, TaxBasis.EU_CONSUMER_OSS})


def needs_facturx(document):
    """An invoice or credit note of a sale taxed as business-to-business: to a business (from the
    buyer copied onto it at its issue), none of its lines taxed as a sale to a consumer.

    A French business without its SIREN (created before it was asked; its owner is told to give
    it, accounts' Organization.billing_identity_gaps) gets a PDF invoice, still issued since the
    sale must be invoiced (art. 289 CGI), rather than an e-invoice the French platform refuses:
    its rules want the buyer's SIREN (BR-FR-11) and an address starting with it (BR-FR-21)."""
    buyer = document.buyer
    if not buyer.get("is_business") or (buyer.get("country") == "FR" and not buyer.get("siren")):
        return False
    return not any(line.tax_basis in CONSUMER_BASES for line in document.lines.all())


NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}

INVOICE, CREDIT_NOTE = "380", "381"
# BT-23, the French "cadre de facturation": S1, an invoice for services (the category of every
# operation sold here: electronically supplied services), to be paid.
BUSINESS_PROCESS = "S1"

# BT-120, the exemption reason of a VAT category that charges none.
EXEMPTION_REASON = {"AE": "Autoliquidation - Reverse charge", "G": "Services outside the EU, art. 259-1 / 259 B CGI"}


def _el(parent, tag, text=None, **attrs):
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attrs)
    if text is not None:
        node.text = str(text)
    return node


def _amount(minor, currency):
    return f"{to_decimal(minor, currency):.2f}"


def _xml_date(parent, tag, value, kind="udt"):
    _el(_el(parent, tag), f"{kind}:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _note(document, subject, text):
    note = _el(document, "ram:IncludedNote")
    _el(note, "ram:Content", text)
    _el(note, "ram:SubjectCode", subject)


def seller_address(seller):
    """(scheme, id) of the seller's electronic invoicing address (BT-34)."""
    return FRENCH_DIRECTORY, seller.get("routing_address") or seller.get("siren", "")


def buyer_address(buyer):
    """(scheme, id) of the buyer's electronic invoicing address (BT-49): the routing address it
    gave (checked by accounts), else a French business is reached through the directory at its
    SIREN, any other by its billing email."""
    if buyer.get("routing_address"):
        return routing_scheme(buyer["routing_address"]), buyer["routing_address"]
    if buyer.get("country") == "FR" and buyer.get("siren"):
        return FRENCH_DIRECTORY, buyer["siren"]
    return EMAIL, buyer.get("email", "")


def _party(parent, tag, *, name, address_line, postcode, city, country, vat_number, legal_id, electronic_address):
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
    scheme, identifier = electronic_address
    if identifier:
        _el(_el(party, "ram:URIUniversalCommunication"), "ram:URIID", identifier, schemeID=scheme)
    if vat_number:
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_number, schemeID="VA")


def _line_item(transaction, index, line, cur):
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


def facturx_xml(document):
    """The invoice or credit note as CII XML, amounts taken from its rounded lines and totals."""
    corrected = getattr(document, "invoice", None)  # a credit note's invoice
    type_code = CREDIT_NOTE if corrected is not None else INVOICE
    cur = document.currency
    fr = LABELS["fr"]  # the notes the French rules read are the French legal mentions
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", BUSINESS_PROCESS)
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", "urn:cen.eu:en16931:2017")
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", type_code)
    _xml_date(header, "ram:IssueDateTime", document.issue_date)
    seller, buyer = document.seller, document.buyer
    _note(header, "PMT", fr["recovery_fee"])
    _note(header, "PMD", fr["late_penalties"])
    _note(header, "AAB", fr["no_discount"])
    # How the French platform treats it: domestic B2B e-invoicing, or international B2B e-reporting.
    _note(header, "BAR", "B2B" if buyer.get("country") == "FR" else "B2BINT")
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")

    lines = list(document.lines.all())
    for index, line in enumerate(lines, start=1):
        _line_item(transaction, index, line, cur)

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
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
        electronic_address=seller_address(seller),
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
        electronic_address=buyer_address(buyer),
    )
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    if cur != "EUR":
        _el(settlement, "ram:TaxCurrencyCode", "EUR")  # BT-6: the VAT is accounted for in euros
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
    if corrected is None:
        _el(terms, "ram:Description", fr["penalties"])
        _xml_date(terms, "ram:DueDateDateTime", document.due_date)
        prepaid = document.balance_applied  # the customer balance paid that part at its issue
    else:
        _el(terms, "ram:Description", fr["credit_terms"])
        prepaid = 0
    sums = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", _amount(document.net_total, cur))
    _el(sums, "ram:TaxBasisTotalAmount", _amount(document.net_total, cur))
    _el(sums, "ram:TaxTotalAmount", _amount(document.vat_total, cur), currencyID=cur)
    if cur != "EUR":
        _el(sums, "ram:TaxTotalAmount", _amount(document.vat_total_eur, "EUR"), currencyID="EUR")  # BT-111
    _el(sums, "ram:GrandTotalAmount", _amount(document.total, cur))
    _el(sums, "ram:TotalPrepaidAmount", _amount(prepaid, cur))
    _el(sums, "ram:DuePayableAmount", _amount(document.total - prepaid, cur))
    if corrected is not None:  # BT-25, BT-26: the invoice this credit note corrects
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", corrected.number)
        _xml_date(reference, "ram:FormattedIssueDateTime", corrected.issue_date, kind="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def embed_xml(pdf, document, lang):
    """The PDF/A-3 `pdf` with the document's XML attached (checked against the XSD first), its
    document information dictionary saying what its XMP metadata says."""
    from facturx import generate_from_binary  # on first use only, like WeasyPrint (billing.documents.pdf)

    kind = LABELS[lang]["credit_note" if getattr(document, "invoice", None) is not None else "invoice"]
    metadata = {
        "author": document.seller["name"],
        "title": f"{kind} {document.number}",
        "subject": f"{kind} {document.number} – {document.buyer['name']}",
    }
    embedded = generate_from_binary(
        pdf,
        facturx_xml(document),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata=metadata,
        lang="fr-FR" if lang == "fr" else "en-GB",
    )
    return align_info_with_xmp(embedded)


XMP_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}
# Each entry of the document information dictionary and the XMP property PDF/A ties it to.
INFO_FROM_XMP = {
    "/Title": ".//dc:title//rdf:li",
    "/Author": ".//dc:creator//rdf:li",
    "/Subject": ".//dc:description//rdf:li",
    "/Creator": ".//xmp:CreatorTool",
    "/Producer": ".//pdf:Producer",
    "/CreationDate": ".//xmp:CreateDate",
    "/ModDate": ".//xmp:ModifyDate",
}


def _pdf_date(xmp_date):
    """2026-12-05T21:26:35+00:00 as a PDF date: D:20261205212635+00'00'."""
    day, time = xmp_date[:19].split("T")
    offset = xmp_date[19:] or "+00:00"
    return f"D:{day.replace('-', '')}{time.replace(':', '')}{offset[:3]}'{offset[4:6]}'"


def xmp_metadata(pdf):
    """{Info key: value} as the PDF's XMP metadata says it."""
    from pypdf import PdfReader

    xmp = etree.fromstring(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data())
    values = {key: xmp.findtext(path, namespaces=XMP_NS) for key, path in INFO_FROM_XMP.items()}
    return {key: _pdf_date(value) if key.endswith("Date") else value for key, value in values.items() if value is not None}


def align_info_with_xmp(pdf):
    """PDF/A wants the document information dictionary to say what the XMP metadata says: factur-x
    writes the XMP (producer pypdf) but leaves WeasyPrint's producer in the dictionary, stamps each
    with its own clock reading and adds keywords the XMP lacks. The dictionary is rewritten from
    the XMP."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # cloning writes 1.3 otherwise
    writer.metadata = xmp_metadata(pdf)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
