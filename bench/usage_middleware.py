"""Per-request overhead of usage.middleware.UsageMiddleware (run on purpose, not in the tests).

    .venv/bin/python bench/usage_middleware.py [--requests 20000]
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/usage_middleware.py

Times a request through the middleware (metering on close, as a server does) against the same
request without it, for a plain response and a streamed one, and prints the difference per
request. Uses whatever cache the settings give: local memory by default, Redis with REDIS_URL
(then the counters it writes are removed at the end).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.http import HttpResponse, StreamingHttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from accounts.models import User  # noqa: E402
from usage.counters import store, using_redis  # noqa: E402
from usage.middleware import UsageMiddleware  # noqa: E402

BENCH_ORG_ID = 987_654_321  # a counter key no real organization uses
BODY = b"x" * 4096


def plain(request):
    return HttpResponse(BODY, content_type="application/json")


def streamed(request):
    return StreamingHttpResponse(iter([BODY] * 4))


def serve(handler, request):
    response = handler(request)
    if response.streaming:
        for _ in response.streaming_content:
            pass
    response.close()


def timed(handler, requests, repeats):
    """Best of `repeats` runs, in microseconds per request."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for request in requests:
            serve(handler, request)
        runs.append((time.perf_counter() - start) / len(requests) * 1e6)
    return min(runs), statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    user = User(pk=1, email="bench@webox.test", default_organization_id=BENCH_ORG_ID)
    factory = RequestFactory()
    requests = []
    for i in range(args.requests):
        request = factory.get(
            f"/api/v1/usage/?page={i % 7}", HTTP_AUTHORIZATION="Bearer " + "t" * 200, HTTP_ACCEPT="application/json"
        )
        request.user = user
        requests.append(request)

    backend = "Redis" if using_redis() else "the embedded disk cache"
    print(f"usage middleware overhead, {args.requests} requests x {args.repeats} runs, counters in {backend}")
    for name, view in (("plain 4 KB response", plain), ("streamed 16 KB response", streamed)):
        bare_best, bare_median = timed(view, requests, args.repeats)
        metered_best, metered_median = timed(UsageMiddleware(view), requests, args.repeats)
        print(
            f"  {name:24} without {bare_best:7.1f} µs   with {metered_best:7.1f} µs   "
            f"overhead {metered_best - bare_best:6.1f} µs/request (median {metered_median - bare_median:6.1f})"
        )
    if using_redis():  # remove the bench's counters, leaving real ones alone
        counters = store()
        keys = list(counters.redis.scan_iter(f"*usage:c:{BENCH_ORG_ID}:*"))
        if keys:
            counters.redis.delete(*keys)
            counters.redis.srem(counters._k("usage:dirty"), *keys)


if __name__ == "__main__":
    main()
