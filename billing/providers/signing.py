"""HMAC-SHA256 signatures over `<timestamp>.<raw body>`, shared by the sandbox and mobile money.

Signing the timestamp with the body lets the receiver refuse replays: a stale timestamp is
refused even with a valid signature.
"""

import hashlib
import hmac
import time

from billing import conf
from billing.providers.base import BadSignature


def sign(secret, timestamp, body):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(*, secret, body, timestamp, signature, now=None):
    if not secret:
        raise BadSignature("Webhook secret not configured: the event cannot be trusted.")
    if not timestamp or not signature or not str(timestamp).isdigit():
        raise BadSignature("Missing signature or timestamp.")
    now = int(now if now is not None else time.time())
    if abs(now - int(timestamp)) > conf.WEBHOOK_TOLERANCE_SECONDS:
        raise BadSignature("The signature's timestamp is too old or in the future.")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise BadSignature("The signature does not match.")
