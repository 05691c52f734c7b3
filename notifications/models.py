from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return f"{self.kind} → {self.recipient}: {self.title}"

    def as_payload(self):
        return {
            "type": "notification",
            "id": self.pk,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "link": self.link,
            "created_at": self.created_at.isoformat(),
        }


class Broadcast(models.Model):
    """A staff broadcast done, under the key its request was given: a retried or redelivered task
    finds it and writes nothing again (one notice per recipient)."""

    key = models.UUIDField(_("key"), unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self):
        return str(self.key)


class EmailLog(models.Model):
    """Every email: rendered when queued, sent by a task, its outcome kept for support and audit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.EmailField(_("recipient"))
    kind = models.CharField(_("kind"), max_length=60)
    locale = models.CharField(_("language"), max_length=5, default="en")
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("body text"))
    body_html = models.TextField(_("body html"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # Attachments as [{"filename", "path" (storage name), "mimetype"}]: read at send time.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Held by the task sending it (or waiting to retry it): no second task sends it meanwhile.
    claimed_until = models.DateTimeField(_("held until"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    related_type = models.ForeignKey(
        ContentType, verbose_name=_("related type"), null=True, blank=True, on_delete=models.SET_NULL
    )
    related_id = models.CharField(_("related ID"), max_length=40, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        indexes = [models.Index(fields=["related_type", "related_id"])]

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.status})"
