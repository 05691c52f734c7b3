from django import template

register = template.Library()


@register.filter
def duration(seconds):
    """Seconds as "3 d 4 h", "2 h 05 min" or "12 min"; a dash for no value."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


@register.filter
def percent(value):
    return "—" if value is None else f"{value} %"
