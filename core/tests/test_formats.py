"""One format per language for amounts, dates, times and durations, wherever they are shown."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core.formats import format_date, format_datetime, format_duration, format_month, format_number, format_period, format_time
from core.money import format_money

NBSP, NNBSP = "\u00a0", "\u202f"
PARIS, DAKAR = zoneinfo.ZoneInfo("Europe/Paris"), zoneinfo.ZoneInfo("Africa/Dakar")
# 05:49 UTC on 30 Nov 2026: 06:49 in Paris, 05:49 in Dakar; 23:30 UTC on 31 Dec is already 2027 in Paris.
MOMENT = datetime.datetime(2026, 11, 30, 5, 49, 12, tzinfo=datetime.UTC)
NEW_YEAR = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)


def plain(text):
    """Babel separates with no-break spaces, as typography wants; compare with plain ones."""
    return text.replace(NBSP, " ").replace(NNBSP, " ")


@pytest.mark.parametrize(
    "amount, currency, language, expected",
    [
        (2140, "EUR", "fr", "21,40 €"),
        (2140, "EUR", "en", "€21.40"),
        (25500, "XOF", "fr", "25 500 F CFA"),
        (25500, "XOF", "en", "F CFA 25,500"),
        (123456789, "EUR", "fr", "1 234 567,89 €"),
        (123456789, "EUR", "en", "€1,234,567.89"),
        (-4623, "EUR", "fr", "-46,23 €"),
        (-4623, "EUR", "en", "-€46.23"),
        (0, "XOF", "fr", "0 F CFA"),
        (5, "EUR", "en", "€0.05"),
    ],
)
def test_amounts_in_major_units_by_language(amount, currency, language, expected):
    assert plain(format_money(amount, currency, language)) == expected


def test_the_symbol_never_touches_the_digits():
    assert format_money(25500, "XOF", "en") == f"F{NNBSP}CFA{NBSP}25,500"
    assert format_money(25500, "XOF", "fr") == f"25{NNBSP}500{NBSP}F{NNBSP}CFA"


def test_amounts_default_to_the_active_language():
    with translation.override("fr"):
        assert plain(format_money(2140, "EUR")) == "21,40 €"
    with translation.override("en"):
        assert plain(format_money(2140, "EUR")) == "€21.40"


@pytest.mark.parametrize(
    "language, date, long, when, time, month",
    [
        ("fr", "30 nov. 2026", "30 novembre 2026", "30 nov. 2026, 06:49", "06:49", "novembre 2026"),
        ("en", "30 Nov 2026", "30 November 2026", "30 Nov 2026, 06:49", "06:49", "November 2026"),
    ],
)
def test_dates_and_times_by_language_in_the_given_time_zone(language, date, long, when, time, month):
    assert format_date(MOMENT, language, PARIS) == date
    assert format_date(MOMENT, language, PARIS, length="long") == long
    assert format_datetime(MOMENT, language, PARIS) == when
    assert format_time(MOMENT, language, PARIS) == time
    assert format_month(MOMENT.date(), language) == month
    assert format_date(MOMENT.date(), language) == date  # a plain date has no time zone to apply


def test_times_follow_the_active_time_zone():
    with timezone.override(DAKAR):
        assert format_datetime(MOMENT, "fr") == "30 nov. 2026, 05:49"
    with timezone.override(PARIS):
        assert format_datetime(MOMENT, "fr") == "30 nov. 2026, 06:49"
        assert format_date(NEW_YEAR, "en") == "1 Jan 2027"  # the day where the user is
    assert format_date(NEW_YEAR, "en", DAKAR) == "31 Dec 2026"


def test_a_period_reads_from_start_to_end():
    start, end = datetime.date(2026, 4, 9), datetime.date(2026, 5, 9)
    assert format_period(start, end, "fr") == "9 avr. 2026 – 9 mai 2026"
    assert format_period(start, end, "en") == "9 Apr 2026 – 9 May 2026"


@pytest.mark.parametrize(
    "value, fr, en",
    [
        (datetime.timedelta(seconds=1.198749), "1,2 s", "1.2 secs"),
        (5, "5 s", "5 secs"),
        (125, "2 min 5 s", "2 mins 5 secs"),
        (3600, "1 h", "1 hr"),
        (3725, "1 h 2 min", "1 hr 2 mins"),
        (datetime.timedelta(days=3, hours=4, minutes=59), "3 j 4 h", "3 days 4 hrs"),
    ],
)
def test_durations_as_people_say_them(value, fr, en):
    assert plain(format_duration(value, "fr")) == fr
    assert plain(format_duration(value, "en")) == en


@pytest.mark.parametrize(("value", "fr", "en"), [(7, "7", "7"), (1250, "1 250", "1,250"), (2_500_000, "2 500 000", "2,500,000")])
def test_counts_are_grouped_by_language(value, fr, en):
    assert plain(format_number(value, "fr")) == fr
    assert format_number(value, "en") == en


def test_a_count_in_a_plural_sentence_is_grouped_and_still_chooses_the_plural():
    template = Template(
        "{% load i18n formats %}{% blocktranslate with credits=n|number count n=n %}{{ credits }} credit{% plural %}"
        "{{ credits }} credits{% endblocktranslate %}"
    )
    with translation.override("en"):
        assert template.render(Context({"n": 1})) == "1 credit"
        assert template.render(Context({"n": 1250})) == "1,250 credits"


def test_empty_values_show_nothing():
    assert format_date(None) == format_datetime(None) == format_duration(None) == format_time("") == ""
    assert format_number(None) == ""


def test_template_filters_use_the_active_language_and_time_zone():
    template = Template(
        "{% load formats %}{{ total|money:'XOF' }} | {{ when|local_date }} | {{ when|local_datetime }} | {{ took|duration }}"
    )
    context = Context({"total": 25500, "when": MOMENT, "took": datetime.timedelta(seconds=125)})
    with translation.override("fr"), timezone.override(PARIS):
        assert plain(template.render(context)) == "25 500 F CFA | 30 nov. 2026 | 30 nov. 2026, 06:49 | 2 min 5 s"
    with translation.override("en"), timezone.override(DAKAR):
        assert plain(template.render(context)) == "F CFA 25,500 | 30 Nov 2026 | 30 Nov 2026, 05:49 | 2 mins 5 secs"


def test_djangos_own_date_formats_agree_for_the_admin():
    from django.utils.formats import date_format

    with translation.override("en"):
        assert date_format(MOMENT.astimezone(PARIS), "DATETIME_FORMAT") == format_datetime(MOMENT, "en", PARIS)
    with translation.override("fr"):
        assert date_format(MOMENT.astimezone(PARIS), "DATETIME_FORMAT") == format_datetime(MOMENT, "fr", PARIS)
