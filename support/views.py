"""Support pages: the customer's tickets, the agents' queue and ticket view, stats, contact form."""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.api import throttling
from core.errors import DomainError, NotFound
from core.permissions import (
    HANDLE_TICKETS,
    SUPPORT_QUEUE,
    WRITE_MESSAGES,
    is_staff_member,
    passed_second_factor,
    require,
)
from core.views import domain_errors_to_messages, organization_required
from support import conf, selectors, services
from support.forms import (
    AgentReplyForm,
    AssignForm,
    ContactForm,
    PriorityForm,
    QueueFilterForm,
    RatingForm,
    ReplyForm,
    StatsRangeForm,
    TicketForm,
    agent_choices,
)
from support.models import CannedReply, Category, Priority, Status, Ticket
from support.selectors import QUEUE_VIEWS

PAGE_SIZE = 20


def staff_required(permission):
    """Support staff holding `permission` (the support groups, or superusers), who passed the second
    factor (else they enrol or enter a code first, then come back); anyone else gets a 403 page,
    audited for staff (core.permissions.require)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if is_staff_member(user) and user.has_perm(permission) and not passed_second_factor(user):
                return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")
            require(request, permission)
            return view(request, *args, **kwargs)

        wrapper.staff_permission = permission  # what the staff matrix test reads
        return wrapper

    return decorator


def _form_errors(form, exc):
    """A domain error shown on the form: on its fields when it names them."""
    placed = False
    for field, errors in exc.fields.items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _customer_ticket(request, number):
    try:
        return selectors.ticket_for(organization=request.organization, number=number)
    except NotFound:
        raise Http404(_("No such ticket.")) from None


def _agent_ticket(pk):
    try:
        return selectors.agent_ticket(pk=pk)
    except NotFound:
        raise Http404(_("No such ticket.")) from None


# --- customers ---------------------------------------------------------------------------------


@login_required
def ticket_list(request):
    if request.user.is_staff and not request.organization:
        return redirect("support:queue")  # agents without a customer workspace land on their queue
    return _customer_ticket_list(request)


@organization_required
def _customer_ticket_list(request):
    tickets = selectors.tickets_for(organization=request.organization)
    status = request.GET.get("status", "")
    if status in Status.values:
        tickets = tickets.filter(status=status)
    query = request.GET.get("q", "").strip()[:200]
    tickets = selectors.search(tickets, query, include_internal=False)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "status": status,
        "statuses": Status.choices,
        "querystring": urlencode({k: v for k, v in (("q", query), ("status", status)) if v}),
    }
    return render(request, "support/ticket_list.html", context)


@organization_required
def ticket_new(request):
    follow_up_of = None
    follow_up = request.GET.get("follow_up") or request.POST.get("follow_up")
    if follow_up:
        follow_up_of = _customer_ticket(request, follow_up)
    initial = {}
    if follow_up_of:
        subject = _("Follow-up of %(number)s: %(subject)s") % {"number": follow_up_of.number, "subject": follow_up_of.subject}
        initial = {"subject": subject[:200]}
    form = TicketForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.create_ticket(
                organization=request.organization,
                requester=request.user,
                subject=data["subject"],
                body=data["body"],
                category=data["category"],
                priority=data["priority"],
                related_kind=data["related_kind"],
                related_id=data["related_id"],
                follow_up_of=follow_up_of,
                attachments=request.FILES.getlist("attachments"),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Ticket %(number)s is open. We will answer you by email and here.") % {"number": ticket.number}
            )
            return redirect("support:ticket_detail", number=ticket.number)
    return render(request, "support/ticket_new.html", {"form": form, "follow_up_of": follow_up_of})


@organization_required
def ticket_detail(request, number):
    ticket = _customer_ticket(request, number)
    context = {
        "ticket": ticket,
        "conversation": selectors.conversation(ticket, include_internal=False),
        "reply_form": ReplyForm(),
        "rating_form": RatingForm(),
    }
    return render(request, "support/ticket_detail.html", context)


@organization_required
@require_GET
def ticket_messages(request, number):
    """The conversation alone: the page reloads it when a live event says something was added."""
    ticket = _customer_ticket(request, number)
    context = {
        "ticket": ticket,
        "conversation": selectors.conversation(ticket, include_internal=False),
        "live_url": request.path,
    }
    return render(request, "support/partials/conversation.html", context)


@organization_required
@require_POST
@domain_errors_to_messages
def ticket_reply(request, number):
    ticket = _customer_ticket(request, number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your reply is empty."))
    else:
        services.customer_reply(
            ticket=ticket, user=request.user, body=form.cleaned_data["body"], attachments=request.FILES.getlist("attachments")
        )
        messages.success(request, _("Reply sent."))
    return redirect("support:ticket_detail", number=ticket.number)


@organization_required
@require_POST
@domain_errors_to_messages
def ticket_reopen(request, number):
    ticket = _customer_ticket(request, number)
    services.reopen(ticket=ticket, user=request.user)
    messages.success(request, _("%(number)s is reopened: an agent will pick it up.") % {"number": ticket.number})
    return redirect("support:ticket_detail", number=ticket.number)


@organization_required
@require_POST
@domain_errors_to_messages
def ticket_rate(request, number):
    ticket = _customer_ticket(request, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
    else:
        services.rate(ticket=ticket, user=request.user, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"])
        messages.success(request, _("Thank you for your rating."))
    return redirect("support:ticket_detail", number=ticket.number)


@login_required
def attachment_download(request, pk):
    try:
        attachment = selectors.attachment_for(user=request.user, organization=request.organization or None, pk=pk)
    except NotFound:
        raise Http404(_("No such file.")) from None
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


# --- public contact form -----------------------------------------------------------------------


def _client_address(request):
    return throttling.client_address(request) or ""


def _contact_allowed(address):
    """A fixed window per client address, in the cache."""
    key = f"support:contact:{address}"
    cache.add(key, 0, conf.CONTACT_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, 1, conf.CONTACT_WINDOW_SECONDS)
        count = 1
    return count <= conf.CONTACT_LIMIT


def contact(request):
    initial = {"name": request.user.full_name, "email": request.user.email} if request.user.is_authenticated else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST":
        address = _client_address(request)
        if not _contact_allowed(address):
            form.add_error(None, _("Too many messages from your address. Please try again in a few minutes."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_contact(
                    name=data["name"],
                    email=data["email"],
                    subject=data["subject"],
                    message=data["message"],
                    honeypot=data["website"],
                    ip_address=address or None,
                    user=request.user,
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your message is on its way. We sent you a confirmation by email."))
                return redirect("support:contact")
    return render(request, "support/contact.html", {"form": form})


# --- agents ------------------------------------------------------------------------------------


@staff_required(SUPPORT_QUEUE)
def queue(request):
    view = request.GET.get("view", "active")
    view = view if view in QUEUE_VIEWS else "active"
    filters = QueueFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    tickets = selectors.agent_queue(
        agent=request.user,
        view=view,
        status=data.get("status", ""),
        priority=data.get("priority", ""),
        category=data.get("category", ""),
        query=data.get("q", ""),
        assignee=data.get("assignee") or "",
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "page": page,
        "view": view,
        "views": QUEUE_VIEWS,
        "filters": filters,
        "counts": selectors.queue_counts(agent=request.user),
        "agents": agent_choices(),
        "querystring": urlencode(params),
    }
    return render(request, "support/agent/queue.html", context)


@staff_required(HANDLE_TICKETS)
@require_POST
@domain_errors_to_messages
def bulk_action(request):
    ids = [int(pk) for pk in request.POST.getlist("tickets") if pk.isdigit()]
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("assignee"))
    if not tickets:
        messages.error(request, _("Select at least one ticket."))
    elif request.POST.get("action") == "assign":
        assignee = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
        done = services.bulk_assign(tickets=tickets, assignee=assignee, by=request.user)
        messages.success(
            request,
            ngettext("%(count)d ticket assigned to %(name)s.", "%(count)d tickets assigned to %(name)s.", done)
            % {"count": done, "name": assignee.full_name},
        )
    elif request.POST.get("action") == "close":
        done = services.bulk_close(tickets=tickets, by=request.user)
        messages.success(request, ngettext("%(count)d ticket closed.", "%(count)d tickets closed.", done) % {"count": done})
    else:
        messages.error(request, _("Choose an action."))
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/support/") else "support:queue")


@staff_required(SUPPORT_QUEUE)
def agent_ticket(request, pk):
    ticket = _agent_ticket(pk)
    context = {
        "ticket": ticket,
        "conversation": selectors.conversation(ticket, include_internal=True),
        "reply_form": AgentReplyForm(),
        "assign_form": AssignForm(initial={"assignee": ticket.assignee_id}),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}),
        "canned_replies": services.active_canned_replies(),
        "related": ticket.related if ticket.related_type_id else None,
        "sla_events": ticket.sla_events.all(),
        "now": timezone.now(),
    }
    return render(request, "support/agent/ticket.html", context)


@staff_required(SUPPORT_QUEUE)
@require_GET
def agent_ticket_messages(request, pk):
    """The agent's view of the conversation (notes included), reloaded on live events."""
    ticket = _agent_ticket(pk)
    context = {"ticket": ticket, "conversation": selectors.conversation(ticket, include_internal=True), "live_url": request.path}
    return render(request, "support/partials/conversation.html", context)


