"""Titles and bodies of billing notifications, in the organization's language."""

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext as _

from billing.pricing import platform_today
from core.money import format_money

_TEXTS = {
    "en": {
        "invoice_issued": ("Invoice {number} issued", "Invoice {number} of {total} is due on {due}."),
        "invoice_paid": ("Invoice {number} paid", "We received {paid} for invoice {number}. Thank you."),
        "credit_note_issued": ("Credit note {number} issued", "Credit note {number} of {total} on invoice {invoice}."),
        "friendly_reminder": (
            "Reminder: invoice {number} is unpaid",
            "Invoice {number} was due on {due}; {due_amount} remains to pay. It may simply have slipped: you can pay it online.",
        ),
        "urgent_reminder": (
            "Urgent: invoice {number} is still unpaid",
            "Invoice {number} ({due_amount}) is now {days} days overdue. Please pay it today.",
        ),
        "suspension_warning": (
            "Your service will be suspended: invoice {number}",
            "Invoice {number} ({due_amount}) is {days} days overdue. Without payment, your account will be suspended.",
        ),
        "account_suspended": (
            "Your account is suspended",
            "Your subscription is suspended because invoices are overdue. Your data is kept and readable; "
            "paying the overdue invoices reactivates it at once.",
        ),
        "account_reactivated": ("Your account is active again", "Thank you for your payment: your subscription is active again."),
        "trial_ending": (
            "Your {plan} trial ends on {end}",
            "Your trial ends on {end}. Add a payment method to keep the {plan} plan without interruption.",
        ),
        "trial_ended": (
            "Your {plan} trial has ended",
            "Your trial ended without a payment method, so your account is suspended. Your data is kept: "
            "start your subscription to continue.",
        ),
    },
    "fr": {
        "invoice_issued": ("Facture {number} émise", "La facture {number} de {total} est à régler avant le {due}."),
        "invoice_paid": ("Facture {number} payée", "Nous avons reçu {paid} pour la facture {number}. Merci."),
        "credit_note_issued": ("Avoir {number} émis", "Avoir {number} de {total} sur la facture {invoice}."),
        "friendly_reminder": (
            "Rappel : la facture {number} est impayée",
            "La facture {number} était due le {due} ; il reste {due_amount} à régler. "
            "Un simple oubli ? Vous pouvez la payer en ligne.",
        ),
        "urgent_reminder": (
            "Urgent : la facture {number} est toujours impayée",
            "La facture {number} ({due_amount}) a maintenant {days} jours de retard. Merci de la régler aujourd'hui.",
        ),
        "suspension_warning": (
            "Votre service va être suspendu : facture {number}",
            "La facture {number} ({due_amount}) a {days} jours de retard. Sans paiement, votre compte sera suspendu.",
        ),
        "account_suspended": (
            "Votre compte est suspendu",
            "Votre abonnement est suspendu car des factures sont en retard. Vos données sont conservées et consultables ; "
            "régler les factures en retard le réactive immédiatement.",
        ),
        "account_reactivated": (
            "Votre compte est de nouveau actif",
            "Merci pour votre paiement : votre abonnement est de nouveau actif.",
        ),
        "trial_ending": (
            "Votre essai {plan} se termine le {end}",
            "Votre essai se termine le {end}. Ajoutez un moyen de paiement pour garder l'offre {plan} sans interruption.",
        ),
        "trial_ended": (
            "Votre essai {plan} est terminé",
            "Votre essai s'est terminé sans moyen de paiement : votre compte est suspendu. Vos données sont conservées ; "
            "démarrez votre abonnement pour continuer.",
        ),
    },
}


def _lang(locale):
    return "fr" if (locale or "").startswith("fr") else "en"


def _date(value, lang):
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


def dunning_message(invoice, action, *, today=None):
    """The reminder of a dunning step, with the amount due and the days overdue."""
    lang = _lang(invoice.locale)
    title, body = _TEXTS[lang][action]
    values = {
        "number": invoice.number,
        "due_amount": format_money(invoice.amount_due, invoice.currency, lang),
        "due": _date(invoice.due_date, lang),
        "days": ((today or platform_today()) - invoice.due_date).days,
    }
    return title.format(**values), body.format(**values)


def account_message(organization, kind):
    return _TEXTS[_lang(organization.locale)][kind]


def trial_message(subscription, kind):
    lang = _lang(subscription.organization.locale)
    title, body = _TEXTS[lang][kind]
    values = {"plan": subscription.plan.name, "end": _date(subscription.current_period_end.date(), lang)}
    return title.format(**values), body.format(**values)


def credit_note_message(note):
    lang = _lang(note.locale)
    title, body = _TEXTS[lang]["credit_note_issued"]
    values = {"number": note.number, "total": format_money(note.total, note.currency, lang), "invoice": note.invoice.number}
    return title.format(**values), body.format(**values)


def action_required_message(invoice):
    """A payment made without the customer (a renewal) that their bank wants confirmed."""
    lang = _lang(invoice.locale)
    with translation.override(lang):
        title = _("Confirm the payment of invoice %(number)s") % {"number": invoice.number}
        body = _("Your bank asks you to confirm the payment of %(amount)s. Open the link to confirm it.") % {
            "amount": format_money(invoice.amount_due, invoice.currency, lang)
        }
    return title, body
