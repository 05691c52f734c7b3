"""{% load formats %}: amounts, dates, times and durations in the active language and time zone.

    {{ invoice.total|money:invoice.currency }}   21,40 €          / €21.40
    {{ invoice.issued_at|local_date }}           30 déc. 2026     / 30 Dec 2026
    {{ message.created_at|local_datetime }}      30 déc. 2026, 05:49
    {{ job.started_at|local_time }}              05:49
    {{ period_start|month }}                     décembre 2026    / December 2026
    {{ job.duration|duration }}                  2 min 5 s        / 2 mins 5 secs
    {{ balance|number }}                         12 500           / 12,500

A count inside {% blocktranslate count %} is shown formatted and chosen by its number:
    {% blocktranslate with credits=balance|number count n=balance %}{{ credits }} credit{% plural %}...
"""

from django import template

from core import formats
from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    if amount is None or amount == "" or not currency:
        return ""
    return format_money(amount, currency)


@register.filter
def number(value):
    return formats.format_number(value)


@register.filter
def local_date(value, length="medium"):
    return formats.format_date(value, length=length)


@register.filter
def local_datetime(value):
    return formats.format_datetime(value)


@register.filter
def local_time(value):
    return formats.format_time(value)


@register.filter
def month(value):
    return formats.format_month(value)


@register.filter
def duration(value):
    return formats.format_duration(value)