@staff_required(SUPPORT_QUEUE)
@require_GET
def canned_reply(request, pk):
    """htmx: the reply box filled with a canned reply for this ticket."""
    ticket = _agent_ticket(pk)
    canned = CannedReply.objects.filter(pk=request.GET.get("canned") or 0, is_active=True).first()
    text = services.render_canned_reply(canned=canned, ticket=ticket, agent=request.user) if canned else ""
    form = AgentReplyForm(initial={"body": text})
    return render(request, "support/agent/partials/reply_body.html", {"field": form["body"]})


@staff_required(WRITE_MESSAGES)
@require_POST
@domain_errors_to_messages
def agent_reply(request, pk):
    ticket = _agent_ticket(pk)
    form = AgentReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reply is empty."))
    else:
        data = form.cleaned_data
        services.agent_reply(
            ticket=ticket,
            agent=request.user,
            body=data["body"],
            internal=data["internal"],
            ask_customer=data["ask_customer"],
            attachments=request.FILES.getlist("attachments"),
        )
        messages.success(request, _("Internal note added.") if data["internal"] else _("Reply sent to the customer."))
    return redirect("support:agent_ticket", pk=ticket.pk)


@staff_required(HANDLE_TICKETS)
@require_POST
@domain_errors_to_messages
def agent_assign(request, pk):
    ticket = _agent_ticket(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an agent."))
    else:
        assignee = get_user_model().objects.get(pk=form.cleaned_data["assignee"])
        services.assign(ticket=ticket, assignee=assignee, by=request.user)
        messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.full_name})
    return redirect("support:agent_ticket", pk=ticket.pk)


