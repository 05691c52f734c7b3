from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskRun(models.Model):
    """One run of a scheduled task: when, how long, how it ended and what it did (counts)."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    task = models.CharField(max_length=120, db_index=True, verbose_name=_("task"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING, verbose_name=_("outcome"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["task", "-started_at"])]

    def __str__(self):
        return f"{self.task} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class AuditEntry(models.Model):
    """One staff action that changed money or access: who did what to which row, with the values
    before and after. Written by core.audit.record, never edited afterwards."""

    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor")
    )
    actor_email = models.EmailField(blank=True, help_text=_("Kept when the user is deleted"), verbose_name=_("actor email"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    action = models.CharField(max_length=60, db_index=True, verbose_name=_("action"))
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("target type"),
    )
    target_id = models.CharField(max_length=64, blank=True, verbose_name=_("target id"))
    target_repr = models.CharField(max_length=200, blank=True, verbose_name=_("target"))
    before = models.JSONField(default=dict, blank=True, verbose_name=_("before"))
    after = models.JSONField(default=dict, blank=True, verbose_name=_("after"))
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organization"),
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.actor_email or 'system'} {self.action} {self.target_repr}"


class ProcessHeartbeat(models.Model):
    """A Celery worker or beat process saying it is alive (core.heartbeats). One row per process
    run: `key` is new each time the process starts."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Celery worker"
        BEAT = "beat", "Celery beat"

    key = models.CharField(max_length=32, primary_key=True, verbose_name=_("key"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    hostname = models.CharField(max_length=200, verbose_name=_("hostname"))
    pid = models.PositiveIntegerField(verbose_name=_("pid"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    seen_at = models.DateTimeField(verbose_name=_("seen at"))

    class Meta:
        verbose_name = _("process heartbeat")
        verbose_name_plural = _("process heartbeats")
        indexes = [models.Index(fields=["kind", "seen_at"])]

    def __str__(self):
        return f"{self.kind} {self.hostname} (pid {self.pid})"


class StateTransition(models.Model):
    """One move of a state machine (core.state.StateMachine.advance): which row went from which
    state to which, when, and who did it (the request's user; empty for tasks and commands)."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+", verbose_name=_("content type")
    )
    object_id = models.CharField(_("object id"), max_length=64)
    field = models.CharField(_("state field"), max_length=40, default="status")
    source = models.CharField(_("from state"), max_length=40)
    target = models.CharField(_("to state"), max_length=40)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("moved by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.EmailField(_("moved by (email)"), blank=True, help_text=_("Kept when the user is deleted"))
    created_at = models.DateTimeField(_("moved at"), default=timezone.now)

    class Meta:
        verbose_name = _("state transition")
        verbose_name_plural = _("state transitions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"], name="transition_row_idx")]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id}: {self.source} → {self.target}"
