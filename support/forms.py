from django import forms
from django.contrib.auth import get_user_model

from support.models import CUSTOMER_PRIORITIES, Category, Priority, Status

RELATED_CHOICES = [
    ("", "Nothing in particular"),
    ("order", "An order"),
    ("invoice", "An invoice"),
    ("generation_job", "A generation job"),
]


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices, initial=Category.GENERAL)
    priority = forms.ChoiceField(
        choices=[(p, Priority(p).label) for p in CUSTOMER_PRIORITIES],
        initial=Priority.NORMAL,
        help_text="Pro and Business plans get high priority automatically.",
    )
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown is supported.")
    related_kind = forms.ChoiceField(label="About", choices=RELATED_CHOICES, required=False)
    related_id = forms.IntegerField(label="Its number (id)", required=False, min_value=1)


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 5}), help_text="Markdown is supported.")


class AgentReplyForm(forms.Form):
    body = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 7, "id": "reply-body"}))
    internal = forms.BooleanField(label="Internal note (agents only)", required=False)
    ask_customer = forms.BooleanField(label="Ask the customer (ticket waits on them)", required=False)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(choices=[(n, f"{n} / 5") for n in range(5, 0, -1)], coerce=int)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


def agent_choices():
    agents = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "email")
    return [(user.pk, user.full_name) for user in agents]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = agent_choices()


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Priority.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *Category.choices], required=False)
    assignee = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    q = forms.CharField(label="Search", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Any agent"), *agent_choices()]


class StatsRangeForm(forms.Form):
    date_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError("The end date is before the start date.")
        return data


class ContactForm(forms.Form):
    name = forms.CharField(max_length=120)
    email = forms.EmailField()
    subject = forms.CharField(max_length=200)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    # Honeypot: hidden from people by CSS, filled in by bots.
    website = forms.CharField(
        required=False, label="Leave this field empty", widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
