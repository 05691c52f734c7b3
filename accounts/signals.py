"""Browser logins and logouts, remembered so their owner can see and end each session."""

from django.contrib.auth.signals import user_logged_in, user_logged_out

from accounts.services import forget_login, track_login


def _track_login(sender, request, user, **kwargs):
    track_login(request=request, user=user)


def _forget_login(sender, request, **kwargs):
    if request is not None and request.session.session_key:
        forget_login(session_key=request.session.session_key)


def connect():
    user_logged_in.connect(_track_login, dispatch_uid="accounts.track_login")
    user_logged_out.connect(_forget_login, dispatch_uid="accounts.forget_login")
