"""Invoice and credit-note PDFs, rendered by WeasyPrint from Django templates (PDF/A-3b for a
Factur-X document: any to a business), and stored once in the default storage."""

from babel.dates import format_date
from babel.numbers import format_decimal
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from billing.documents.facturx import embed_xml, needs_facturx
from billing.documents.labels import LABELS, language
from billing.pricing import vat_breakdown
from core.money import format_money, to_minor


def vat_mentions(lines, lang):
    """The legal mention of each tax basis the lines use (billing.tax), once each."""
    mentions = LABELS[lang]["tax_mentions"]
    bases = dict.fromkeys(line.tax_basis for line in lines)
    return [mentions[basis] for basis in bases if mentions.get(basis)]


def seller_mentions(seller, lang):
    """Legal form and share capital, RCS city and number (art. R123-237 of the Commercial Code)."""
    labels, mentions = LABELS[lang], []
    if seller.get("legal_form") and seller.get("share_capital"):
        capital = format_money(to_minor(seller["share_capital"], "EUR"), "EUR", lang)
        mentions.append(labels["share_capital"].format(form=seller["legal_form"], capital=capital))
    if seller.get("rcs_city") and seller.get("siren"):
        mentions.append(labels["rcs"].format(city=seller["rcs_city"], siren=_grouped(seller["siren"])))
    return mentions


def document_mentions(document, lang):
    """What every document says besides its lines: the category of the operation (services) and,
    outside EUR, its VAT total in euros at the rate recorded on it (BR-FR-CO-12)."""
    labels = LABELS[lang]
    mentions = [labels["operation_category"]]
    if document.eur_rate is not None:
        rate = format_decimal(document.eur_rate, format="#,##0.######", locale="fr_FR" if lang == "fr" else "en_GB")
        amount = format_money(document.vat_total_eur, "EUR", lang)
        mentions.append(labels["vat_in_eur"].format(amount=amount, rate=rate, currency=document.currency))
    return mentions


def _grouped(siren):
    return " ".join(siren[i : i + 3] for i in range(0, len(siren), 3))


def _date(value, lang):
    return format_date(value, "d MMMM yyyy", locale="fr_FR" if lang == "fr" else "en_GB") if value else ""


def _render(template, context, *, pdf_a=False):
    # Imported on first use, in the worker that renders: at module level, WeasyPrint and factur-x
    # added 0.5 s and 30 MB to the start of every web process and command, and WeasyPrint logged
    # its stylesheet parsing there (measured on this tree).
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
        "vat_mentions": vat_mentions(lines, lang),
        "document_mentions": document_mentions(invoice, lang),
        "seller_mentions": seller_mentions(invoice.seller, lang),
        "payment_terms": labels["payment_terms"].format(days=invoice.payment_terms_days, due=_date(invoice.due_date, lang)),
        "facturx": labels["facturx"] if facturx else "",
    }
    pdf = _render("billing/pdf/invoice.html", context, pdf_a=facturx)
    return embed_xml(pdf, invoice, lang) if facturx else pdf


def credit_note_pdf(note):
    lang = language(note.locale)
    labels = LABELS[lang]
    lines = list(note.lines.all())
    facturx = needs_facturx(note)
    context = {
        "doc": note,
        "kind": labels["credit_note"],
        "labels": labels,
        "lang": lang,
        "lines": lines,
        "vat_breakdown": vat_breakdown(lines),
        "issue_date": _date(note.issue_date, lang),
        "invoice": note.invoice,
        "reason": labels["reasons"].get(note.reason, note.reason),
        "invoice_date": _date(note.invoice.issue_date, lang),
        "vat_mentions": vat_mentions(lines, lang),
        "document_mentions": document_mentions(note, lang),
        "seller_mentions": seller_mentions(note.seller, lang),
        "facturx": labels["facturx_credit_note"] if facturx else "",
    }
    pdf = _render("billing/pdf/invoice.html", context, pdf_a=facturx)
    return embed_xml(pdf, note, lang) if facturx else pdf


def save_pdf(name, content):
    if default_storage.exists(name):
        default_storage.delete(name)  # a half-written file from a crashed run: the new one replaces it
    return default_storage.save(name, ContentFile(content))
