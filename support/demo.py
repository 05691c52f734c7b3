"""Demo support desk: the staff account in both support groups, a restricted agent, canned replies,
and tickets in every state for Alice and Bob (one of them past its SLA, for the queue and the board).
Idempotent: tickets are found again by organization and subject."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import Organization, User
from support import services
from support.models import AGENTS_GROUP, LEADS_GROUP, CannedReply, ContactRequest, Ticket

CANNED_REPLIES = [
    (
        "Greeting",
        "Hello {customer_name},\n\nThanks for writing to us about {ticket_number}. We are looking into it now.\n\n{agent_name}",
    ),
    (
        "Ask for details",
        "Hello {customer_name},\n\nCould you send us the exact error message and a screenshot? "
        "You can attach them to your reply on {ticket_number}.\n\n{agent_name}",
    ),
    (
        "Fixed",
        "Hello {customer_name},\n\nThe problem behind {ticket_number} is fixed. Could you check on your side?\n\n{agent_name}",
    ),
]


def _ticket(organization, requester, subject, body, **kwargs):
    existing = Ticket.objects.filter(organization=organization, subject=subject).first()
    return existing, existing or services.create_ticket(
        organization=organization, requester=requester, subject=subject, body=body, **kwargs
    )


def _backdate(ticket, hours):
    """Move a fresh ticket's creation (and so its SLA due times) into the past."""
    first, resolution = services.sla_targets(ticket.priority)
    created = timezone.now() - timedelta(hours=hours)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created,
        first_response_due_at=created + first,
        first_response_warn_at=created + first * 0.8,
        resolution_due_at=created + resolution,
        resolution_warn_at=created + resolution * 0.8,
    )
    ticket.messages.update(created_at=created)


def seed(log):
    staff = User.objects.filter(email="staff@webox.test").first()
    agent = demo_user("agent@webox.test", "webox-agent", first_name="Nora", last_name="Support", is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENTS_GROUP))
    if staff:
        staff.groups.add(Group.objects.get(name=AGENTS_GROUP), Group.objects.get(name=LEADS_GROUP))
    for title, body in CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body})

    alice_org = Organization.objects.filter(slug="alice-studio").first()
    bob_org = Organization.objects.filter(slug="bob-digital").first()
    alice = User.objects.filter(email="alice@webox.test").first()
    bob = User.objects.filter(email="bob@webox.test").first()
    if not (alice_org and bob_org and alice and bob):
        return

    existed, ticket = _ticket(
        alice_org, alice, "Ebook export stops at 80%", "The PDF export of my ebook stops at 80% every time.", category="technical"
    )
    if not existed:
        _backdate(ticket, hours=30)  # past its first-response target: shows as breached
        services.check_sla()

    existed, ticket = _ticket(
        alice_org, alice, "VAT number missing on my invoice", "My company's VAT number is not printed.", category="billing"
    )
    if not existed:
        services.agent_reply(ticket=ticket, agent=agent, body="Customer updated the VAT number yesterday.", internal=True)
        services.agent_reply(
            ticket=ticket,
            agent=agent,
            ask_customer=True,
            body="Hello Alice, could you confirm the VAT number you expect? We will reissue the invoice.",
        )

    existed, ticket = _ticket(
        alice_org, alice, "How do I invite my team?", "Where can I add my colleagues?", category="general", priority="low"
    )
    if not existed:
        services.agent_reply(ticket=ticket, agent=agent, body="Go to **Profile → Members** and click *Invite*.")
        services.resolve(ticket=ticket, agent=agent)
        services.rate(ticket=ticket, user=alice, rating=5, comment="Clear and fast, thank you!")

    existed, ticket = _ticket(
        bob_org, bob, "Paiement mobile money refusé", "Mon paiement Orange Money est refusé depuis ce matin.", category="billing"
    )
    if not existed:
        services.agent_reply(
            ticket=ticket, agent=agent, ask_customer=True, body="Bonjour Bob, pouvez-vous nous donner l'heure du paiement ?"
        )

    ContactRequest.objects.get_or_create(
        email="prospect@example.test",
        subject="Do you offer an annual plan?",
        defaults={"name": "Paul Prospect", "message": "We are a team of 12. Is there a yearly discount?"},
    )
    log("  support: agent@webox.test / webox-agent (support agent, no billing access); staff@webox.test leads support")
