"""The public contact form: a ticket in the organization of the customer who sent it while logged
in, else a contact request that agents triage (handled or spam). An address typed into the form
proves nothing: an anonymous message never lands in a customer's ticket list."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import organizations_for
from core.errors import ValidationFailed
from notifications.services import send_email
from support.models import ContactRequest
from support.services.tickets import MAX_BODY_LENGTH, create_ticket, require_agent, required_text

logger = logging.getLogger("webox.support")


@transaction.atomic
def submit_contact(*, name, email, subject, message, honeypot="", ip_address=None, user=None):
    """The public form: a ticket when `user` (the logged-in sender) wrote from their own address,
    else a contact request to triage. A filled honeypot (a field people never see) is a bot:
    refused, nothing stored."""
    if honeypot:
        raise ValidationFailed(_("This message looks automated and was not sent."), code="spam_detected")
    name = required_text(name, field="name", label=_("Name"), max_length=120)
    email = required_text(email, field="email", label=_("Email"), max_length=254).lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(
            _("Enter a valid email address."), code="invalid_email", fields={"email": [_("Enter a valid email address.")]}
        ) from None
    subject = required_text(subject, field="subject", label=_("Subject"), max_length=200)
    message = required_text(message, field="message", label=_("Message"), max_length=MAX_BODY_LENGTH)

    request = ContactRequest.objects.create(name=name, email=email, subject=subject, message=message, ip_address=ip_address)
    proven = user is not None and user.is_authenticated and user.is_active and user.email.lower() == email
    organization = _organization_of(user) if proven else None
    if organization is not None:
        # create_ticket sends the confirmation (the first email of the ticket's thread).
        request.ticket = create_ticket(organization=organization, requester=user, subject=subject, body=message)
        request.status = ContactRequest.Status.TICKET_CREATED
        request.save(update_fields=["ticket", "status"])
    else:
        send_email(
            to=email,
            template="support/emails/contact_received",
            kind="support_contact_received",
            context={"name": name, "subject": subject},
            related=request,
        )
    logger.info("contact_request id=%s ticket=%s", request.pk, request.ticket_id or "-")
    return request


def _organization_of(user):
    organizations = organizations_for(user)
    return organizations.filter(pk=user.default_organization_id).first() or organizations.first()


def mark_contact_request(*, request, status, by):
    require_agent(by)
    if status not in (ContactRequest.Status.HANDLED, ContactRequest.Status.SPAM):
        raise ValidationFailed(_("A contact request is marked handled or spam."), code="invalid_status")
    ContactRequest.objects.filter(pk=request.pk).update(status=status, handled_at=timezone.now())
