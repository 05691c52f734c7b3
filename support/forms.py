from django import forms
from django.utils.translation import gettext_lazy as _

from support import selectors
from support.models import CUSTOMER_PRIORITIES, Category, Priority, Status

RELATED_CHOICES = [
    ("", _("Nothing in particular")),
    ("order", _("An order")),
    ("invoice", _("An invoice")),
    ("generation_job", _("A generation job")),
]


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.GENERAL)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[(p, Priority(p).label) for p in CUSTOMER_PRIORITIES],
        initial=Priority.NORMAL,
        help_text=_("Pro and Business plans get high priority automatically."),
    )
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), help_text=_("Markdown is supported."))
    related_kind = forms.ChoiceField(label=_("About"), choices=RELATED_CHOICES, required=False)
    related_id = forms.IntegerField(label=_("Its number (id)"), required=False, min_value=1)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("Markdown is supported."))


class AgentReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 7, "id": "reply-body"}))
    internal = forms.BooleanField(label=_("Internal note (agents only)"), required=False)
    ask_customer = forms.BooleanField(label=_("Ask the customer (ticket waits on them)"), required=False)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), choices=[(n, f"{n} / 5") for n in range(5, 0, -1)], coerce=int)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


def agent_choices():
    agents = selectors.queue_workers().order_by("first_name", "email")
    return [(user.pk, user.full_name) for user in agents]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = agent_choices()


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("Any category")), *Category.choices], required=False)
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int, required=False, empty_value=None)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Any agent")), *agent_choices()]


class StatsRangeForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("Email"))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    # Honeypot: hidden from people by CSS, filled in by bots.
    website = forms.CharField(
        required=False, label=_("Leave this field empty"), widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
