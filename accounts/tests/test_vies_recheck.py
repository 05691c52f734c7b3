"""The periodic re-check of stored VIES answers (accounts.tasks.recheck_vat_numbers), against
recorded answers (respx): stale and unavailable answers asked again, in batches, a member state
that is down asked nothing more in the run, and a number VIES now refuses loses the reverse charge
on the next invoice."""

import json
from datetime import timedelta

import pytest
import respx
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from accounts import services, tasks
from accounts.tests.factories import OrganizationFactory
from accounts.tests.test_tax_identity import vies_answers
from billing.tests.factories import invoice
from core.models import AuditEntry, TaskRun
from core.schedules import declared_tasks

pytestmark = pytest.mark.django_db

DE_VALID, DE_REFUSED, AT_VALID = "DE136695976", "DE811569869", "ATU13585627"


def eu_business(number, status, days_ago, country="DE"):
    checked = timezone.now() - timedelta(days=days_ago) if days_ago is not None else None
    return OrganizationFactory(
        country=country, is_business=True, vat_number=number, vat_check_status=status, vat_checked_at=checked
    )


def asked(route):
    return [json.loads(call.request.content)["vatNumber"] for call in route.calls]


@respx.mock
def test_a_stale_confirmation_that_vies_now_refuses_loses_the_reverse_charge(organization):
    organization.country, organization.vat_number, organization.vat_check_status = "DE", DE_REFUSED, "valid"
    organization.vat_checked_at, organization.vat_check_reference = timezone.now() - timedelta(days=31), "OLD"
    organization.save()
    assert invoice(organization).lines.get().tax_basis == "eu_reverse_charge"
    respx.post(settings.VIES_URL).mock(return_value=vies_answers("invalid"))

    tasks.recheck_vat_numbers.delay()

    organization.refresh_from_db()
    assert (organization.vat_check_status, organization.vat_check_reference) == ("invalid", "")
    assert timezone.now() - organization.vat_checked_at < timedelta(minutes=1)
    assert invoice(organization).lines.get().tax_basis == "eu_consumer_fr"  # French VAT, no reverse charge
    assert "DE811569869" in organization.billing_identity_gaps["vat_number"][0]  # the owner is told
    entry = AuditEntry.objects.get(action="vat_number_rechecked")
    assert (entry.before, entry.after) == (
        {"vat_check_status": "valid"},
        {"vat_check_status": "invalid", "vat_check_reference": ""},
    )
    assert TaskRun.objects.get(task="accounts.recheck_vat_numbers").counts == {"invalid": 1}


@respx.mock
def test_only_stale_unavailable_or_unasked_numbers_are_asked_oldest_first():
    fresh = eu_business(DE_VALID, "valid", days_ago=29)
    unavailable = eu_business(DE_VALID, "unavailable", days_ago=0)
    stale = eu_business(DE_VALID, "valid", days_ago=40)
    never = eu_business(DE_VALID, "", days_ago=None)
    eu_business("DE136695977", "", days_ago=None)  # a bad checksum: no reverse charge whatever VIES says
    eu_business("CHE116281710MWST", "", days_ago=None, country="CH")  # outside the EU: no VIES
    route = respx.post(settings.VIES_URL).mock(return_value=vies_answers("valid"))

    assert services.recheck_vat_numbers(limit=2) == {"valid": 2}
    assert route.call_count == 2
    for org in (fresh, unavailable, stale, never):
        org.refresh_from_db()
    assert [org.vat_check_reference for org in (never, stale, unavailable)] == ["WAPIAAAAZ5Q8c2Xh", "WAPIAAAAZ5Q8c2Xh", ""]
    assert services.recheck_vat_numbers(limit=10) == {"valid": 1}  # the unavailable one, whose turn came
    unavailable.refresh_from_db()
    assert (unavailable.vat_check_status, unavailable.vat_check_reference) == ("valid", "WAPIAAAAZ5Q8c2Xh")
    assert route.call_count == 3
    assert [org.vat_number for org in services.due_vat_rechecks()] == ["DE136695977"]


@respx.mock
def test_a_member_state_that_is_down_keeps_its_answers_and_is_asked_nothing_more_in_the_run():
    first = eu_business(DE_VALID, "valid", days_ago=50)
    second = eu_business(DE_REFUSED, "unavailable", days_ago=45)
    austrian = eu_business(AT_VALID, "valid", days_ago=40, country="AT")
    route = respx.post(settings.VIES_URL)
    route.side_effect = lambda request: (
        vies_answers("ms_unavailable", 500) if json.loads(request.content)["countryCode"] == "DE" else vies_answers("valid")
    )

    assert services.recheck_vat_numbers(limit=10) == {"unavailable": 1, "valid": 1}

    assert asked(route) == ["136695976", "U13585627"]
    for org in (first, second, austrian):
        org.refresh_from_db()
    assert (first.vat_check_status, first.vat_checked_at.date()) == ("valid", (timezone.now() - timedelta(days=50)).date())
    assert second.vat_check_status == "unavailable" and second.vat_checked_at < timezone.now() - timedelta(days=44)
    assert austrian.vat_check_status == "valid" and timezone.now() - austrian.vat_checked_at < timedelta(minutes=1)


@respx.mock
@override_settings(VIES_RECHECK_DAYS=7)
def test_a_number_changed_while_vies_was_asked_keeps_the_answer_about_the_new_one():
    org = eu_business(DE_VALID, "valid", days_ago=8)

    def changed_meanwhile(request):
        type(org).objects.filter(pk=org.pk).update(vat_number=AT_VALID, country="AT", vat_check_reference="NEW")
        return vies_answers("invalid")

    respx.post(settings.VIES_URL).mock(side_effect=changed_meanwhile)
    services.recheck_vat_numbers(limit=10)
    org.refresh_from_db()
    assert (org.vat_number, org.vat_check_status, org.vat_check_reference) == (AT_VALID, "valid", "NEW")


def test_the_recheck_is_scheduled_hourly():
    mine = {spec.task: spec for spec in declared_tasks() if spec.task.startswith("accounts.")}
    assert mine["accounts.tasks.recheck_vat_numbers"].crontab == {"minute": "40"}
