"""The EU's VIES service, over its REST API with httpx: does a member state know this VAT number?
The answer is recorded on the organization (date, result, consultation number). VIES is often
down for one member state or another: no answer is "unavailable", never a refusal."""

import logging
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("webox.accounts")


@dataclass(frozen=True)
class ViesAnswer:
    status: str  # "valid", "invalid" or "unavailable"
    checked_at: datetime
    reference: str = ""  # the consultation number VIES gives a requester that identified itself
    name: str = ""


def _requester():
    number = settings.SELLER.get("vat_number", "")
    return {"requesterMemberStateCode": number[:2], "requesterNumber": number[2:]} if number else {}


def check(number):
    """Ask VIES about `number` (normalized, with its country prefix)."""
    payload = {"countryCode": number[:2], "vatNumber": number[2:], **_requester()}
    now = timezone.now()
    try:
        response = httpx.post(settings.VIES_URL, json=payload, timeout=settings.VIES_TIMEOUT)
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("vies_unreachable country=%s error=%s", number[:2], type(error).__name__)
        return ViesAnswer("unavailable", now)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("valid"), bool):
        errors = body.get("errorWrappers") if isinstance(body, dict) else None
        logger.warning("vies_error country=%s status=%s errors=%s", number[:2], response.status_code, errors)
        return ViesAnswer("unavailable", now)
    answer = ViesAnswer(
        "valid" if body["valid"] else "invalid",
        now,
        reference=str(body.get("requestIdentifier") or "")[:64],
        name=str(body.get("name") or "")[:200],
    )
    logger.info("vies_checked country=%s status=%s reference=%s", number[:2], answer.status, answer.reference)
    return answer
