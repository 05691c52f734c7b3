"""Titles and bodies of billing notifications, in the organization's language."""

from core.money import format_money

_TEXTS = {
    "en": {
        "invoice_issued": ("Invoice {number} issued", "Invoice {number} of {total} is due on {due}."),
        "invoice_paid": ("Invoice {number} paid", "We received {paid} for invoice {number}. Thank you."),
        "invoice_overdue": (
            "Invoice {number} is overdue",
            "Invoice {number} ({due_amount}) was due on {due}. Please pay it to keep your service.",
        ),
        "credit_note_issued": ("Credit note {number} issued", "Credit note {number} of {total} on invoice {invoice}."),
    },
    "fr": {
        "invoice_issued": ("Facture {number} émise", "La facture {number} de {total} est à régler avant le {due}."),
        "invoice_paid": ("Facture {number} payée", "Nous avons reçu {paid} pour la facture {number}. Merci."),
        "invoice_overdue": (
            "Facture {number} en retard",
            "La facture {number} ({due_amount}) était due le {due}. Merci de la régler pour conserver votre service.",
        ),
        "credit_note_issued": ("Avoir {number} émis", "Avoir {number} de {total} sur la facture {invoice}."),
    },
}


def _lang(locale):
    return "fr" if (locale or "").startswith("fr") else "en"


def _date(value, lang):
    from babel.dates import format_date

    return format_date(value, "long", locale="fr_FR" if lang == "fr" else "en_GB") if value else ""


def invoice_message(invoice, kind):
    lang = _lang(invoice.locale)
    title, body = _TEXTS[lang][kind]
    values = {
        "number": invoice.number,
        "total": format_money(invoice.total, invoice.currency, lang),
        "paid": format_money(invoice.amount_paid, invoice.currency, lang),
        "due_amount": format_money(invoice.amount_due, invoice.currency, lang),
        "due": _date(invoice.due_date, lang),
    }
    return title.format(**values), body.format(**values)


def credit_note_message(note):
    lang = _lang(note.locale)
    title, body = _TEXTS[lang]["credit_note_issued"]
    values = {"number": note.number, "total": format_money(note.total, note.currency, lang), "invoice": note.invoice.number}
    return title.format(**values), body.format(**values)
