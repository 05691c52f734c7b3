"""Generation: jobs, their artifacts, chat conversations, credit prices and the credit ledger."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.state import StateMachine


class Kind(models.TextChoices):
    IMAGE = "image", _("Image")
    EBOOK = "ebook", _("Ebook")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    CHAT = "chat", _("Chat")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


JOB_MACHINE = StateMachine(
    {
        JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.CANCELED, JobStatus.FAILED},
        JobStatus.RUNNING: {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED},
    }
)
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class CreditAccount(models.Model):
    """One row per organization: the row locked while credits are reserved or jobs are started,
    so concurrent submissions for one organization are serialized. The balance itself is the
    sum of the ledger (CreditEntry)."""

    organization = models.OneToOneField(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="credit_account"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit account")
        verbose_name_plural = _("credit accounts")

    def __str__(self):
        return gettext("Credits of %(organization)s") % {"organization": self.organization}


def price_per_unit(credits, kind):
    """ "3 credits per image", "1 credit per 1,000 tokens" in the active language."""
    text = ngettext("%(credits)s credit per %(unit)s", "%(credits)s credits per %(unit)s", credits)
    return text % {"credits": credits, "unit": CreditPrice.UNIT_BY_KIND[kind]}


class CreditPrice(models.Model):
    """What one unit of a kind costs in credits, for a provider's model (editable by staff).

    The unit depends on the kind: one image, one ebook page, 1,000 characters of speech, one
    second of video, 1,000 chat tokens (reserved for max_tokens, settled on the tokens used)."""

    UNIT_BY_KIND = {
        Kind.IMAGE: _("image"),
        Kind.EBOOK: _("page"),
        Kind.AUDIO: _("1,000 characters"),
        Kind.VIDEO: _("second"),
        Kind.CHAT: _("1,000 tokens"),
    }

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=40)
    model = models.CharField(_("model"), max_length=100)
    credits = models.PositiveIntegerField(_("credits"), help_text=_("Credits per unit (see the unit of the kind)."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kind", "provider", "model"]
        verbose_name = _("credit price")
        verbose_name_plural = _("credit prices")
        constraints = [
            models.UniqueConstraint(fields=["kind", "provider", "model"], name="generation_credit_price_unique"),
            models.CheckConstraint(condition=Q(credits__gt=0), name="generation_credit_price_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.provider}/{self.model}: {price_per_unit(self.credits, self.kind)}"

    @property
    def unit(self):
        return self.UNIT_BY_KIND[self.kind]


class Conversation(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="conversations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=40)
    model = models.CharField(_("model"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self):
        return self.title


class GenerationJob(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="generation_jobs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=40)
    model = models.CharField(_("model"), max_length=100)
    prompt = models.TextField(_("prompt"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    prepaid = models.BooleanField(_("prepaid"), default=False, help_text=_("Paid by an order: no credits reserved."))
    credits_per_unit = models.PositiveIntegerField(
        _("credits per unit"), default=0, help_text=_("The credit price when it was submitted.")
    )
    credits_reserved = models.PositiveIntegerField(_("credits reserved"), default=0)
    credits_charged = models.PositiveIntegerField(_("credits charged"), default=0)
    # What the provider billed us, in millionths of its currency (USD for every provider today).
    provider_cost_micros = models.BigIntegerField(_("provider cost (millionths)"), default=0)
    provider_currency = models.CharField(_("provider currency"), max_length=3, default="USD")
    memory_limit_mb = models.PositiveIntegerField(_("memory limit (MB)"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    result_text = models.TextField(_("result text"), blank=True, help_text=_("The answer of a chat job."))
    tokens_in = models.PositiveIntegerField(_("tokens in"), default=0)
    tokens_out = models.PositiveIntegerField(_("tokens out"), default=0)
    task_id = models.CharField(_("task ID"), max_length=64, blank=True)
    queued_at = models.DateTimeField(_("queued"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True, help_text=_("Last sign of life from the worker."))
    worker = models.CharField(
        _("worker"), max_length=32, blank=True,
        help_text=_("The worker process running it (core.heartbeats), from when it picked it up."),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = _("generation job")
        verbose_name_plural = _("generation jobs")
        indexes = [
            models.Index(fields=["organization", "status", "queued_at"]),
            models.Index(fields=["organization", "-queued_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="generation_job_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="generation_job_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="generation_job_progress_max"),
            models.CheckConstraint(
                condition=Q(credits_charged__lte=models.F("credits_reserved")), name="generation_job_charge_within_reservation"
            ),
            models.CheckConstraint(condition=Q(provider_cost_micros__gte=0), name="generation_job_cost_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} job #{self.pk} ({self.status})"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Artifact(models.Model):
    """A file produced by a job, copied into our storage (provider URLs expire)."""

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    job = models.ForeignKey(GenerationJob, verbose_name=_("job"), on_delete=models.CASCADE, related_name="artifacts")
    filename = models.CharField(_("filename"), max_length=200)
    path = models.CharField(_("path"), max_length=500, help_text=_("default_storage name"))
    content_type = models.CharField(_("content type"), max_length=100)
    size_bytes = models.BigIntegerField(_("size (bytes)"))
    thumbnail_path = models.CharField(_("thumbnail path"), max_length=500, blank=True)
    thumbnail_size_bytes = models.BigIntegerField(_("thumbnail size (bytes)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["job_id", "id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")

    def __str__(self):
        return self.filename

    @property
    def media_kind(self):
        return self.content_type.split("/")[0]


class ConversationMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user", _("User")
        ASSISTANT = "assistant", _("Assistant")

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    content = models.TextField(_("content"))
    job = models.ForeignKey(
        GenerationJob, verbose_name=_("job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tokens_in = models.PositiveIntegerField(_("tokens in"), default=0)
    tokens_out = models.PositiveIntegerField(_("tokens out"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.role}: {self.content[:60]}"


class CreditGrant(models.Model):
    """Credits given to an organization at once (as Stripe's credit grants): a plan's allowance for
    a period, a credit pack, an add-on's delivery, a staff gift. Its amount never changes; what is
    left of it is the sum of its ledger entries (CreditEntry). Credits are spent from the grants
    in priority order (lowest first: the plan's before the purchased), then the soonest to expire;
    a grant past `expires_at` counts no more, and its remainder is written off by an expiry entry."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Included in the plan")
        PURCHASED = "purchased", _("Purchased")

    # Spent first: the plan's credits expire with their period, the purchased ones never do.
    PRIORITY = {Kind.PLAN: 10, Kind.PURCHASED: 50}

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="credit_grants"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("amount"))
    priority = models.PositiveSmallIntegerField(_("priority"), help_text=_("Grants of a lower priority are spent first."))
    # The plan period it belongs to (billing.selectors.CreditPeriod.key): a plan's grants of one period.
    period_key = models.CharField(_("period"), max_length=80, blank=True)
    order_ref = models.CharField(
        _("order ref"), max_length=64, blank=True, help_text=_("The order or invoice that paid for these credits.")
    )
    effective_at = models.DateTimeField(_("effective from"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never expires."))
    # When the expiry (or the end of its plan period) was written off on the ledger.
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit grant")
        verbose_name_plural = _("credit grants")
        indexes = [
            models.Index(fields=["organization", "expired_at", "priority"]),
            models.Index(fields=["expired_at", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="generation_credit_grant_positive"),
            models.CheckConstraint(condition=Q(kind__in=["plan", "purchased"]), name="generation_credit_grant_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="plan") | (Q(expires_at__isnull=False) & ~Q(period_key="")),
                name="generation_credit_grant_plan_has_period",
            ),
        ]

    def __str__(self):
        return f"{self.amount} ({self.get_kind_display()})"


class CreditEntry(models.Model):
    """One movement of credits. The balance is the sum of `amount`; rows are never edited."""

    class Reason(models.TextChoices):
        PURCHASE = "purchase", _("Credit pack purchased")
        GRANT = "grant", _("Granted")
        PLAN = "plan", _("Included in the plan")
        EXPIRY = "expiry", pgettext_lazy("credit entry", "Expired")
        CLAWBACK = "clawback", _("Taken back after a refund")
        RESERVATION = "reservation", _("Reserved for a job")
        REFUND = "refund", _("Refunded (job failed or canceled)")
        RELEASE = "release", _("Unused reservation released")
        ADJUSTMENT = "adjustment", _("Adjustment by staff")

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="credit_entries"
    )
    grant = models.ForeignKey(
        CreditGrant, verbose_name=_("grant"), on_delete=models.PROTECT, related_name="entries",
        help_text=_("The grant these credits are added to or taken from."),
    )
    amount = models.IntegerField(_("amount"), help_text=_("Positive adds credits, negative spends them."))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    job = models.ForeignKey(
        GenerationJob, verbose_name=_("job"), null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    order_ref = models.CharField(
        _("order ref"), max_length=64, blank=True, help_text=_("The order or invoice that paid for these credits.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        indexes = [models.Index(fields=["organization", "-created_at"]), models.Index(fields=["grant", "amount"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="generation_credit_entry_nonzero"),
            # One reservation, refund and release per job and grant at most: settling or refunding twice is impossible.
            models.UniqueConstraint(
                fields=["job", "reason", "grant"], condition=Q(job__isnull=False), name="generation_credit_entry_once_per_job"
            ),
            # A paid order grants its credits once, however often the payment handler runs.
            models.UniqueConstraint(
                fields=["organization", "order_ref", "reason"],
                condition=~Q(order_ref=""),
                name="generation_credit_entry_once_per_order",
            ),
        ]

    def __str__(self):
        return f"{self.amount:+d} ({self.reason})"
