"""Usage counter flush against a bare bulk SQL upsert of the same rows (run on purpose, not in the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webox_bench REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/usage_flush.py [--organizations 10000] [--rounds 3]

Creates a throw-away database with Free and Pro plans, `--organizations` organizations (a third on
Pro, half with rows already this month) and two counters each (traffic and API requests), 1 % of
one in `--alerting-every` past 80 % of their traffic allowance. Each round, from the same starting state:
  - bulk upsert: one INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE (PostgreSQL), nothing else;
  - flush: the counters put in Redis, then usage.services.flush_counters() (take, token, upsert,
    limits once per organization, alerts with their notifications and emails; the email sends are
    the worker's part, counted here and not run).
The order alternates from round to round. Prints counters per second for each, the medians and the
ratio, the queries per flush and the alerts sent, with the machine and its load.
"""

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

common.setup_django(cache_prefix="bench-flush")

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

GB = 1024**3


def fill(organizations, alerting_every):
    from accounts.models import Membership, Organization, User
    from billing.models import Plan, Subscription

    Plan.objects.create(code="free", name="Free", tier="free")
    pro = Plan.objects.create(code="pro", name="Pro", tier="pro", traffic_bytes=100 * GB)
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Bench {n}", slug=f"bench-{n}", currency="EUR") for n in range(organizations)], batch_size=5000
    )
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(
                organization=org, plan=pro, status="active", currency="EUR", current_period_start=now,
                current_period_end=now + timedelta(days=30),
            )
            for org in orgs[::3]
        ],
        batch_size=5000,
    )
    alerting = [org for n, org in enumerate(orgs) if n % alerting_every == 1]  # on Free (Pro is n % 3 == 0)
    users = User.objects.bulk_create([User(email=f"owner{org.pk}@bench.test") for org in alerting])
    Membership.objects.bulk_create(
        [Membership(user=user, organization=org, role="owner") for user, org in zip(users, alerting, strict=True)]
    )
    return orgs, {org.pk for org in alerting}


def counters(orgs, alerting):
    """{(org_id, metric): amount}: 1 MB and 20 requests each, 0.85 GB for the alerting ones."""
    amounts = {}
    for org in orgs:
        amounts[org.pk, "traffic_bytes"] = int(0.85 * GB) if org.pk in alerting else 1024**2
        amounts[org.pk, "api_requests"] = 20
    return amounts


def reset(orgs, month):
    """The same starting state for every round: half the organizations with rows this month, no alert."""
    from notifications.models import EmailLog, Notification
    from usage.models import UsageAlert, UsageFlush, UsageRecord

    for model in (UsageRecord, UsageAlert, UsageFlush, Notification, EmailLog):
        model.objects.all().delete()
    UsageRecord.objects.bulk_create(
        [UsageRecord(organization=org, metric="api_requests", month=month, value=100) for org in orgs[::2]], batch_size=5000
    )


def bulk_upsert(amounts, month):
    """The baseline: the same rows in one bare INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT DO UPDATE."""
    rows = sorted(amounts.items())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO usage_usagerecord (organization_id, metric, month, value, updated_at)"
            " SELECT o, m, %s, v, now() FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS src(o, m, v)"
            " ON CONFLICT (organization_id, metric, month) DO UPDATE"
            " SET value = usage_usagerecord.value + EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            [month, [org_id for (org_id, _), _ in rows], [metric for (_, metric), _ in rows], [amount for _, amount in rows]],
        )


def load_counters(amounts):
    from usage.counters import counter_key, store
    from usage.selectors import month_start

    month, items = month_start(), sorted(amounts.items())
    for start in range(0, len(items), 5000):
        store().add({counter_key(org_id, metric, month): amount for (org_id, metric), amount in items[start : start + 5000]})


class QueryCount:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--alerting-every", type=int, default=1000,
        help="one organization in N crosses 80 %% (default 1,000: ten times the monthly average of a minute's flush)",
    )
    args = parser.parse_args()
    from notifications import tasks as notification_tasks
    from usage import services
    from usage.models import UsageAlert
    from usage.selectors import month_start

    with common.throwaway_database():
        queued_emails = []
        notification_tasks.deliver_email.delay = queued_emails.append  # the worker's part: counted, not run
        orgs, alerting = fill(args.organizations, args.alerting_every)
        amounts, month = counters(orgs, alerting), month_start()
        print(f"usage flush, {len(amounts):,} counters of {len(orgs):,} organizations ({len(alerting)} past 80 %)")
        print(f"  machine: {common.machine()}")
        rounds, queries = common.Rounds(), QueryCount()
        for n in range(-1, args.rounds):  # round -1 warms up (imports, URL resolver, templates) and is not counted
            sides = ["bulk upsert", "flush"] if n % 2 == 0 else ["flush", "bulk upsert"]
            for side in sides:
                reset(orgs, month)
                if side == "flush":
                    load_counters(amounts)
                    queries.count, queued_emails[:] = 0, []
                    with connection.execute_wrapper(queries):
                        seconds, applied = common.timed(services.flush_counters)
                    assert applied == len(amounts), applied
                    alerts = UsageAlert.objects.count()
                else:
                    seconds, _ = common.timed(lambda: bulk_upsert(amounts, month))
                if n >= 0:
                    rounds.add(side, seconds)
        print("  " + rounds.report("bulk upsert", unit="counters", per=len(amounts), baseline="bulk upsert"))
        print("  " + rounds.report("flush", unit="counters", per=len(amounts), baseline="bulk upsert"))
        print(f"  per flush: {queries.count} queries, {alerts} alerts, {len(queued_emails)} emails queued")
        print(f"  {common.load_line()}")


if __name__ == "__main__":
    main()
