"""Shop page and products API against a bare Django view and a bare DRF view (run on purpose).

    .venv/bin/python bench/catalog.py [--sizes 10000,100000] [--rounds 3] [--seconds 5]

Starts the production process set (bin/supervise: uvicorn with 2 workers, Celery, DEBUG off,
PostgreSQL, a private Redis; see e2e/processes.py) with two baselines added to its URLs
(bench/urls.py): a view that answers "ok" through every middleware, and a DRF view that answers
{"ok": true} through every middleware, authentication and the throttle. For each catalogue size
it fills the products (two prices each, in 10 categories), then drives each page and its baseline
with wrk as an anonymous visitor, A/B in alternating order, `--rounds` times, and prints requests
per second, the medians and each page's ratio to its baseline, with the machine and its load.
The rate limits are raised for the run (the throttle still runs: one Redis round trip each).
"""

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

CATEGORIES = 10
PAGES = {  # page: its baseline
    "shop page": ("/shop/", "bare Django view"),
    "shop page, category by price": ("/shop/?category=bench-3&ordering=price", "bare Django view"),
    "products API": ("/api/v1/catalog/products/", "bare DRF view"),
    "products API, category and price range": (
        "/api/v1/catalog/products/?category=bench-3&min_price=10&max_price=60&ordering=-price", "bare DRF view"
    ),
}
BASELINES = {"bare Django view": "/bench/bare/", "bare DRF view": "/bench/bare-api/"}


def fill(total):
    """Products up to `total`, each priced in EUR and XOF (the triggers fill the price columns)."""
    from catalog import cache
    from catalog.models import Category, Product, ProductPrice

    categories = [
        Category.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"Bench {n}"})[0] for n in range(CATEGORIES)
    ]
    start = Product.objects.count()
    for first in range(start, total, 5000):
        products = Product.objects.bulk_create(
            [
                Product(name=f"Bench product {n}", slug=f"bench-product-{n}", kind="digital", category=categories[n % CATEGORIES],
                        description=f"Benchmark product number {n}.")
                for n in range(first, min(first + 5000, total))
            ]
        )
        ProductPrice.objects.bulk_create(
            [ProductPrice(product=p, currency="EUR", amount=500 + p.pk % 9000) for p in products]
            + [ProductPrice(product=p, currency="XOF", amount=(500 + p.pk % 9000) * 6) for p in products]
        )
    cache.bump()  # bulk writes send no signal: say the catalogue changed


def wrk(base, path, seconds):
    out = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{seconds}s", "-H", "Accept-Language: en", base + path],
        capture_output=True, text=True, check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{path} answered errors under load:\n{out}")
    if "Socket errors" in out:  # e.g. timeouts past 2 s: said, and the rate counts only what was answered
        print(f"    ({path}: {out.split('Socket errors:')[1].splitlines()[0].strip()})")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure(base, rounds, seconds):
    rates = {}
    for name, (path, baseline) in PAGES.items():
        for n in range(rounds):
            sides = [(name, path), (baseline, BASELINES[baseline])]
            for side, side_path in sides if n % 2 == 0 else reversed(sides):
                rates.setdefault(side, []).append(wrk(base, side_path, seconds))
    return rates


def report(rates):
    median = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        shown = ", ".join(f"{v:,.0f}" for v in values)
        line = f"    {name}: {median[name]:,.0f} req/s (rounds {shown})"
        if name in PAGES:
            baseline = PAGES[name][1]
            line += f", {median[name] / median[baseline]:.2f} of the {baseline}"
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    limits = {"THROTTLE_ANON": "100000000/min", "THROTTLE_USER": "100000000/min"}
    with common.production_set(settings_module="bench.settings", env=limits) as process_set:
        print(f"shop and products API against bare views, production process set on {process_set.base}")
        print(f"  machine: {common.machine()}")
        print("  wrk: 1 thread, 8 connections, anonymous, English")
        for size in (int(s) for s in args.sizes.split(",")):
            fill(size)
            base = process_set.base.replace("localhost", "127.0.0.1")  # wrk may try IPv6 first
            for path, _ in PAGES.values():  # the first visit builds what later ones reuse
                wrk(base, path, 1)
            print(f"  {size:,} products ({common.load_line()})")
            report(measure(base, args.rounds, args.seconds))
        print(f"  {common.load_line()}")


if __name__ == "__main__":
    main()
