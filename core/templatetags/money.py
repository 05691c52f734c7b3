from django import template

from core.money import format_money

register = template.Library()


@register.simple_tag
def money(amount, currency, locale=None):
    """{% money invoice.total invoice.currency %} formatted in the active (or given) language."""
    if amount is None or not currency:
        return ""
    return format_money(amount, currency, locale)
