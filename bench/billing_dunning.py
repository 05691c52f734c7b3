"""Speed of the daily dunning run over a large book of open invoices (run on purpose, not in the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webox_dunning REDIS_URL=redis://127.0.0.1:6379/10 \
        .venv/bin/python bench/billing_dunning.py [--invoices 100000] [--batch 1000]

Creates a throw-away test database (Django's test_<name>), fills it with organizations and open
invoices due 0 to 45 days ago, then runs billing.dunning.run_dunning twice: the first run takes
every step due (one to four per invoice), the second finds nothing left to do. The per-event tasks
(emails, suspensions) are what the workers do afterwards: they are counted here, not run. Prints
invoices per second and the queries per batch. The test database is dropped at the end.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

BATCH = 5000


def fill(invoices, organizations, today):
    from accounts.models import Organization
    from billing.models import Invoice

    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Bench {n}", slug=f"bench-{n}", currency="EUR") for n in range(organizations)]
    )
    rows = []
    for n in range(invoices):
        due = today - timedelta(days=n % 46)
        rows.append(
            Invoice(
                organization=orgs[n % organizations],
                status=Invoice.Status.OPEN,
                number=f"BEN-{today.year}-{n + 1:07d}",
                year=today.year,
                sequence=n + 1,
                currency="EUR",
                source_type="manual",
                source_id=str(n),
                net_total=1000,
                vat_total=200,
                subtotal=1000,
                total=1200,
                issue_date=due - timedelta(days=14),
                due_date=due,
            )
        )
    Invoice.objects.bulk_create(rows, batch_size=BATCH)


def run(today, batch, queued):
    from billing import dunning

    before = len(queued)
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        counts = dunning.run_dunning(today=today, batch_size=batch)
        elapsed = time.perf_counter() - began
    return elapsed, len(queries.captured_queries), len(queued) - before, counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from billing import services, tasks

        queued = []
        tasks.perform_dunning_event.delay = queued.append  # the workers' part: counted, not run
        today = services.platform_today()
        began = time.perf_counter()
        fill(args.invoices, args.organizations, today)
        print(f"filled {args.invoices} open invoices in {time.perf_counter() - began:.1f} s ({connection.vendor})")
        batches = -(-args.invoices // args.batch)
        for label in ("first run (every step due)", "second run (nothing left)"):
            elapsed, queries, events, counts = run(today, args.batch, queued)
            print(
                f"{label}: {elapsed:.1f} s, {args.invoices / elapsed:,.0f} invoices/s, {events} events queued, "
                f"{queries} queries over {batches} batches = {queries / batches:.1f} per batch"
            )
            print(f"  counts: {dict(counts)}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
