from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskRun(models.Model):
    """One run of a scheduled task: when, how long, how it ended and what it did (counts)."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    task = models.CharField(max_length=120, db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
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

    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_email = models.EmailField(blank=True, help_text="Kept when the user is deleted")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.actor_email or 'system'} {self.action} {self.target_repr}"


class ProcessHeartbeat(models.Model):
    """A Celery worker or beat process saying it is alive (core.heartbeats). One row per process
    run: `key` is new each time the process starts."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Celery worker"
        BEAT = "beat", "Celery beat"

    key = models.CharField(max_length=32, primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "seen_at"])]

    def __str__(self):
        return f"{self.kind} {self.hostname} (pid {self.pid})"


class StateTransition(models.Model):
    """One move of a state machine (core.state.StateMachine.advance): which row went from which
    state to which, when, and who did it (the request's user; empty for tasks and commands)."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
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
        ordering = ["created_at", "id"]
        verbose_name = _("state transition")
        verbose_name_plural = _("state transitions")
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"], name="transition_row_idx")]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id}: {self.source} → {self.target}"
