"""The wording of invoice and credit-note documents, in the buyer's language (French or English)."""

from babel.numbers import format_decimal

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
        "share_capital": "{form} with a share capital of {capital}",
        "rcs": "Registered in the Trade and Companies Register (RCS) of {city} under {siren}",
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
        "balance_applied": "Paid from the customer balance",
        "refers_to": "Credit note for invoice",
        "credit_on": "Credit on invoice {number}",
        "credit_on_rate": "Credit on invoice {number} (VAT {rate} %)",
        # Reasons the code gives credit notes, as a document in this language prints them.
        "reasons": {},
        "reason": "Reason",
        "payment_terms": "Payment due within {days} days of the invoice date, by {due}. No discount for early payment.",
        "penalties": "Late payment: penalties at three times the French legal interest rate, plus a fixed recovery fee "
        "of 40 EUR (art. L441-10 and D441-5 of the French Commercial Code).",
        "tax_mentions": {
            "eu_reverse_charge": "Autoliquidation (reverse charge): VAT to be paid by the customer, art. 283-2 of the "
            "French General Tax Code (CGI) and art. 196 of Directive 2006/112/EC.",
            "eu_consumer_oss": "VAT of the customer's member state (art. 259 D of the French General Tax Code), "
            "declared through the one-stop shop (OSS).",
            "outside_eu_business": "VAT not applicable, art. 259-1 of the French General Tax Code (CGI): "
            "services supplied to a business established outside the EU.",
            "outside_eu_consumer": "VAT not applicable, art. 259 B of the French General Tax Code (CGI): "
            "electronically supplied services to a person established outside the EU.",
        },
        "facturx": "Electronic invoice (Factur-X, EN 16931): the structured data is embedded in this PDF.",
        "facturx_credit_note": "Electronic credit note (Factur-X, EN 16931): the structured data is embedded in this PDF.",
        # The three notes the French e-invoicing rules ask for (BR-FR-05), and the credit note's terms.
        "recovery_fee": "Fixed recovery fee in case of late payment: 40 EUR (art. L441-10 and D441-5 of the French "
        "Commercial Code).",
        "late_penalties": "Late payment penalties: three times the French legal interest rate (art. L441-10 of the "
        "French Commercial Code).",
        "no_discount": "No discount for early payment.",
        "credit_terms": "Credited to the customer: deducted from what is due, refunded or kept on the customer balance.",
        "operation_category": "Transaction category: supply of services.",
        "vat_in_eur": "VAT total in euros: {amount} (1 EUR = {rate} {currency}, fixed parity).",
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
        "share_capital": "{form} au capital de {capital}",
        "rcs": "RCS {city} {siren}",
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
        "balance_applied": "Réglé par le solde client",
        "refers_to": "Avoir sur la facture",
        "credit_on": "Avoir sur la facture {number}",
        "credit_on_rate": "Avoir sur la facture {number} (TVA {rate} %)",
        "reasons": {
            "Refund": "Remboursement",
            "Refund of the balance": "Remboursement du solde",
            "Invoice voided": "Facture annulée",
            "Voided by staff": "Facture annulée par notre équipe",
            "Credited by staff": "Avoir établi par notre équipe",
        },
        "reason": "Motif",
        "payment_terms": "Paiement à {days} jours date de facture, au plus tard le {due}. Pas d'escompte pour paiement anticipé.",
        "penalties": "En cas de retard de paiement : pénalités au taux de trois fois le taux d'intérêt légal, et indemnité "
        "forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de commerce).",
        "tax_mentions": {
            "eu_reverse_charge": "Autoliquidation : TVA due par le preneur (art. 283-2 du CGI, art. 196 de la "
            "directive 2006/112/CE).",
            "eu_consumer_oss": "TVA de l'État membre du client (art. 259 D du CGI), déclarée par le guichet unique (OSS).",
            "outside_eu_business": "TVA non applicable, art. 259-1 du CGI : prestation de services à un preneur "
            "assujetti établi hors de l'Union européenne.",
            "outside_eu_consumer": "TVA non applicable, art. 259 B du CGI : services fournis par voie électronique à "
            "une personne établie hors de l'Union européenne.",
        },
        "facturx": "Facture électronique (Factur-X, EN 16931) : les données structurées sont jointes à ce PDF.",
        "facturx_credit_note": "Avoir électronique (Factur-X, EN 16931) : les données structurées sont jointes à ce PDF.",
        "recovery_fee": "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € "
        "(art. L441-10 et D441-5 du Code de commerce).",
        "late_penalties": "Pénalités de retard : trois fois le taux d'intérêt légal (art. L441-10 du Code de commerce).",
        "no_discount": "Pas d'escompte pour paiement anticipé.",
        "credit_terms": "Montant crédité au client : déduit de ce qui reste dû, remboursé ou porté à son solde.",
        "operation_category": "Catégorie de l'opération : prestation de services.",
        "vat_in_eur": "Total TVA en euros : {amount} (1 EUR = {rate} {currency}, parité fixe).",
    },
}


def language(locale):
    return "fr" if (locale or "").startswith("fr") else "en"


def rate_text(rate, lang):
    """A VAT rate as the document's language writes it: 5,5 / 5.5."""
    return format_decimal(rate, format="#,##0.##", locale="fr_FR" if lang == "fr" else "en_GB")


def credit_line_text(number, rate, lang):
    """The description of a credit note's line (one per VAT rate when there are several)."""
    if rate is None:
        return LABELS[lang]["credit_on"].format(number=number)
    return LABELS[lang]["credit_on_rate"].format(number=number, rate=rate_text(rate, lang))
