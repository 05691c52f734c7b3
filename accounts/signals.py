"""Browser logins and logouts, remembered so their owner can see and end each session; a new
password or a deactivation, from any path that saves the user (reset, change, admin, manage.py),
ends the account's sessions and tokens (the page that changed the password keeps its own)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_save

from accounts.models import User
from accounts.services import forget_login, revoke_access, track_login


def _track_login(sender, request, user, **kwargs):
    track_login(request=request, user=user)


def _forget_login(sender, request, **kwargs):
    if request is not None and request.session.session_key:
        forget_login(session_key=request.session.session_key)


def _note_credentials_change(sender, instance, raw=False, **kwargs):
    # Read before the row is written: afterwards the old state is gone.
    instance._revoke_access = not raw and instance.credentials_changing()


def _revoke_after_credentials_change(sender, instance, **kwargs):
    if getattr(instance, "_revoke_access", False):
        instance._revoke_access = False
        revoke_access(user=instance)


def connect():
    pre_save.connect(_note_credentials_change, sender=User, dispatch_uid="accounts.note_credentials_change")
    post_save.connect(_revoke_after_credentials_change, sender=User, dispatch_uid="accounts.revoke_after_credentials_change")
    user_logged_in.connect(_track_login, dispatch_uid="accounts.track_login")
    user_logged_out.connect(_forget_login, dispatch_uid="accounts.forget_login")
