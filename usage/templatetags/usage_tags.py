from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from usage.selectors import BYTE_METRICS

register = template.Library()


@register.simple_tag
def usage_value(metric, value):
    """A metric's amount for people: bytes as KB/MB/GB, counts with separators, None as unlimited."""
    if value is None:
        return _("Unlimited")
    return filesizeformat(value) if metric in BYTE_METRICS else intcomma(value)