@staff_required(HANDLE_TICKETS)
@require_POST
@domain_errors_to_messages
def agent_priority(request, pk):
    ticket = _agent_ticket(pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a priority."))
    else:
        services.set_priority(ticket=ticket, agent=request.user, priority=form.cleaned_data["priority"])
        messages.success(request, _("Priority updated; the SLA due times follow it."))
    return redirect("support:agent_ticket", pk=ticket.pk)


@staff_required(HANDLE_TICKETS)
@require_POST
@domain_errors_to_messages
def agent_transition(request, pk, action):
    ticket = _agent_ticket(pk)
    if action == "resolve":
        services.resolve(ticket=ticket, agent=request.user)
    else:
        services.close(ticket=ticket, by=request.user)
    text = _("%(number)s is resolved.") if action == "resolve" else _("%(number)s is closed.")
    messages.success(request, text % {"number": ticket.number})
    return redirect("support:agent_ticket", pk=ticket.pk)


def _labelled(counts, choices):
    """{"open": 3} as {"Ouvert": 3}: what each value reads as in the active language."""
    return {choices(key).label if key in choices.values else key: count for key, count in counts.items()}


@staff_required(SUPPORT_QUEUE)
def stats(request):
    today = timezone.localdate()
    form = StatsRangeForm(request.GET or {"date_from": today - timedelta(days=29), "date_to": today})
    result, breakdowns = None, []
    if form.is_valid():
        result = selectors.ticket_stats(date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"])
        breakdowns = [
            (_("By status"), _labelled(result["by_status"], Status)),
            (_("By category"), _labelled(result["by_category"], Category)),
            (_("By priority"), _labelled(result["by_priority"], Priority)),
        ]
    return render(request, "support/agent/stats.html", {"form": form, "stats": result, "breakdowns": breakdowns})
