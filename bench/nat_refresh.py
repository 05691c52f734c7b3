"""Carrier-grade NAT against the production process set: many app users share one public address.

Started like the end-to-end suite's production set (bin/supervise: uvicorn with 2 workers, Celery
worker and beat, DEBUG off, PostgreSQL, a private Redis) behind one trusted proxy
(TRUSTED_PROXY_COUNT=1: the client address is the last X-Forwarded-For entry, as a load balancer
writes it). Then, from outside, over HTTP:

1. 200 distinct users refresh their tokens through one public address within a minute: each
   refresh is limited per user of the token (the "refresh" rate), never per address, so all succeed.
2. 200 password guesses against one account, each from an address of its own (a botnet): django-axes
   locks the account after LOGIN_FAILURE_LIMIT failures whatever the address; the right password is
   refused too while it is locked.
3. 200 guesses against another account from the shared address: the address's "auth" rate stops
   them first; then the 200 users refresh through that address once more, all succeed.

    .venv/bin/python bench/nat_refresh.py
"""

import collections
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

USERS = 200
GUESSES = 200
THREADS = 20
NAT_ADDRESS = "41.202.219.70"  # one public address of a mobile carrier, shared by every user below
PASSWORD = "correct-horse-battery-staple"


def make_users():
    """USERS app users, each logged in earlier on their phone: a refresh token each (minted here,
    as the login endpoint would, so the refreshes below are the only traffic from the address)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User

    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(email=f"nat{n}@example.test", password=hashed, email_verified_at=timezone.now()) for n in range(USERS + 2)
    )
    return [str(RefreshToken.for_user(user)) for user in users[:USERS]], users[USERS].email, users[USERS + 1].email


def post(client, path, body, address):
    """(status, error code, seconds, answer) of one POST from `address` (behind the trusted proxy)."""
    began = time.perf_counter()
    response = client.post(path, json=body, headers={"X-Forwarded-For": address})
    answer = response.json()
    code = answer.get("error", {}).get("code", "") if response.status_code >= 400 else ""
    return response.status_code, code, time.perf_counter() - began, answer


def run(base, calls):
    """calls: [(path, body, address)], THREADS at a time: their post() results and the wall time."""
    with httpx.Client(base_url=base, timeout=60) as client, ThreadPoolExecutor(THREADS) as pool:
        began = time.perf_counter()
        results = list(pool.map(lambda call: post(client, *call), calls))
        return results, time.perf_counter() - began


def outcome(results):
    return ", ".join(
        f"{count} x {status}{f' {code}' if code else ''}"
        for (status, code), count in sorted(collections.Counter((status, code) for status, code, *_ in results).items())
    )


def latency(results):
    seconds = sorted(s for _, _, s, _ in results)
    return f"median {statistics.median(seconds) * 1000:.0f} ms, p95 {seconds[int(len(seconds) * 0.95) - 1] * 1000:.0f} ms"


def server_errors(process_set, since):
    """The server's last traceback in its log since `since` (a 5xx answer is a bug to see)."""
    text = process_set.log_text(since)
    start = text.rfind("Traceback")
    return text[start : start + 3000] if start >= 0 else ""


def refresh_all(base, tokens):
    """Every user refreshes once through the shared address; the results and the rotated tokens."""
    results, wall = run(base, [("/api/v1/auth/token/refresh/", {"refresh": token}, NAT_ADDRESS) for token in tokens])
    return results, wall, [answer.get("refresh") for *_, answer in results]


def main():
    env = {"TRUSTED_PROXY_COUNT": "1"}
    with common.production_set(env=env) as process_set:
        from django.conf import settings

        tokens, victim, neighbour = make_users()
        print(common.machine())
        print(
            f"production set on {process_set.base}: TRUSTED_PROXY_COUNT=1, rates auth "
            f"{settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['auth']} per address, refresh "
            f"{settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['refresh']} per user, account lock after "
            f"{settings.AXES_FAILURE_LIMIT} failures"
        )

        results, wall, tokens = refresh_all(process_set.base, tokens)
        print(f"1. {USERS} users refresh through {NAT_ADDRESS} in {wall:.1f} s: {outcome(results)} ({latency(results)})")
        first_ok = sum(status == 200 for status, *_ in results)

        since = process_set.log_size()
        guesses = [("/api/v1/auth/token/", {"email": victim, "password": f"guess-{n}"}, f"10.{n // 250}.{n % 250}.1")
                   for n in range(GUESSES)]  # fmt: skip
        results, wall = run(process_set.base, guesses)
        real = post(httpx.Client(base_url=process_set.base), "/api/v1/auth/token/",
                    {"email": victim, "password": PASSWORD}, "10.99.0.1")  # fmt: skip
        print(
            f"2. {GUESSES} guesses at one account from {GUESSES} addresses in {wall:.1f} s: {outcome(results)}; "
            f"then the right password from a fresh address: {real[0]} {real[1]}"
        )
        evaluated = sum(code == "no_active_account" for _, code, *_ in results)
        if any(status >= 500 for status, *_ in results):
            print(server_errors(process_set, since))

        guesses = [("/api/v1/auth/token/", {"email": neighbour, "password": f"guess-{n}"}, NAT_ADDRESS)
                   for n in range(GUESSES)]  # fmt: skip
        results, wall = run(process_set.base, guesses)
        print(f"3. {GUESSES} guesses at another account through {NAT_ADDRESS} in {wall:.1f} s: {outcome(results)}")
        results, wall, tokens = refresh_all(process_set.base, tokens)  # the tokens the first round rotated
        print(f"   then the {USERS} users refresh through {NAT_ADDRESS} again in {wall:.1f} s: {outcome(results)}")
        second_ok = sum(status == 200 for status, *_ in results)

        print(
            f"result: refreshes {first_ok}/{USERS} and {second_ok}/{USERS} succeeded; "
            f"{evaluated} of {GUESSES} guesses were checked against the password before the account locked"
            f"{'; the locked account refused its right password' if real[0] == 429 else ''}"
        )
        print(common.load_line())


if __name__ == "__main__":
    main()
