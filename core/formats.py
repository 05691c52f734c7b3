"""How counts, dates, times and durations read to a person: one format per language, through Babel.

Pages, emails, notifications, PDFs and the admin all go through here (templates with
`{% load formats %}`), so "30 déc. 2026, 05:49" / "30 Dec 2026, 05:49" read the same everywhere.
Amounts are in core.money. The language defaults to the active one; aware datetimes are shown in
the active time zone (the user's, see accounts.middleware) unless a `tz` is given, e.g. the
organization's for an email written by a task.
"""

import datetime

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.units import format_unit
from django.utils import timezone, translation

# Babel locales of the languages in settings.LANGUAGES: British English writes "30 Dec 2026, 05:49".
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def babel_locale(language=None):
    return BABEL_LOCALES.get((language or translation.get_language() or "fr")[:2], "fr_FR")


def _local(value, tz=None):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value.astimezone(tz or timezone.get_current_timezone())
    return value


def format_date(value, language=None, tz=None, length="medium"):
    """30 déc. 2026 / 30 Dec 2026 (`length="long"`: 30 décembre 2026 / 30 December 2026)."""
    if value is None or value == "":
        return ""
    return babel_dates.format_date(_local(value, tz), length, locale=babel_locale(language))


def format_time(value, language=None, tz=None):
    """05:49"""
    if value is None or value == "":
        return ""
    return babel_dates.format_time(_local(value, tz), "short", locale=babel_locale(language))


def format_datetime(value, language=None, tz=None):
    """30 déc. 2026, 05:49 / 30 Dec 2026, 05:49: the locale's medium date and short time."""
    if value is None or value == "":
        return ""
    locale = Locale.parse(babel_locale(language))
    value = _local(value, tz)
    return str(locale.datetime_formats["medium"]).format(
        babel_dates.format_time(value, "short", locale=locale), babel_dates.format_date(value, "medium", locale=locale)
    )


def format_month(value, language=None, length="long"):
    """décembre 2026 / December 2026 (`length="short"`: déc. 2026 / Dec 2026, for chart axes)."""
    if value is None or value == "":
        return ""
    return babel_dates.format_skeleton("yMMMM" if length == "long" else "yMMM", value, locale=babel_locale(language))


def format_number(value, language=None):
    """A count with the language's digit grouping: "12 500" / "12,500"."""
    if value is None or value == "":
        return ""
    return babel_numbers.format_decimal(value, locale=babel_locale(language))


def format_period(start, end, language=None, tz=None):
    """9 avr. 2026 – 9 mai 2026"""
    return f"{format_date(start, language, tz)} – {format_date(end, language, tz)}"


_UNITS = [(86400, "duration-day"), (3600, "duration-hour"), (60, "duration-minute"), (1, "duration-second")]


def format_duration(value, language=None):
    """A duration as people say it, in its largest unit and the next one: "2 min 5 s",
    "1 h 3 min", "3 j 4 h"; under ten seconds to the tenth: "1,2 s". `value` is a timedelta or
    a number of seconds."""
    if value is None or value == "":
        return ""
    seconds = value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
    locale = babel_locale(language)
    if seconds < 10:
        return format_unit(round(seconds, 1) if seconds % 1 else int(seconds), "duration-second", "short", locale=locale)
    whole = round(seconds)
    index = next(i for i, (size, _) in enumerate(_UNITS) if whole >= size)
    first, rest = divmod(whole, _UNITS[index][0])
    parts = [format_unit(first, _UNITS[index][1], "short", locale=locale)]
    if index + 1 < len(_UNITS) and rest // _UNITS[index + 1][0]:
        parts.append(format_unit(rest // _UNITS[index + 1][0], _UNITS[index + 1][1], "short", locale=locale))
    return " ".join(parts)
