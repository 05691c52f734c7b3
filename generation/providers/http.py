"""The one HTTP loop every provider uses: explicit time-outs, retries with back-off on 429, 5xx
and time-outs only (honouring Retry-After), and errors mapped to clear messages.

A 400, 401/403 or a content refusal is never retried: sending it again cannot succeed.
"""

import logging
import time
from email.utils import parsedate_to_datetime

import httpx
from django.utils import timezone

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
                raise ProviderTimeout(f"{label} did not answer in time; your credits were refunded.") from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"{label} could not be reached ({exc.__class__.__name__}).") from None
        else:
            status = response.status_code
            if status < 400:
                return response
            if status != 429 and status < 500:
                raise _client_error(provider, response, refusal, auth_failed)
            logger.warning("provider_retryable provider=%s status=%s attempt=%s", provider.name, status, attempt)
            if attempt == attempts:
                if status == 429:
                    raise RateLimited(f"{label} is rate limiting our requests; try again in a few minutes.")
                raise ProviderUnavailable(f"{label} is failing ({status}): {error_detail(response)}")
        sleep(retry_after_seconds(response, attempt))


def _client_error(provider, response, refusal, auth_failed):
    detail = error_detail(response)
    if refusal and refusal(response):
        return ContentRefused(f"{provider.label} refused this prompt: {detail}")
    if response.status_code in (401, 403) or (auth_failed and auth_failed(response)):
        return ProviderAuthError(f"{provider.label} refused our API key ({provider.key_variable}): {detail}")
    return ProviderRejected(f"{provider.label} rejected the request: {detail}")


def fetch(provider, url):
    """Download a result file the provider hosts (its URLs expire, so we copy it at once)."""
    return request(provider, "GET", url).content
