"""The one HTTP loop every provider uses: explicit time-outs, retries with back-off on 429, 5xx
and time-outs only (honouring Retry-After), and errors mapped to clear messages.

A 400, 401/403 or a content refusal is never retried: sending it again cannot succeed.
"""

import logging
import time
from email.utils import parsedate_to_datetime

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from generation import conf
from generation.providers.base import (
    ContentRefused,
    ProviderAuthError,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)

logger = logging.getLogger("webox.generation.http")

MAX_WAIT_SECONDS = 60
sleep = time.sleep  # replaced in tests so back-off takes no time


def retry_after_seconds(response, attempt):
    """The wait the provider asked for (seconds or an HTTP date), else exponential back-off."""
    value = response.headers.get("retry-after", "") if response is not None else ""
    if value.strip().isdigit():
        return min(int(value), MAX_WAIT_SECONDS)
    if value:
        try:
            return min(max((parsedate_to_datetime(value) - timezone.now()).total_seconds(), 0), MAX_WAIT_SECONDS)
        except (TypeError, ValueError):
            pass
    return min(2**attempt, MAX_WAIT_SECONDS)


def error_detail(response):
    """The provider's own message, wherever its JSON puts it."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        error = body.get("error") or body.get("detail") or body
        if isinstance(error, dict):
            return str(error.get("message") or error.get("name") or body)[:300]
        for key in ("message", "detail", "errors", "error"):
            if body.get(key):
                return str(body[key])[:300]
    return str(body)[:300]


def request(provider, method, url, *, refusal=None, auth_failed=None, timeout=None, **kwargs):
    """Send one request for `provider` and return the 2xx response, or raise a ProviderError.

    `refusal(response) -> bool` tells whether a 4xx answer is a content refusal, and
    `auth_failed(response)` whether it is a bad key (for providers that answer 400 to one).
    """
    attempts = conf.get_int("GENERATION_HTTP_ATTEMPTS")
    timeout = httpx.Timeout(timeout or conf.get_int("GENERATION_HTTP_TIMEOUT"), connect=10)
    label = provider.label
    for attempt in range(1, attempts + 1):
        response = None
        try:
            with httpx.Client(timeout=timeout, follow_redirects=True) as client:
                response = client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            logger.warning("provider_timeout provider=%s url=%s attempt=%s", provider.name, url, attempt)
            if attempt == attempts:
                raise ProviderTimeout(_("%(provider)s did not answer in time.") % {"provider": label}) from None
        except httpx.TransportError as exc:
            logger.warning("provider_unreachable provider=%s error=%s", provider.name, exc.__class__.__name__)
            raise ProviderUnavailable(_("%(provider)s could not be reached.") % {"provider": label}) from None
        else:
            status = response.status_code
            if status < 400:
                return response
            if status != 429 and status < 500:
                raise _client_error(provider, response, refusal, auth_failed)
            logger.warning("provider_retryable provider=%s status=%s attempt=%s", provider.name, status, attempt)
            if attempt == attempts:
                if status == 429:
                    raise RateLimited(_("%(provider)s is busy; try again in a few minutes.") % {"provider": label})
                logger.warning("provider_failing provider=%s status=%s detail=%s", provider.name, status, error_detail(response))
                raise ProviderUnavailable(_("%(provider)s is failing right now.") % {"provider": label})
        sleep(retry_after_seconds(response, attempt))


def _client_error(provider, response, refusal, auth_failed):
    detail = error_detail(response)
    if refusal and refusal(response):
        return ContentRefused(_("%(provider)s refused this prompt: %(detail)s") % {"provider": provider.label, "detail": detail})
    if response.status_code in (401, 403) or (auth_failed and auth_failed(response)):
        # Staff read which key in the log; customers only learn that the service is unavailable.
        logger.error("provider_key_refused provider=%s variable=%s detail=%s", provider.name, provider.key_variable, detail)
        return ProviderAuthError(_("%(provider)s is not available right now.") % {"provider": provider.label})
    return ProviderRejected(_("%(provider)s rejected the request: %(detail)s") % {"provider": provider.label, "detail": detail})


def fetch(provider, url):
    """Download a result file the provider hosts (its URLs expire, so we copy it at once)."""
    return request(provider, "GET", url).content
