"""Cost of usage.middleware.UsageMiddleware against a bare request (run on purpose, not in the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webox_bench REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/usage_middleware.py [--requests 3000] [--rounds 3]

A signed-in request (session cookie, 4 KB page that reads request.user) goes through Django's WSGI
handler with the project's whole middleware stack, as a server drives it (the response is read,
then closed; one persistent database connection): the bare request is the same stack without
UsageMiddleware. Rounds alternate A/B;
the metered side's time includes sending what its requests queued to Redis. Prints the median
time per request of each, the ratio and the difference, and the Redis round trips the metering
made per request, with the machine and its load. Uses a throw-away database.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

common.setup_django(cache_prefix="bench-middleware")

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import path  # noqa: E402

USAGE = "usage.middleware.UsageMiddleware"


def page(request):
    assert request.user.is_authenticated
    return HttpResponse(b"x" * 4096)


urlpatterns = [path("bench/", page)]


def handler(stack, metered):
    assert USAGE in stack
    settings.MIDDLEWARE = [m for m in stack if m != USAGE or metered]
    return WSGIHandler()


def serve(wsgi, environs):
    for environ in environs:
        response = wsgi(dict(environ), lambda status, headers: None)
        b"".join(response)
        response.close()


def signed_in_environ():
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.services import create_organization
    from accounts.tests.factories import UserFactory

    user = UserFactory(email="bench@webox.test")
    user.default_organization = create_organization(owner=user, name="Bench")
    user.save()
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    return RequestFactory()._base_environ(PATH_INFO="/bench/", REQUEST_METHOD="GET", HTTP_COOKIE=cookie)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    from django.db import connection

    connection.settings_dict["CONN_MAX_AGE"] = None  # one persistent connection, as a tuned server keeps
    from usage.counters import store, using_redis

    with common.throwaway_database():
        environs = [signed_in_environ()] * args.requests
        counters = store()
        sends = []
        if using_redis():
            real_send = counters._sender._send
            counters._sender._send = lambda amounts: (sends.append(1), real_send(amounts))
        stack = list(settings.MIDDLEWARE)
        bare, metered = handler(stack, metered=False), handler(stack, metered=True)

        def run_metered():
            serve(metered, environs)
            if using_redis():
                counters._sender.send_now()  # the queued increments reach Redis inside the timing

        print(f"usage middleware, {args.requests:,} signed-in requests per side and round, counters in "
              f"{'Redis' if using_redis() else 'local memory'}")
        print(f"  machine: {common.machine()}")
        rounds = common.Rounds()
        for n in range(-1, args.rounds):  # round -1 warms up and is not counted
            sides = [("bare request", lambda: serve(bare, environs)), ("with the middleware", run_metered)]
            for name, run in sides if n % 2 == 0 else reversed(sides):
                sends.clear()
                seconds, _ = common.timed(run)
                if n >= 0:
                    rounds.add(name, seconds)
            round_trips = len(sends)
        print("  " + rounds.report("bare request", unit="requests", per=args.requests, baseline="bare request"))
        print("  " + rounds.report("with the middleware", unit="requests", per=args.requests, baseline="bare request"))
        bare_us, metered_us = (rounds.median(name) / args.requests * 1e6 for name in ("bare request", "with the middleware"))
        print(f"  per request: bare {bare_us:.0f} µs, with the middleware {metered_us:.0f} µs, "
              f"cost {metered_us - bare_us:+.0f} µs ({metered_us / bare_us:.3f} of the bare request's time)")
        if using_redis():
            print(f"  Redis round trips of the metering: {round_trips} for {args.requests:,} requests in the last round")
        print(f"  {common.load_line()}")


if __name__ == "__main__":
    main()
